/**
 * CBBT's setting on real data: a model trained on red wine is frozen behind a predict()
 * interface (outputs and last-layer features, nothing else) and adapted to white wine by an
 * output adapter and, optionally, an input offset fitted by queries alone. Its settings are the
 * space the strategies and agents tune; the untuned baseline is the frozen model as it is.
 */
import { readCsvTable } from '../src/data/csv-table.ts';
import { dataSources } from '../src/data/data-sources.ts';
import { resolveDataFile, defaultDataDirs } from '../src/data/data-files.ts';
import { splitIndices } from '../src/data/split.ts';
import { findColumn, type Table } from '../src/data/table.ts';
import { choice, flag, float, int } from '../src/search-space/param.ts';
import { SearchSpace } from '../src/search-space/search-space.ts';
import type { BlackBoxModel } from '../src/task-kinds/black-box/black-box-model.ts';
import { fitInputOffset, shiftRows } from '../src/task-kinds/black-box/input-offset.ts';
import {
  meanAbsoluteError,
  OutputAdapter,
  type AdapterRows,
} from '../src/task-kinds/black-box/output-adapter.ts';
import { trainFrozenModel } from '../src/task-kinds/black-box/train-frozen-model.ts';
import { columnStats } from '../src/stats/column-stats.ts';
import {
  defineObjective,
  testMetricName,
  type ObjectiveMetrics,
  type ObjectiveTrial,
} from '../src/task-kinds/objective.ts';

/** The eleven measurements both wine files share, in the order the model reads them. */
export const WINE_INPUTS = [
  'fixed acidity',
  'volatile acidity',
  'citric acid',
  'residual sugar',
  'chlorides',
  'free sulfur dioxide',
  'total sulfur dioxide',
  'density',
  'pH',
  'sulphates',
  'alcohol',
] as const;

/** Rows of one file or split: inputs row after row, and the quality scores. */
export interface WineRows {
  x: Float32Array;
  y: Float32Array;
  count: number;
}

export interface WineSplits {
  train: WineRows;
  validation: WineRows;
  test: WineRows;
}

/** Fixed, so that every campaign (and every worker) adapts the same model on the same split. */
const WHITE_SPLIT_SEED = 7;
const FROZEN_TRAINING = {
  hidden: [32, 16],
  epochs: 60,
  batchSize: 32,
  learningRate: 3e-3,
  seed: 1,
};

/** The zo* dimensions exist only when the input offset is fitted. */
const WITH_OFFSET = { param: 'inputOffset', oneOf: [true] };

const space = new SearchSpace({
  alpha: float(0, 1, {
    default: 0.2,
    area: 'architecture',
    description:
      "the adapter's share of the refined features, f' = alpha * A(f) + (1 - alpha) * f (0: the frozen features as they are, with only the head learning; CBBT uses about 0.2)",
  }),
  bottleneck: int(2, 64, {
    default: 8,
    log: true,
    area: 'architecture',
    description: "width of the adapter MLP's middle layer (the frozen features are 16 wide)",
  }),
  adapterLearningRate: float(1e-4, 0.1, {
    default: 1e-3,
    log: true,
    area: 'training',
    description: "Adam's learning rate for the adapter MLP",
  }),
  headLearningRate: float(1e-4, 0.1, {
    default: 1e-2,
    log: true,
    area: 'training',
    description:
      "Adam's learning rate for the linear head that corrects the frozen model's prediction",
  }),
  batchSize: choice([16, 32, 64, 128], {
    default: 32,
    area: 'training',
    description: 'white-wine rows per training step of the adapter and head',
  }),
  epochs: int(0, 60, {
    default: 30,
    area: 'training',
    description:
      'passes over the white-wine training rows (0: no adapter, the frozen model is used as it is); the best epoch by validation MAE is kept',
  }),
  inputOffset: flag({
    default: false,
    area: 'features',
    description:
      'fit an offset added to every input before the frozen model sees it, by zeroth-order descent from queries alone (its settings are the zo* dimensions)',
  }),
  zoSteps: int(1, 40, {
    default: 10,
    area: 'features',
    when: WITH_OFFSET,
    description:
      'steps of the zeroth-order search for the input offset; each step queries the model 1 + zoDirections times on the training rows',
  }),
  zoDirections: int(1, 22, {
    default: 11,
    area: 'features',
    when: WITH_OFFSET,
    description:
      'random directions probed per zeroth-order step (q; the inputs are 11, and the estimate is noisier with fewer)',
  }),
  zoEpsilon: float(0.01, 0.5, {
    default: 0.1,
    log: true,
    area: 'features',
    when: WITH_OFFSET,
    description: "the zeroth-order probes' distance, in standard deviations of each input",
  }),
  zoLearningRate: float(0.005, 0.5, {
    default: 0.05,
    log: true,
    area: 'features',
    when: WITH_OFFSET,
    description: "Adam's step size for the input offset, in standard deviations of each input",
  }),
});

interface Setup {
  model: BlackBoxModel;
  white: WineSplits;
  /** Each input's standard deviation in the white training rows (the offset's units). */
  whiteStd: Float32Array;
}

let setup: { key: string; value: Promise<Setup> } | null = null;

/**
 * The frozen red-wine model and the white-wine splits, made once per process (a worker's trial
 * process runs many trials) and remade only when the data directories change: the trial's (the
 * campaign's inside the worker's, then the worker's), else the defaults (LGT_DATA_DIR, the cache).
 */
function wineAdapterSetup(trialDirs: readonly string[]): Promise<Setup> {
  const dirs = trialDirs.length ? [...trialDirs] : defaultDataDirs();
  const key = JSON.stringify(dirs);
  if (setup?.key !== key) {
    const value = (async (): Promise<Setup> => {
      const [red, white] = await Promise.all([
        readWine(await resolveDataFile(dataSources.wineRed, { dataDirs: dirs })),
        readWine(await resolveDataFile(dataSources.wineWhite, { dataDirs: dirs })),
      ]);
      const { frozen } = await trainFrozenModel(
        { ...red, inputSize: WINE_INPUTS.length },
        FROZEN_TRAINING,
      );
      const splits = splitWine(white, WHITE_SPLIT_SEED);
      const whiteStd = columnStats(splits.train.x, splits.train.count, WINE_INPUTS.length).std;
      return { model: frozen, white: splits, whiteStd };
    })();
    setup = { key, value };
    value.catch(() => {
      if (setup?.value === value) setup = null;
    });
  }
  return setup.value;
}

/** A wine file's eleven measurements and quality, as rows. */
export async function readWine(file: string): Promise<WineRows> {
  const table = await readCsvTable(file);
  const columns = [...WINE_INPUTS, 'quality'].map((name) => numericValues(table, name));
  const count = table.rowCount;
  const d = WINE_INPUTS.length;
  const x = new Float32Array(count * d);
  for (let r = 0; r < count; r++) for (let j = 0; j < d; j++) x[r * d + j] = columns[j]![r]!;
  return { x, y: Float32Array.from(columns[d]!), count };
}

function numericValues(table: Table, name: string): Float64Array {
  const column = findColumn(table, name);
  if (column.kind !== 'numeric')
    throw new Error(`${table.source}: column "${name}" is not numeric`);
  return column.values;
}

/** 60% training, 20% validation, 20% test rows, the same for the same seed. */
export function splitWine(rows: WineRows, seed: number): WineSplits {
  const d = WINE_INPUTS.length;
  const splits = splitIndices(rows.count, { validation: 0.2, test: 0.2, seed });
  const pick = (indices: Int32Array): WineRows => {
    const x = new Float32Array(indices.length * d);
    indices.forEach((r, k) => x.set(rows.x.subarray(r * d, (r + 1) * d), k * d));
    return { x, y: Float32Array.from(indices, (r) => rows.y[r]!), count: indices.length };
  };
  return {
    train: pick(splits.train),
    validation: pick(splits.validation),
    test: pick(splits.test),
  };
}

export type WineAdapterConfig = {
  alpha: number;
  bottleneck: number;
  adapterLearningRate: number;
  headLearningRate: number;
  batchSize: number;
  epochs: number;
  inputOffset: boolean;
  zoSteps?: number;
  zoDirections?: number;
  zoEpsilon?: number;
  zoLearningRate?: number;
};

/** The offset's settings by default: the space's own, for a configuration that leaves them out. */
const OFFSET_DEFAULTS = space.parse({ inputOffset: true }) as WineAdapterConfig;

/**
 * One trial: the input offset (when inputOffset is on), the frozen model's outputs and features on
 * the shifted rows, then the adapter (when epochs > 0), reported epoch by epoch as validation
 * MAE. The result says how many queries the model answered. `model` is all it touches of the
 * frozen model: a BlackBoxModel has predict() and nothing else.
 */
export async function adaptWineModel(
  model: BlackBoxModel,
  white: WineSplits,
  whiteStd: Float32Array,
  config: WineAdapterConfig,
  trial: Pick<ObjectiveTrial, 'seed' | 'signal' | 'final' | 'report' | 'shouldStop'>,
): Promise<ObjectiveMetrics> {
  const queries = model.queries;
  const queriedRows = model.queriedRows;
  let offset: Float32Array = new Float32Array(WINE_INPUTS.length);
  const metrics: ObjectiveMetrics = {};
  if (config.inputOffset) {
    const fit = await fitInputOffset(model, white.train, whiteStd, {
      steps: config.zoSteps ?? OFFSET_DEFAULTS.zoSteps!,
      directions: config.zoDirections ?? OFFSET_DEFAULTS.zoDirections!,
      epsilon: config.zoEpsilon ?? OFFSET_DEFAULTS.zoEpsilon!,
      learningRate: config.zoLearningRate ?? OFFSET_DEFAULTS.zoLearningRate!,
      seed: trial.seed,
      signal: trial.signal,
    });
    offset = fit.offset;
    metrics['offset_train_mae'] = fit.loss;
    metrics['offset_queries'] = fit.queries;
  }
  const ask = (rows: WineRows): AdapterRows => ({
    count: rows.count,
    y: rows.y,
    ...model.predict(config.inputOffset ? shiftRows(rows.x, offset) : rows.x, rows.count),
  });
  const train = ask(white.train);
  const validation = ask(white.validation);
  metrics['frozen_mae'] = meanAbsoluteError(validation.outputs, validation.y);

  let adapter: OutputAdapter | null = null;
  try {
    if (config.epochs > 0) {
      adapter = await OutputAdapter.train(
        train,
        validation,
        model.featureSize,
        {
          alpha: config.alpha,
          bottleneck: config.bottleneck,
          adapterLearningRate: config.adapterLearningRate,
          headLearningRate: config.headLearningRate,
          epochs: config.epochs,
          batchSize: config.batchSize,
          seed: trial.seed,
        },
        async (epoch, mae) => {
          await trial.report(epoch, { mae });
          return trial.shouldStop();
        },
      );
      metrics['best_epoch'] = adapter.bestEpoch;
    }
    const predictOn = (rows: AdapterRows) => (adapter ? adapter.predict(rows) : rows.outputs);
    metrics['mae'] = meanAbsoluteError(predictOn(validation), validation.y);
    // The test rows are asked about once, on the campaign's final run only.
    if (trial.final) {
      const test = ask(white.test);
      metrics[testMetricName('mae')] = meanAbsoluteError(predictOn(test), test.y);
    }
  } finally {
    adapter?.dispose();
  }
  metrics['queries'] = model.queries - queries;
  metrics['queried_rows'] = model.queriedRows - queriedRows;
  return metrics;
}

export default defineObjective<WineAdapterConfig>({
  name: 'wine-adapter',
  title: 'Red-wine model adapted to white wine through its outputs (CBBT)',
  description:
    "A small neural network trained on red wine (1,599 rows, 11 physico-chemical measurements -> quality score 3-8) is frozen and reachable only through predict(), which returns its predicted quality and its last hidden layer's 16 features: no weights, no gradients. It is adapted to white wine (4,898 rows, the same 11 measurements; more residual sugar, less acidity, quality 3-9) by a trainable output adapter: the features are refined as f' = alpha * A(f) + (1 - alpha) * f, A a bottleneck MLP, and a linear head adds a correction to the frozen prediction (zero at first). Optionally an offset added to every input is fitted first by zeroth-order descent, from queries only; each query costs a call of the model. The metric is the mean absolute error in quality points on white wine's validation rows (lower is better); the frozen model as it is scores 0.74 there, worse than always predicting the white wines' median (0.65): the shift from red to white is real.",
  metric: { name: 'mae', direction: 'minimize' },
  space,
  baseline: { ...(space.defaults() as WineAdapterConfig), epochs: 0, inputOffset: false },
  dataSummary:
    'winequality-red.csv (the frozen model) and winequality-white.csv (4,898 rows; 60/20/20 split)',
  tensorflow: true,
  async objective(config, trial) {
    const { model, white, whiteStd } = await wineAdapterSetup(trial.dataDirs);
    return adaptWineModel(model, white, whiteStd, config, trial);
  },
});
