import type { DataFileSpec } from '../../data/data-files.ts';
import { holdOut } from '../../data/split.ts';
import { selectImages, type ImageSet } from '../../data/image-set.ts';
import { buildCnn } from '../../models/cnn.ts';
import type { ActivationName } from '../../models/layer-helpers.ts';
import { Rng } from '../../random/rng.ts';
import { choice, flag, int } from '../../search-space/param.ts';
import { SearchSpace, type Config } from '../../search-space/search-space.ts';
import { byteImageSplit } from '../array-splits.ts';
import {
  activationParam,
  classificationLossParams,
  regularizationParams,
  trainingParams,
  trainingPlanOf,
  type TrainingParamOptions,
} from '../common-params.ts';
import type { LoadOptions, PreparedData, Task } from '../task.ts';
import { augmentImages } from './augment-images.ts';
import { imageEncoding } from './image-encoding.ts';

export interface ImageData {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
  classNames: string[];
}

export interface ImageTaskOptions {
  name: string;
  title: string;
  description: string;
  dataSummary: string;
  classNames: string[];
  /** The files `loadImages` reads (see Task.dataFiles). */
  dataFiles?: DataFileSpec[];
  /** Reads the official training and test sets. */
  loadImages: (options: LoadOptions) => Promise<{ train: ImageSet; test: ImageSet }>;
  /** Images held out of the official training set for validation. */
  validationSize: number;
  /** Whether a horizontal flip keeps an image's class (not for digits). */
  allowFlip: boolean;
  training: TrainingParamOptions;
  baseline: Config;
}

/** The architecture, augmentation and normalization dimensions of a small CNN. */
function imageParams(opts: { allowFlip: boolean }) {
  const whenConv = { param: 'convBlocks', atLeast: 1 } as const;
  return {
    convBlocks: int(0, 3, {
      default: 2,
      area: 'architecture',
      description: 'conv blocks (conv, activation, 2x2 pooling); 0 = an MLP on the pixels',
    }),
    filters: int(4, 128, {
      log: true,
      default: 16,
      area: 'architecture',
      description: 'filters of the first conv block (each further block doubles them)',
      when: whenConv,
    }),
    kernelSize: choice([3, 5], {
      default: 3,
      area: 'architecture',
      description: 'convolution kernel size',
      when: whenConv,
    }),
    pooling: choice(['max', 'avg'], {
      default: 'max',
      area: 'architecture',
      description: 'pooling after each conv block',
      when: whenConv,
    }),
    denseUnits: int(16, 1024, {
      log: true,
      default: 64,
      area: 'architecture',
      description: 'units of the dense layer before the output',
    }),
    activation: activationParam(),
    batchNorm: flag({
      default: false,
      area: 'architecture',
      description: 'batch normalization before each activation',
    }),
    normalization: choice(['none', 'unit', 'standard'], {
      default: 'standard',
      area: 'features',
      description:
        'pixel scaling: none (raw 0..255), unit (0..1) or standard (per-channel mean/std of the training split)',
    }),
    ...(opts.allowFlip
      ? {
          flip: flag({
            default: false,
            area: 'features',
            description: 'augmentation: random horizontal flips of training images',
          }),
        }
      : {}),
    shift: int(0, 4, {
      default: 0,
      area: 'features',
      description: 'augmentation: random translation of training images by up to this many pixels',
    }),
  };
}

export function defineImageTask(opts: ImageTaskOptions): Task<ImageData, Config> {
  const space = new SearchSpace({
    ...imageParams(opts),
    ...trainingParams(opts.training),
    ...classificationLossParams(),
    ...regularizationParams(),
  });
  return {
    name: opts.name,
    title: opts.title,
    description: opts.description,
    kind: 'classification',
    metric: { name: 'accuracy', direction: 'maximize' },
    space,
    baseline: space.parse(opts.baseline),
    dataSummary: opts.dataSummary,
    ...(opts.dataFiles ? { dataFiles: opts.dataFiles } : {}),
    async load(options) {
      const { train: official, test } = await opts.loadImages(options);
      const { rest, heldOut } = holdOut(
        official.count,
        Math.min(opts.validationSize, Math.floor(official.count / 5)),
        options.splitSeed,
        official.labels,
      );
      let trainRows = rest;
      if (options.maxTrainRows !== undefined && rest.length > options.maxTrainRows) {
        trainRows = new Rng(options.splitSeed).shuffle(rest.slice()).slice(0, options.maxTrainRows);
      }
      return {
        train: selectImages(official, trainRows),
        validation: selectImages(official, heldOut),
        test,
        classNames: opts.classNames,
      };
    },
    prepare: (data, config) => prepareImages(data, config),
    buildModel(config, context) {
      const [height, width, channels] = context.featureShape as [number, number, number];
      return buildCnn({
        inputShape: [height, width, channels],
        outputSize: context.outputSize,
        convBlocks: config['convBlocks'] as number,
        filters: (config['filters'] ?? 16) as number,
        kernelSize: (config['kernelSize'] ?? 3) as number,
        pooling: (config['pooling'] ?? 'max') as 'max' | 'avg',
        denseUnits: config['denseUnits'] as number,
        activation: config['activation'] as ActivationName,
        batchNorm: config['batchNorm'] === true,
        dropout: (config['dropout'] ?? 0) as number,
        seed: context.seed,
      });
    },
    trainingPlan: (config) => trainingPlanOf(config, 'classification'),
  };
}

/** Per-channel mean and standard deviation of a set's pixels, cached per set. */
const channelStatsCache = new WeakMap<ImageSet, { mean: Float32Array; std: Float32Array }>();

function channelStats(set: ImageSet): { mean: Float32Array; std: Float32Array } {
  const cached = channelStatsCache.get(set);
  if (cached) return cached;
  const c = set.channels;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let i = 0; i < set.images.length; i++) {
    const v = set.images[i]!;
    sum[i % c]! += v;
    sumSq[i % c]! += v * v;
  }
  const n = set.images.length / c;
  const mean = Float32Array.from(sum, (s) => s / n);
  const std = Float32Array.from(sumSq, (s, k) => Math.sqrt(Math.max(s / n - mean[k]! ** 2, 1e-6)));
  const stats = { mean, std };
  channelStatsCache.set(set, stats);
  return stats;
}

function prepareImages(data: ImageData, config: Config): PreparedData {
  const { train } = data;
  const c = train.channels;
  const { mean, std } =
    config['normalization'] === 'standard'
      ? channelStats(train)
      : {
          mean: new Float32Array(c),
          std: new Float32Array(c).fill(config['normalization'] === 'unit' ? 255 : 1),
        };
  const featureSize = train.height * train.width * c;
  const part = (set: ImageSet) =>
    byteImageSplit(set.images, Float32Array.from(set.labels), featureSize, mean, std);
  const flip = config['flip'] === true;
  const shift = (config['shift'] ?? 0) as number;
  const background = Float32Array.from(mean, (m, k) => -m / std[k]!);
  return {
    featureShape: [train.height, train.width, c],
    outputSize: data.classNames.length,
    train: part(train),
    validation: part(data.validation),
    test: part(data.test),
    classNames: data.classNames,
    encoding: imageEncoding(
      { height: train.height, width: train.width, channels: c },
      mean,
      std,
      data.classNames,
    ),
    ...(flip || shift > 0
      ? {
          augment: (batch, count, rng) =>
            augmentImages(
              batch,
              count,
              { height: train.height, width: train.width, channels: c },
              {
                flip,
                shift,
                background,
                rng,
              },
            ),
        }
      : {}),
  };
}
