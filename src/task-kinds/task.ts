import type * as tfl from '@tensorflow/tfjs-layers';
import type { DataFileSpec } from '../data/data-files.ts';
import type { Rng } from '../random/rng.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import type { ObjectiveTask } from './objective.ts';
import type { TrainingPlan } from './training-plan.ts';
import type { Direction } from '../maths/direction.ts';

export type TaskKind = 'classification' | 'regression';

export type MetricName = 'accuracy' | 'macroF1' | 'mae' | 'rmse' | 'r2';

/** The metric tuning decisions use: any name for an objective, one lgt computes for a model. */
export interface MetricSpec {
  name: string;
  direction: Direction;
}

export interface ModelMetricSpec extends MetricSpec {
  name: MetricName;
}

export interface LoadOptions {
  /** Seed of the train/validation/test split; fixed per campaign so trials compare fairly. */
  splitSeed: number;
  /** Use at most this many training rows (a quicker, rougher trial). */
  maxTrainRows?: number;
  /** Where data files are looked for and downloaded to (default: LGT_DATA_DIR, then the cache). */
  dataDirs?: string[];
  onProgress?: (message: string) => void;
}

/**
 * One split as the trainer consumes it. Features are copied batch by batch into a buffer the
 * trainer owns, so large image sets can stay bytes until then.
 */
export interface ArraySplit {
  count: number;
  /** Values per sample (the product of the feature shape). */
  featureSize: number;
  /** Class index (classification) or target value in training units (regression). */
  y: Float32Array;
  /** Copies the features of samples rows[from..to) one after another into `into`. */
  copyFeatures(rows: ArrayLike<number>, from: number, to: number, into: Float32Array): void;
}

/** A split after the configuration's feature engineering, ready to train on. */
export interface PreparedData {
  /** Shape of one sample, e.g. [13] or [28, 28, 1]. */
  featureShape: number[];
  /** Number of classes, or 1 for regression. */
  outputSize: number;
  train: ArraySplit;
  validation: ArraySplit;
  test: ArraySplit;
  classNames?: string[];
  /** Maps predictions in training units back to the target's original units (regression). */
  toOriginalUnits?: (values: Float32Array) => Float32Array;
  /** Changes a training batch in place (image augmentation); `rng` is seeded per trial. */
  augment?: (batch: Float32Array, count: number, rng: Rng) => void;
  /**
   * How a raw row becomes this input and the output a label or a value, as data (what the
   * preprocessing fitted): saved beside the best model as preprocessing.json, so the model can be
   * used on new rows (lgt predict, loadPredictor): see tabular-encoding.ts and image-encoding.ts.
   */
  encoding?: ModelEncoding;
}

/** A task family's serializable description of its preprocessing (`format` names the family). */
export type ModelEncoding = { format: string } & Record<string, unknown>;

export interface ModelContext {
  featureShape: number[];
  outputSize: number;
  /** Seed for the initial weights and dropout masks. */
  seed: number;
}

/**
 * A tuning task: a data set and its split, a search space over the four areas of a
 * configuration, an untuned baseline, how a configuration becomes a model and a training plan,
 * and the metric that decides. `D` is whatever `load` returns; workers keep it between trials.
 */
export interface Task<D = unknown, C extends Config = Config> {
  name: string;
  title: string;
  /** One paragraph an LLM (or a person) can read: data, target, what matters. */
  description: string;
  kind: TaskKind;
  /** The metric tuning decisions use, on the validation split. */
  metric: ModelMetricSpec;
  space: SearchSpace;
  /** A deliberately plain starting configuration, as in the LGT paper. */
  baseline: C;
  /** Where the data comes from, in a few words (for `lgt tasks`). */
  dataSummary: string;
  /**
   * The files `load` reads, when they are known up front: `lgt run` finds (or downloads) them
   * before it creates a campaign, so a missing file is one clear error rather than every trial
   * failing.
   */
  dataFiles?: DataFileSpec[];
  /**
   * What lgt decided about the data that a person should hear before anything runs (rows
   * dropped, columns left out, and how to change that); the command line prints them.
   */
  notes?: string[];
  load(options: LoadOptions): Promise<D>;
  /**
   * Fold `fold` of `k` for cross-validation: the same data with the training and validation
   * rows pooled and cut into k parts, part `fold` validating; the test rows stay apart. Tasks
   * without it are never cross-validated.
   */
  folds?(data: D, k: number, fold: number, seed: number): D;
  prepare(data: D, config: C): PreparedData;
  buildModel(config: C, context: ModelContext): tfl.LayersModel;
  trainingPlan(config: C): TrainingPlan;
}

/** A model task with its type parameters erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModelTask = Task<any, any>;

/**
 * Any task as registries and the command line hold them: a model lgt builds and trains, or an
 * objective (a function, a command, a benchmark function) that trains itself.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = AnyModelTask | ObjectiveTask<any>;

/**
 * The space a campaign searches: the task's, with the epochs pinned when the campaign sets them
 * for every trial (--epochs may go past the space's own bound; the request has its own).
 */
export function spaceWithEpochs(task: AnyTask, epochs: number | undefined): SearchSpace {
  return epochs !== undefined && task.space.param('epochs')
    ? task.space.withFixed({ epochs })
    : task.space;
}

/**
 * What a model task's trials measure besides their metrics, on the worker that trains them:
 * the model's parameter count, its inference time per 1,000 validation rows (milliseconds, on
 * that worker's backend and load: comparable within a campaign run on like machines) and the
 * seconds its training took. The common trade-offs need no code.
 */
export const MODEL_COST_METRICS = ['params', 'inference_ms_per_1k', 'train_seconds'] as const;

const MODEL_METRICS: Record<TaskKind, readonly string[]> = {
  classification: ['loss', 'accuracy', 'macroF1'],
  regression: ['loss', 'mae', 'rmse', 'r2'],
};

/**
 * The metrics a task's trials report, when they are known before any runs (a model task's; an
 * objective's that lists them), else null: an objective function reports what it returns.
 */
export function reportedMetrics(task: AnyTask): readonly string[] | null {
  if (task.kind === 'objective')
    return task.reports ? [...new Set([task.metric.name, ...task.reports])] : null;
  return [...MODEL_METRICS[task.kind], ...MODEL_COST_METRICS];
}
