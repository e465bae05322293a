import type { EpochRecord } from './epoch-record.ts';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Config } from '../search-space/search-space.ts';
import type { AnyTask, MetricSpec, PreparedData } from '../task-kinds/task.ts';
import type { Metrics } from './metrics.ts';
import type { EpochCap } from './step-budget.ts';
import type { TrainingCheckpoint } from './checkpoint.ts';
import type { TrialPredictions } from './trial-predictions.ts';

/** One epoch of a learning curve (validation split only). */
export type { EpochRecord };

/** What a hook between epochs may answer: go on, or stop this trial now (pruning). */
export type EpochDecision = 'continue' | 'stop';

export interface TrialRequest {
  task: AnyTask;
  /** What `task.load` returned; workers keep it between trials. */
  data: unknown;
  config: Config;
  seed: number;
  /** The trial's number in its campaign, for an objective's own use (trial.number). */
  trialNumber?: number;
  /** Overrides the configuration's epochs (quick looks, tests). */
  epochs?: number;
  /**
   * Where data files may be read from (the campaign's directories inside the ones this process
   * allows): an objective that reads files gets them as trial.dataDirs.
   */
  dataDirs?: readonly string[];
  /**
   * Most optimizer steps the trial may take, as a multiple of the default configuration's
   * (see step-budget.ts); its epochs are cut to fit. Absent: DEFAULT_STEP_BUDGET; 0: no cap.
   */
  stepBudget?: number;
  /**
   * Metrics each epoch record carries besides the task's (a trade-off's other objectives, for
   * the multi-objective pruner): any the epoch measured; a model task's also `params` and
   * `train_seconds` so far.
   */
  epochMetrics?: readonly string[];
  /** Score the test split at the end. Only the final report of a campaign does this. */
  scoreTest?: boolean;
  /**
   * Return the model's predictions on the validation split (and the test split, when scored):
   * what ensemble selection averages. Only a completed run returns them.
   */
  keepPredictions?: boolean;
  /** Aborts between batches at the next chance; the result so far comes back as 'aborted'. */
  signal?: AbortSignal;
  onEpoch?: (
    record: EpochRecord,
    plannedEpochs: number,
  ) => EpochDecision | void | Promise<EpochDecision | void>;
  /** Progress inside an epoch (0..1), a few times a second on long epochs. */
  onProgress?: (epoch: number, fraction: number) => void;
  /**
   * Start from this state instead of fresh weights (see checkpoint.ts): the epochs it trained
   * count toward the plan's. The configuration may differ from the one it was taken under in
   * what can change mid-run (learning rate, dropout, ...); the optimizer's slots and step are
   * kept when its type is the same, and start afresh when it changes.
   */
  resumeFrom?: TrainingCheckpoint;
  /**
   * Train one segment of a longer run: stop after this epoch (1-based) of the plan. The plan's
   * epochs still set the learning-rate schedule; early stopping does not end a segment and the
   * best epoch is not restored (the run goes on from here, as it was).
   */
  stopAfterEpoch?: number;
  /** After these epochs (1-based), the run's exact state goes to onCheckpoint. */
  checkpointEpochs?: readonly number[];
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => Promise<void>;
  /** Called with the trained model (best epoch restored) before it is freed, e.g. to save it. */
  onModel?: (model: tfl.LayersModel, data: PreparedData) => Promise<void>;
}

/**
 * completed: ran its epochs (or early stopping ended it); stopped: a hook stopped it (pruned);
 * aborted: cancelled; diverged: the training loss, or the validation metric at the end, became NaN or infinite.
 */
export type TrialStatus = 'completed' | 'stopped' | 'aborted' | 'diverged';

export interface TrialResult {
  status: TrialStatus;
  /** The task's metric on the validation split; null when the trial diverged. */
  metric: MetricSpec & { value: number | null };
  validation: Metrics;
  test?: Metrics;
  /** With keepPredictions: the trained model's predictions and the targets they are scored on. */
  predictions?: { validation: TrialPredictions; test?: TrialPredictions };
  curve: EpochRecord[];
  /** The epoch whose weights the result reports (the best one under early stopping). */
  reportedEpoch: number;
  plannedEpochs: number;
  /** Set when the step budget cut the configuration's epochs (plannedEpochs is the cut value). */
  epochCap?: EpochCap;
  earlyStopped: boolean;
  seconds: number;
  samplesPerSecond: number;
  parameterCount: number;
  backend: string;
  config: Config;
  seed: number;
}

export interface Trainer {
  train(request: TrialRequest): Promise<TrialResult>;
}
