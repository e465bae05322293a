import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnStats } from '../../src/stats/column-stats.ts';
import type { BlackBoxModel } from '../../src/task-kinds/black-box/black-box-model.ts';
import { FrozenModel } from '../../src/task-kinds/black-box/frozen-model.ts';
import { fitInputOffset } from '../../src/task-kinds/black-box/input-offset.ts';
import { OutputAdapter } from '../../src/task-kinds/black-box/output-adapter.ts';
import { trainFrozenModel } from '../../src/task-kinds/black-box/train-frozen-model.ts';
import type { ObjectiveMetrics } from '../../src/task-kinds/objective.ts';
import { selectBackend } from '../../src/trainer/backend.ts';
import wineAdapter, {
  adaptWineModel,
  readWine,
  splitWine,
  WINE_INPUTS,
  type WineAdapterConfig,
  type WineSplits,
} from '../../tasks/wine-adapter.ts';
import { sharedDataset } from '../helpers/paths.ts';

/**
 * CBBT's black-box adaptation on the real wine files: a red-wine model (trained here, briefly)
 * behind the predict-only interface, adapted to white wine. What must hold: the frozen weights
 * never change, the zeroth-order offset asks for no gradient, and every query is counted.
 */
let frozen: FrozenModel;
let model: tfl.LayersModel;
let white: WineSplits;
let whiteStd: Float32Array;

beforeAll(async () => {
  await selectBackend();
  const red = await readWine(sharedDataset('winequality-red.csv'));
  ({ frozen, model } = await trainFrozenModel(
    { ...red, inputSize: WINE_INPUTS.length },
    { hidden: [32, 16], epochs: 8, batchSize: 32, learningRate: 3e-3, seed: 1 },
  ));
  white = splitWine(await readWine(sharedDataset('winequality-white.csv')), 7);
  whiteStd = columnStats(white.train.x, white.train.count, WINE_INPUTS.length).std;
}, 60_000);

/** Every weight of the model, copied out. */
function weightsOf(m: tfl.LayersModel): Float32Array[] {
  return m.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

/** A trial as the objective trainer gives one: its reports collected, never stopped. */
function trialStub(final = false) {
  const reports: { epoch: number; metrics: ObjectiveMetrics }[] = [];
  return {
    reports,
    trial: {
      seed: 0,
      signal: new AbortController().signal,
      final,
      report: (epoch: number, metrics: ObjectiveMetrics) => {
        reports.push({ epoch, metrics });
        return Promise.resolve();
      },
      shouldStop: () => false,
    },
  };
}

/** Counts the engine's gradient computations (tf.grad, variableGrads, optimizer.minimize). */
async function gradientCalls<T>(run: () => Promise<T> | T): Promise<{ result: T; calls: number }> {
  const engine = tf.engine();
  const original = engine.gradients.bind(engine);
  let calls = 0;
  engine.gradients = ((...args: Parameters<typeof engine.gradients>) => {
    calls += 1;
    return original(...args);
  }) as typeof engine.gradients;
  try {
    return { result: await run(), calls };
  } finally {
    engine.gradients = original;
  }
}

const config = (over: Partial<WineAdapterConfig>): WineAdapterConfig => ({
  ...(wineAdapter.space.defaults() as WineAdapterConfig),
  ...over,
});

describe('wine-adapter', () => {
  it('the frozen model offers predict() and counters, nothing of its weights', () => {
    const members = new Set([
      ...Object.keys(frozen),
      ...Object.getOwnPropertyNames(Object.getPrototypeOf(frozen)),
    ]);
    expect([...members].sort()).toEqual(
      ['constructor', 'featureSize', 'inputSize', 'predict', 'queriedRows', 'queries'].sort(),
    );
    const before = frozen.queries;
    const out = frozen.predict(white.validation.x.subarray(0, 5 * 11), 5);
    expect(out.outputs).toHaveLength(5);
    expect(out.features).toHaveLength(5 * frozen.featureSize);
    expect(frozen.queries).toBe(before + 1);
    expect(() => frozen.predict(new Float32Array(10), 1)).toThrow(/10 values are not 1 rows of 11/);
  });

  it('adapting to white wine (offset and adapter) leaves every frozen weight as it was, and beats the frozen model', async () => {
    const before = weightsOf(model);
    const queriesBefore = frozen.queries;
    const { trial, reports } = trialStub(true);
    const metrics = await adaptWineModel(
      frozen,
      white,
      whiteStd,
      config({
        inputOffset: true,
        zoSteps: 3,
        zoDirections: 4,
        epochs: 4,
        headLearningRate: 0.01,
      }),
      trial,
    );
    const after = weightsOf(model);
    expect(after).toHaveLength(before.length);
    after.forEach((w, i) =>
      expect(Buffer.from(w.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true),
    );
    // 1 start + (4) + (1 + 4) + (1 + 4) probes + 1 final = 16 for the offset; train, validation, test.
    expect(metrics['offset_queries']).toBe(16);
    expect(metrics['queries']).toBe(19);
    expect(frozen.queries - queriesBefore).toBe(19);
    expect(reports.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(metrics['mae']).toBe(Math.min(...reports.map((r) => r.metrics['mae']!)));
    expect(metrics['mae']!).toBeLessThan(metrics['frozen_mae']!);
    expect(metrics['test_mae']!).toBeGreaterThan(0);
  }, 60_000);

  it('the untuned baseline is the frozen model as it is: no offset, no adapter, its own MAE', async () => {
    const { trial, reports } = trialStub();
    const metrics = await adaptWineModel(
      frozen,
      white,
      whiteStd,
      wineAdapter.baseline as WineAdapterConfig,
      trial,
    );
    const { outputs } = frozen.predict(white.validation.x, white.validation.count);
    let sum = 0;
    outputs.forEach((v, i) => (sum += Math.abs(v - white.validation.y[i]!)));
    expect(metrics['mae']).toBeCloseTo(sum / white.validation.count, 6);
    expect(metrics['mae']).toBe(metrics['frozen_mae']);
    expect(reports).toEqual([]);
    expect(metrics).not.toHaveProperty('test_mae');
    expect(metrics['queries']).toBe(2);
  });

  it('the zeroth-order offset asks the model for no gradient, only queries, and lowers the training loss', async () => {
    const box: BlackBoxModel = frozen;
    const queriesBefore = box.queries;
    const { result: fit, calls } = await gradientCalls(() =>
      fitInputOffset(box, white.train, whiteStd, {
        steps: 8,
        directions: 6,
        epsilon: 0.1,
        learningRate: 0.1,
        seed: 5,
      }),
    );
    expect(calls).toBe(0);
    expect(fit.queries).toBe(box.queries - queriesBefore);
    expect(fit.queries).toBe(1 + 6 + 7 * (1 + 6) + 1);
    expect(fit.queriedRows).toBe(fit.queries * white.train.count);
    expect(fit.loss).toBeLessThan(fit.startLoss);
    expect([...fit.offset].some((v) => v !== 0)).toBe(true);

    // The counter sees gradients when they are taken: the adapter's training takes them.
    const rows = (split: typeof white.train) => ({
      ...box.predict(split.x, split.count),
      y: split.y,
      count: split.count,
    });
    const { result: adapter, calls: adapterCalls } = await gradientCalls(() =>
      OutputAdapter.train(
        rows(white.train),
        rows(white.validation),
        box.featureSize,
        {
          alpha: 0.2,
          bottleneck: 4,
          adapterLearningRate: 1e-3,
          headLearningRate: 1e-2,
          epochs: 1,
          batchSize: 128,
          seed: 1,
        },
        () => Promise.resolve(false),
      ),
    );
    adapter.dispose();
    expect(adapterCalls).toBe(Math.ceil(white.train.count / 128));
  }, 60_000);

  it('trains the same adapter for the same seed, and a pruned trial stops at its epoch', async () => {
    const run = async (stopAt?: number) => {
      const reports: number[] = [];
      const metrics = await adaptWineModel(frozen, white, whiteStd, config({ epochs: 3 }), {
        ...trialStub().trial,
        report: (epoch, m) => {
          reports.push(m['mae']!);
          return Promise.resolve();
        },
        shouldStop: () => stopAt !== undefined && reports.length >= stopAt,
      });
      return { metrics, reports };
    };
    const a = await run();
    const b = await run();
    expect(b.reports).toEqual(a.reports);
    const pruned = await run(1);
    expect(pruned.reports).toEqual(a.reports.slice(0, 1));
  }, 60_000);

  it("reads its files from the trial's data directories, not only LGT_DATA_DIR (a worker's --data-dir)", async () => {
    const dirs = mkdtempSync(path.join(os.tmpdir(), 'lgt-wine-dirs-'));
    const workerDir = path.join(dirs, 'worker');
    const elsewhere = path.join(dirs, 'elsewhere');
    for (const d of [workerDir, elsewhere]) mkdirSync(d);
    for (const f of ['winequality-red.csv', 'winequality-white.csv'])
      copyFileSync(sharedDataset(f), path.join(workerDir, f));
    const saved = { ...process.env };
    // Nothing to find where the defaults look, and no download.
    process.env['LGT_DATA_DIR'] = elsewhere;
    process.env['XDG_CACHE_HOME'] = elsewhere;
    process.env['LGT_OFFLINE'] = '1';
    try {
      const { trial, reports } = trialStub();
      const metrics = (await wineAdapter.objective(config({ epochs: 1, inputOffset: false }), {
        ...trial,
        number: 1,
        dataDirs: [workerDir],
      })) as ObjectiveMetrics;
      expect(reports).toHaveLength(1);
      expect(metrics['mae']).toBeGreaterThan(0);
    } finally {
      process.env = saved;
    }
  }, 120_000);
});
