import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import californiaHousing from '../../tasks/california-housing.ts';
import fashionMnist from '../../tasks/fashion-mnist.ts';
import iris from '../../tasks/iris.ts';
import wineQuality from '../../tasks/wine-quality.ts';
import { selectBackend } from '../../src/trainer/backend.ts';
import { TfjsTrainer } from '../../src/trainer/tfjs-trainer.ts';
import type { TrialResult } from '../../src/trainer/trainer.ts';
import { FASHION_MNIST_DIR, loadOptions, requireFile, sharedDataset } from '../helpers/paths.ts';

const trainer = new TfjsTrainer();
let irisData: unknown;

beforeAll(async () => {
  sharedDataset('iris.csv');
  await selectBackend();
  irisData = await iris.load(loadOptions);
});

const sensibleIris = iris.space.parse({ learningRate: 0.01, epochs: 60 });

describe('TfjsTrainer on iris', () => {
  it('reaches validation accuracy of at least 0.9 with a sensible configuration, beating the baseline', async () => {
    const tuned = await trainer.train({
      task: iris,
      data: irisData,
      config: sensibleIris,
      seed: 1,
    });
    const baseline = await trainer.train({
      task: iris,
      data: irisData,
      config: iris.baseline,
      seed: 1,
    });
    expect(tuned.status).toBe('completed');
    expect(tuned.metric).toEqual({
      name: 'accuracy',
      direction: 'maximize',
      value: tuned.validation.accuracy,
    });
    expect(tuned.validation.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(baseline.validation.accuracy!).toBeLessThan(tuned.validation.accuracy!);
    expect(tuned.curve).toHaveLength(60);
    expect(tuned.curve[59]!.loss).toBeLessThan(tuned.curve[0]!.loss!);
    expect(tuned.test).toBeUndefined();
    expect(tuned.backend).toBe('wasm');
  });

  it('is reproducible for a seed and differs for another', async () => {
    const config = iris.space.parse({ epochs: 5, dropout: 0.3, batchNorm: true });
    const a = await trainer.train({ task: iris, data: irisData, config, seed: 7 });
    const b = await trainer.train({ task: iris, data: irisData, config, seed: 7 });
    const c = await trainer.train({ task: iris, data: irisData, config, seed: 8 });
    expect(b.curve.map((r) => r.loss)).toEqual(a.curve.map((r) => r.loss));
    // The model's scores repeat; the seconds it took (train_seconds, inference_ms_per_1k) are
    // measurements of this machine, not of the model.
    const scores = ({ train_seconds, inference_ms_per_1k, ...rest }: typeof a.validation) => {
      expect(train_seconds).toBeGreaterThan(0);
      expect(inference_ms_per_1k).toBeGreaterThan(0);
      return rest;
    };
    expect(scores(b.validation)).toEqual(scores(a.validation));
    expect(a.validation['params']).toBe(a.parameterCount);
    expect(c.curve.map((r) => r.loss)).not.toEqual(a.curve.map((r) => r.loss));
  });

  it('leaks no tensors, optimizer state included, whatever the optimizer', async () => {
    for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad']) {
      const before = tf.memory().numTensors;
      await trainer.train({
        task: iris,
        data: irisData,
        config: iris.space.parse({
          optimizer,
          epochs: 4,
          earlyStoppingPatience: 1,
          batchNorm: true,
          dropout: 0.2,
          penalty: 'l2',
        }),
        seed: 0,
        scoreTest: true,
      });
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('scores the test split only when asked', async () => {
    const result = await trainer.train({
      task: iris,
      data: irisData,
      config: sensibleIris,
      seed: 1,
      scoreTest: true,
    });
    expect(result.test?.accuracy).toBeGreaterThan(0.8);
  });

  it('stops early at a plateau and reports the best epoch', async () => {
    const result = await trainer.train({
      task: iris,
      data: irisData,
      config: iris.space.parse({ learningRate: 0.05, epochs: 300, earlyStoppingPatience: 3 }),
      seed: 1,
    });
    expect(result.earlyStopped).toBe(true);
    expect(result.curve.length).toBeLessThan(300);
    expect(result.reportedEpoch).toBe(result.curve.length - 3);
    const best = Math.min(...result.curve.map((r) => r.validationLoss!));
    expect(result.curve[result.reportedEpoch - 1]!.validationLoss).toBe(best);
    // The weights reported are those of the best epoch, not the last one.
    expect(result.validation.loss).toBeCloseTo(best, 5);
  });

  it('lets a hook stop a trial between epochs, and an abort signal cancel it', async () => {
    const seen: number[] = [];
    const stopped = await trainer.train({
      task: iris,
      data: irisData,
      config: sensibleIris,
      seed: 1,
      onEpoch: (record) => {
        seen.push(record.epoch);
        return record.epoch === 3 ? 'stop' : 'continue';
      },
    });
    expect(stopped.status).toBe('stopped');
    expect(seen).toEqual([1, 2, 3]);
    const controller = new AbortController();
    const aborted = await trainer.train({
      task: iris,
      data: irisData,
      config: sensibleIris,
      seed: 1,
      signal: controller.signal,
      onEpoch: (record) => {
        if (record.epoch === 2) controller.abort();
      },
    });
    expect(aborted.status).toBe('aborted');
    expect(aborted.curve).toHaveLength(2);
  });

  it("cuts a configuration's epochs to the step budget, measured in the default configuration's steps", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const rows = iris.prepare(irisData as any, iris.space.defaults()).train.count;
    const defaults = iris.space.defaults();
    const defaultSteps =
      (defaults.epochs as number) * Math.ceil(rows / (defaults.batchSize as number));
    // A corner: the smallest batch for many epochs. With half the default's steps allowed:
    const corner = iris.space.parse({ batchSize: 4, epochs: 400, learningRate: 0.01 });
    const allowed = Math.floor(Math.ceil(0.5 * defaultSteps) / Math.ceil(rows / 4));
    const planned: number[] = [];
    const cut = await trainer.train({
      task: iris,
      data: irisData,
      config: corner,
      seed: 1,
      stepBudget: 0.5,
      onEpoch: (_record, p) => {
        planned.push(p);
      },
    });
    expect(allowed).toBeGreaterThan(1);
    expect(cut.epochCap).toEqual({
      requested: 400,
      allowed,
      maxSteps: Math.ceil(0.5 * defaultSteps),
    });
    expect(cut.plannedEpochs).toBe(allowed);
    expect(cut.curve).toHaveLength(allowed);
    expect(new Set(planned)).toEqual(new Set([allowed]));
    // The default configuration fits a budget of its own steps exactly; 0 turns the cap off.
    const byDefault = await trainer.train({
      task: iris,
      data: irisData,
      config: defaults,
      seed: 1,
      stepBudget: 1,
    });
    expect(byDefault.epochCap).toBeUndefined();
    const uncapped = await trainer.train({
      task: iris,
      data: irisData,
      config: { ...corner, epochs: allowed + 2 },
      seed: 1,
      stepBudget: 0,
    });
    expect(uncapped.epochCap).toBeUndefined();
    expect(uncapped.curve).toHaveLength(allowed + 2);
  });
});

describe('TfjsTrainer on regression tasks', () => {
  it('reports MAE, RMSE and R2 of wine quality in quality points', async () => {
    sharedDataset('winequality-red.csv');
    const data = await wineQuality.load(loadOptions);
    const result: TrialResult = await trainer.train({
      task: wineQuality,
      data,
      config: wineQuality.space.parse({ epochs: 30, targetTransform: 'log' }),
      seed: 0,
    });
    expect(result.validation.mae).toBeGreaterThan(0.3);
    expect(result.validation.mae).toBeLessThan(0.6);
    expect(result.validation.rmse).toBeGreaterThan(result.validation.mae!);
    expect(result.validation.r2).toBeGreaterThan(0.2);
  });

  it('reports house values in dollars, and a diverging run as diverged', async () => {
    sharedDataset('california-housing.csv');
    const data = await californiaHousing.load({ ...loadOptions, maxTrainRows: 4000 });
    const good = await trainer.train({
      task: californiaHousing,
      data,
      config: californiaHousing.space.parse({ epochs: 10 }),
      seed: 0,
    });
    expect(good.validation.mae).toBeGreaterThan(20_000);
    expect(good.validation.mae).toBeLessThan(80_000);
    // A linear model on raw counts (thousands) against raw dollars: SGD blows up at once.
    const diverging = californiaHousing.space.parse({
      hiddenLayers: 0,
      scaling: 'none',
      targetTransform: 'none',
      optimizer: 'sgd',
      learningRate: 0.01,
      epochs: 3,
    });
    const bad = await trainer.train({ task: californiaHousing, data, config: diverging, seed: 0 });
    expect(bad.status).toBe('diverged');
    expect(bad.metric.value).toBeNull();
  });
});

describe('TfjsTrainer on images', () => {
  it('trains a small CNN on Fashion-MNIST with the wasm backend and the loss goes down', async () => {
    requireFile(
      `${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`,
      'apt-get install dataset-fashion-mnist',
    );
    const data = await fashionMnist.load({
      splitSeed: 0,
      maxTrainRows: 2000,
      dataDirs: ['/nonexistent'],
    });
    const result = await trainer.train({
      task: fashionMnist,
      data,
      config: fashionMnist.space.parse({
        convBlocks: 2,
        filters: 8,
        denseUnits: 32,
        epochs: 2,
        flip: true,
        shift: 2,
      }),
      seed: 0,
    });
    expect(result.backend).toBe('wasm');
    expect(result.curve[1]!.loss).toBeLessThan(result.curve[0]!.loss!);
    expect(result.validation.accuracy).toBeGreaterThan(0.6);
  });
});
