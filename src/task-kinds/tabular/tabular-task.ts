import { readCsvTable } from '../../data/csv-table.ts';
import { resolveDataFile, type DataFileSpec } from '../../data/data-files.ts';
import { splitIndices } from '../../data/split.ts';
import { findColumn, type Column, type Table } from '../../data/table.ts';
import { Rng } from '../../random/rng.ts';
import { buildMlp } from '../../models/mlp.ts';
import type { ActivationName } from '../../models/layer-helpers.ts';
import { choice, flag, int } from '../../search-space/param.ts';
import { SearchSpace, type Config } from '../../search-space/search-space.ts';
import {
  activationParam,
  classificationLossParams,
  regressionLossParams,
  regularizationParams,
  trainingParams,
  trainingPlanOf,
  type TrainingParamOptions,
} from '../common-params.ts';
import { floatSplit } from '../array-splits.ts';
import type { TabularEncoding } from './tabular-encoding.ts';
import type { LoadOptions, ModelMetricSpec, PreparedData, Task, TaskKind } from '../task.ts';
import {
  TabularPreprocessor,
  TargetScaler,
  type FeatureOptions,
  type TargetTransform,
} from './tabular-preprocessor.ts';

/** A table split into train/validation/test rows, with its target encoded. */
export interface TabularData {
  table: Table;
  features: Column[];
  /** The name of the target column. */
  targetName: string;
  /** Class index (classification) or value (regression), per row. */
  target: Float64Array;
  classNames?: string[];
  split: { train: Int32Array; validation: Int32Array; test: Int32Array };
}

export interface TabularTaskOptions {
  name: string;
  title: string;
  description: string;
  kind: TaskKind;
  metric: ModelMetricSpec;
  /** The CSV file (found or downloaded by name), or a function that reads the table. */
  source: DataFileSpec | ((options: LoadOptions) => Promise<Table>);
  dataSummary: string;
  target: string;
  dropColumns?: string[];
  /** Whether the data has missing values / categorical columns (adds the matching knobs). */
  hasMissingValues: boolean;
  hasCategoricalColumns: boolean;
  /** A non-negative target may be log-transformed (regression). */
  nonNegativeTarget?: boolean;
  validationFraction?: number;
  testFraction?: number;
  training: TrainingParamOptions;
  /** The untuned starting point; fields not given take the space's defaults. */
  baseline: Config;
}

/** The architecture and feature-engineering dimensions of an MLP on a table. */
function tabularParams(opts: {
  kind: TaskKind;
  hasMissingValues: boolean;
  hasCategoricalColumns: boolean;
  nonNegativeTarget?: boolean;
}) {
  const units = (layer: number, def: number) =>
    int(2, 512, {
      log: true,
      default: def,
      // Two or four units squeeze ten classes through a bottleneck that cannot hold them.
      search: [8, 512],
      area: 'architecture',
      description: `units of hidden layer ${layer}`,
      when: { param: 'hiddenLayers', atLeast: layer },
    });
  return {
    hiddenLayers: int(0, 4, {
      default: 2,
      area: 'architecture',
      description: 'hidden dense layers (0 = a linear/logistic model)',
    }),
    units1: units(1, 64),
    units2: units(2, 64),
    units3: units(3, 32),
    units4: units(4, 32),
    activation: activationParam(),
    batchNorm: flag({
      default: false,
      area: 'architecture',
      description: 'batch normalization before each hidden activation',
    }),
    scaling: choice(['none', 'standard', 'minmax', 'robust'], {
      default: 'standard',
      area: 'features',
      description: 'scaling of numeric features (fitted on the training split)',
    }),
    logSkewed: flag({
      default: false,
      area: 'features',
      description: 'log1p on non-negative numeric features with skewness above 1',
    }),
    ...(opts.hasMissingValues
      ? {
          imputation: choice(['mean', 'median', 'zero'], {
            default: 'median',
            area: 'features',
            description: 'value that replaces a missing numeric value',
          }),
        }
      : {}),
    ...(opts.hasCategoricalColumns
      ? {
          categoricalEncoding: choice(['onehot', 'ordinal'], {
            default: 'onehot',
            area: 'features',
            description: 'encoding of categorical columns',
          }),
        }
      : {}),
    ...(opts.kind === 'regression'
      ? {
          targetTransform: choice(
            opts.nonNegativeTarget ? ['none', 'standardize', 'log'] : ['none', 'standardize'],
            {
              default: 'standardize',
              // An untransformed target starts the output far from the values (it predicted
              // about 0 against targets near 150 in issue 27's runs): only the baseline has it.
              search: opts.nonNegativeTarget ? ['standardize', 'log'] : ['standardize'],
              area: 'features',
              description:
                'transform of the target for training (log = log1p then standardize); metrics stay in original units',
            },
          ),
        }
      : {}),
  };
}

/** A task that trains an MLP on a table: the built-in CSV tasks and `--csv` data. */
export function defineTabularTask(opts: TabularTaskOptions): Task<TabularData, Config> {
  const space = new SearchSpace({
    ...tabularParams(opts),
    ...trainingParams(opts.training),
    ...(opts.kind === 'classification' ? classificationLossParams() : regressionLossParams()),
    ...regularizationParams(),
  });
  return {
    name: opts.name,
    title: opts.title,
    description: opts.description,
    kind: opts.kind,
    metric: opts.metric,
    space,
    baseline: space.parse(opts.baseline),
    dataSummary: opts.dataSummary,
    ...(typeof opts.source === 'function' ? {} : { dataFiles: [opts.source] }),
    async load(options) {
      const table =
        typeof opts.source === 'function'
          ? await opts.source(options)
          : await readCsvTable(await resolveDataFile(opts.source, options));
      return splitTable(table, opts, options);
    },
    folds: (data, k, fold, seed) => foldOf(data, k, fold, seed, opts.kind),
    prepare: (data, config) => prepareTabular(data, config, opts.kind),
    buildModel(config, context) {
      const layers = config['hiddenLayers'] as number;
      return buildMlp({
        inputSize: context.featureShape[0]!,
        outputSize: context.outputSize,
        hiddenUnits: Array.from({ length: layers }, (_, i) => config[`units${i + 1}`] as number),
        activation: config['activation'] as ActivationName,
        batchNorm: config['batchNorm'] === true,
        dropout: (config['dropout'] ?? 0) as number,
        seed: context.seed,
      });
    },
    trainingPlan: (config) => trainingPlanOf(config, opts.kind),
  };
}

function splitTable(
  table: Table,
  opts: Pick<
    TabularTaskOptions,
    'target' | 'dropColumns' | 'kind' | 'validationFraction' | 'testFraction'
  >,
  options: LoadOptions,
): TabularData {
  // Too few rows is said as such, before anything about the target (one row has one class).
  if (table.rowCount < MIN_ROWS) throw tooFewRows(table, `${table.rowCount}`);
  const targetColumn = findColumn(table, opts.target);
  for (const name of opts.dropColumns ?? []) findColumn(table, name);
  const features = table.columns.filter(
    (c) => c !== targetColumn && !(opts.dropColumns ?? []).includes(c.name),
  );
  if (features.length === 0)
    throw new Error(`${table.source} has no feature columns besides the target`);
  const { target, classNames } = encodeTarget(targetColumn, opts.kind, table.source);
  const split = splitIndices(table.rowCount, {
    validation: opts.validationFraction ?? 0.15,
    test: opts.testFraction ?? 0.15,
    seed: options.splitSeed,
    ...(opts.kind === 'classification' ? { stratify: target } : {}),
  });
  if (options.maxTrainRows !== undefined && split.train.length > options.maxTrainRows) {
    // A random subset: the rows of a file are often sorted (iris by species).
    split.train = new Rng(options.splitSeed)
      .shuffle(split.train.slice())
      .slice(0, options.maxTrainRows);
  }
  checkLearnable(table, opts, target, split);
  return {
    table,
    features,
    targetName: targetColumn.name,
    target,
    ...(classNames ? { classNames } : {}),
    split,
  };
}

/**
 * Cross-validation fold `fold` of `k`: the training and validation rows, shuffled with `seed`
 * and dealt to the folds in turn (class by class for classification, so every fold has each
 * class in proportion); the fold's rows validate, the others train. The test rows are not
 * touched: no fold ever sees them.
 */
function foldOf(
  data: TabularData,
  k: number,
  fold: number,
  seed: number,
  kind: TaskKind,
): TabularData {
  const pool = new Rng(seed * 7919 + 17).shuffle(
    Int32Array.from([...data.split.train, ...data.split.validation]),
  );
  const order =
    kind === 'classification'
      ? Int32Array.from([...pool].sort((a, b) => data.target[a]! - data.target[b]!))
      : pool;
  const train: number[] = [];
  const validation: number[] = [];
  order.forEach((row, i) => (i % k === fold ? validation : train).push(row));
  return {
    ...data,
    split: {
      train: Int32Array.from(train),
      validation: Int32Array.from(validation),
      test: data.split.test,
    },
  };
}

/** Fewer training rows than this cannot fit even a one-feature model with any meaning. */
const MIN_TRAIN_ROWS = 2;
/** Rows for the smallest split there is: the training rows and one for validation and test. */
const MIN_ROWS = MIN_TRAIN_ROWS + 2;
/** The longest class label: a name, not a document (it is stored with the model and reports). */
const MAX_LABEL_CHARS = 200;

function tooFewRows(table: Table, rows: string): Error {
  return new Error(
    `${table.source} has too few rows: ${rows}; splitting into training, validation and test needs at least ${MIN_TRAIN_ROWS} training rows and one in each other split, and a few dozen rows for a meaningful result`,
  );
}

/**
 * Refuses data a campaign cannot learn from, with the numbers: too few rows for every split, or
 * a target without variance (one class, or one value) where the model learns or is judged.
 * Otherwise such data "completes" with NaN or constant scores that look like results.
 */
function checkLearnable(
  table: Table,
  opts: Pick<TabularTaskOptions, 'target' | 'kind'>,
  target: Float64Array,
  split: TabularData['split'],
): void {
  const sizes = `${split.train.length} training, ${split.validation.length} validation and ${split.test.length} test rows`;
  if (
    split.train.length < MIN_TRAIN_ROWS ||
    split.validation.length === 0 ||
    split.test.length === 0
  ) {
    throw tooFewRows(table, `${table.rowCount} (${sizes})`);
  }
  const distinct = (rows: Int32Array) => new Set(Array.from(rows, (r) => target[r])).size;
  if (distinct(split.train) < 2) {
    throw new Error(
      `the target "${opts.target}" of ${table.source} has one ${opts.kind === 'classification' ? 'class' : 'value'} in all ${split.train.length} training rows: there is nothing to learn`,
    );
  }
  if (opts.kind === 'regression' && distinct(split.validation) < 2) {
    throw new Error(
      `the target "${opts.target}" of ${table.source} is constant on the ${split.validation.length} validation rows, so R2 is undefined and no configuration can be told from another; use more rows`,
    );
  }
}

/** Classes sorted (numerically when they are numbers); rows with a missing target are refused. */
function encodeTarget(
  column: Column,
  kind: TaskKind,
  source: string,
): { target: Float64Array; classNames?: string[] } {
  const missing = () =>
    new Error(
      `the target column "${column.name}" of ${source} has missing values; drop those rows first`,
    );
  if (kind === 'regression') {
    if (column.kind !== 'numeric') {
      throw new Error(
        `the target column "${column.name}" of ${source} is not numeric, so it cannot be a regression target; use --kind classification`,
      );
    }
    if (column.values.some((v) => Number.isNaN(v))) throw missing();
    return { target: Float64Array.from(column.values) };
  }
  const raw: string[] = [];
  for (const v of column.values) {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) throw missing();
    raw.push(String(v));
  }
  const classNames = [...new Set(raw)].sort((a, b) =>
    column.kind === 'numeric' ? Number(a) - Number(b) : a.localeCompare(b),
  );
  if (classNames.length < 2)
    throw new Error(`the target column "${column.name}" has a single class`);
  const long = classNames.find((c) => c.length > MAX_LABEL_CHARS);
  if (long !== undefined) {
    throw new Error(
      `the target column "${column.name}" of ${source} has a class label of ${long.length.toLocaleString('en')} characters; labels may have at most ${MAX_LABEL_CHARS} (is it the right column?)`,
    );
  }
  if (classNames.length > 1000) {
    throw new Error(
      `the target column "${column.name}" has ${classNames.length} distinct values; is it a regression target? (--kind regression)`,
    );
  }
  const index = new Map(classNames.map((c, i) => [c, i]));
  return { target: Float64Array.from(raw, (v) => index.get(v)!), classNames };
}

function prepareTabular(data: TabularData, config: Config, kind: TaskKind): PreparedData {
  const options: FeatureOptions = {
    scaling: config['scaling'] as FeatureOptions['scaling'],
    imputation: (config['imputation'] ?? 'median') as FeatureOptions['imputation'],
    categoricalEncoding: (config['categoricalEncoding'] ??
      'onehot') as FeatureOptions['categoricalEncoding'],
    logSkewed: config['logSkewed'] === true,
  };
  const { split } = data;
  const pre = TabularPreprocessor.fit(data.features, split.train, options);
  const scaler =
    kind === 'regression'
      ? TargetScaler.fit(
          data.target,
          split.train,
          (config['targetTransform'] ?? 'none') as TargetTransform,
        )
      : null;
  const width = pre.featureCount;
  const part = (rows: Int32Array) =>
    floatSplit(
      pre.transform(rows),
      Float32Array.from(rows, (r) =>
        scaler ? scaler.toTraining(data.target[r]!) : data.target[r]!,
      ),
      width,
    );
  return {
    featureShape: [width],
    outputSize: kind === 'classification' ? data.classNames!.length : 1,
    train: part(split.train),
    validation: part(split.validation),
    test: part(split.test),
    ...(data.classNames ? { classNames: data.classNames } : {}),
    ...(scaler ? { toOriginalUnits: (v: Float32Array) => scaler.toOriginal(v) } : {}),
    encoding: {
      format: 'lgt-tabular-encoding',
      version: 1,
      problem: kind,
      target: data.targetName,
      features: pre.toSpec(),
      ...(data.classNames ? { classNames: data.classNames } : {}),
      ...(scaler ? { targetScaling: scaler.toSpec() } : {}),
    } satisfies TabularEncoding,
  };
}
