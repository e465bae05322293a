import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileArtifactStore } from '../../src/files/artifact-store.ts';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
} from '../../src/trainer/checkpoint.ts';
import { selectBackend } from '../../src/trainer/backend.ts';
import { TfjsTrainer } from '../../src/trainer/tfjs-trainer.ts';
import iris from '../../tasks/iris.ts';
import { loadOptions, sharedDataset } from '../helpers/paths.ts';

/**
 * Exact checkpoints: a run restored from one and trained on is the run that never stopped
 * (weights, optimizer slots and step, row order, dropout masks), on real iris data.
 */
const trainer = new TfjsTrainer();
let data: unknown;
const store = new FileArtifactStore(mkdtempSync(path.join(os.tmpdir(), 'lgt-artifacts-')));
// Adam (slots and a step), dropout (its own generator), small batches (shuffling matters).
const config = iris.space.parse({
  optimizer: 'adam',
  learningRate: 0.01,
  epochs: 6,
  batchSize: 8,
  hiddenLayers: 2,
  dropout: 0.3,
  earlyStoppingPatience: 0,
});

beforeAll(async () => {
  sharedDataset('iris.csv');
  await selectBackend();
  data = await iris.load(loadOptions);
});

/** Trains `config` and keeps the checkpoints taken after `epochs`; stops after `stopAfter`. */
async function train(options: {
  epochs: number[];
  stopAfter?: number;
  resumeFrom?: TrainingCheckpoint;
  config?: typeof config;
}): Promise<Map<number, TrainingCheckpoint>> {
  const taken = new Map<number, TrainingCheckpoint>();
  await trainer.train({
    task: iris,
    data,
    config: options.config ?? config,
    seed: 5,
    checkpointEpochs: options.epochs,
    onCheckpoint: async (c) => {
      taken.set(c.epoch, c);
    },
    onEpoch: (r) => (r.epoch === options.stopAfter ? 'stop' : 'continue'),
    ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
  });
  return taken;
}

const values = (c: TrainingCheckpoint) => c.weights.map((w) => Array.from(w.values));
const step = (c: TrainingCheckpoint) =>
  c.optimizer.slots.find((s) => s.name === 'iter')?.values[0] ?? 0;

describe('exact checkpoints', () => {
  it('restore-and-train equals train: equal weights, slots, rows and curve after the same epochs', async () => {
    const straight = (await train({ epochs: [3, 6] })).get(6)!;
    const halfway = (await train({ epochs: [3], stopAfter: 3 })).get(3)!;
    // Through the artifact store and back, as a branch on another worker would read it.
    await store.put('trial-1/epoch-3.ckpt', encodeCheckpoint(halfway));
    const restored = decodeCheckpoint(await store.get('trial-1/epoch-3.ckpt'));
    const resumed = (await train({ epochs: [6], resumeFrom: restored })).get(6)!;
    expect(values(resumed)).toEqual(values(straight));
    expect(resumed.optimizer.slots.map((s) => Array.from(s.values))).toEqual(
      straight.optimizer.slots.map((s) => Array.from(s.values)),
    );
    expect(Array.from(resumed.rows)).toEqual(Array.from(straight.rows));
    expect(resumed.generators).toEqual(straight.generators);
    const metrics = (c: TrainingCheckpoint) => c.curve.map((r) => [r.loss, r.validationLoss]);
    expect(metrics(resumed)).toEqual(metrics(straight));
    // It can fail: a run from a different seed's checkpoint ends elsewhere.
    expect(values(resumed)).not.toEqual(values(halfway));
  }, 120_000);

  it('keeps the optimizer slots and step through a learning-rate change, and starts them afresh for a new optimizer', async () => {
    const halfway = (await train({ epochs: [3], stopAfter: 3 })).get(3)!;
    const stepsPerEpoch = step(halfway) / 3;
    expect(stepsPerEpoch).toBeGreaterThan(1);
    const lower = iris.space.parse({ ...config, learningRate: 0.001 });
    const sameOptimizer = (await train({ epochs: [4], resumeFrom: halfway, config: lower })).get(
      4,
    )!;
    expect(step(sameOptimizer)).toBe(4 * stepsPerEpoch);
    const rmsprop = iris.space.parse({ ...config, optimizer: 'rmsprop' });
    const newOptimizer = (await train({ epochs: [4], resumeFrom: halfway, config: rmsprop })).get(
      4,
    )!;
    expect(newOptimizer.optimizer.name).toBe('rmsprop');
    expect(step(newOptimizer)).toBe(stepsPerEpoch);
  }, 120_000);

  it('refuses a checkpoint of another architecture, and artifact keys that leave the store', async () => {
    const halfway = (await train({ epochs: [1], stopAfter: 1 })).get(1)!;
    const wider = iris.space.parse({ ...config, hiddenLayers: 1 });
    await expect(train({ epochs: [], resumeFrom: halfway, config: wider })).rejects.toThrow(
      /does not fit this run/,
    );
    for (const key of ['../x', '/etc/passwd', 'a/../../b', 'a//b', '.', 'a/./b'])
      await expect(store.put(key, Buffer.from('x')), key).rejects.toThrow(/not a relative name/);
    await expect(store.get('nothing/here')).rejects.toThrow(/no artifact nothing\/here/);
  }, 120_000);
});
