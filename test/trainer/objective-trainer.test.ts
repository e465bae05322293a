import { describe, expect, it } from 'vitest';
import { float } from '../../src/search-space/param.ts';
import { defineObjective, type ObjectiveTrial } from '../../src/task-kinds/objective.ts';
import { TaskTrainer } from '../../src/trainer/task-trainer.ts';
import type { EpochRecord } from '../../src/trainer/trainer.ts';

const space = { x: float(0, 1, { default: 0.5, area: 'training', description: 'x' }) };
const trainer = new TaskTrainer();

function objective(
  run: (config: Record<string, unknown>, trial: ObjectiveTrial) => Promise<unknown>,
) {
  return defineObjective({
    name: 'test-objective',
    description: 'a test objective',
    metric: { name: 'val_loss', direction: 'minimize' },
    space,
    objective: run as never,
  });
}

describe('objective trainer', () => {
  it('turns reports into the curve the hooks see, and the last report into the result', async () => {
    const seen: [number, number][] = [];
    const task = objective(async (config, trial) => {
      for (let epoch = 1; epoch <= 4; epoch++)
        await trial.report(epoch, { loss: 1 / epoch, val_loss: (config['x'] as number) / epoch });
    });
    const result = await trainer.train({
      task,
      data: undefined,
      config: { x: 0.8 },
      seed: 3,
      onEpoch: (record: EpochRecord, planned: number) => {
        seen.push([record.epoch, planned]);
      },
    });
    expect(result.status).toBe('completed');
    expect(result.metric.value).toBeCloseTo(0.2, 10);
    expect(result.curve.map((r) => r.validationMetric)).toEqual([0.8, 0.4, 0.8 / 3, 0.2]);
    expect(result.curve.map((r) => r.loss)).toEqual([1, 0.5, 1 / 3, 0.25]);
    // No epochs in the configuration: none planned (0), so a pruner has no last epoch.
    expect(seen).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
    ]);
  });

  it('stops an objective when a hook says stop (pruning): shouldStop turns true, the result is "stopped"', async () => {
    let epochsRun = 0;
    const task = objective(async (_config, trial) => {
      for (let epoch = 1; epoch <= 100; epoch++) {
        epochsRun = epoch;
        await trial.report(epoch, { val_loss: 1 });
        if (trial.shouldStop()) return;
      }
    });
    const result = await trainer.train({
      task,
      data: undefined,
      config: { x: 0.5 },
      seed: 0,
      onEpoch: (record) => (record.epoch === 3 ? 'stop' : 'continue'),
    });
    expect(result.status).toBe('stopped');
    expect(epochsRun).toBe(3);
    expect(result.curve).toHaveLength(3);
  });

  it('aborts with the signal, and an objective that throws after the abort is "aborted", not failed', async () => {
    const abort = new AbortController();
    const task = objective(async (_config, trial) => {
      await trial.report(1, { val_loss: 1 });
      abort.abort();
      if (trial.signal.aborted) throw new Error('interrupted');
    });
    const result = await trainer.train({
      task,
      data: undefined,
      config: {},
      seed: 0,
      signal: abort.signal,
    });
    expect(result.status).toBe('aborted');
  });

  it('takes a number or metrics as the result, and gives a one-point curve to an objective that reported none', async () => {
    const asNumber = await trainer.train({
      task: objective(async (config) => (config['x'] as number) * 2),
      data: undefined,
      config: { x: 0.25 },
      seed: 0,
    });
    expect(asNumber.metric.value).toBe(0.5);
    expect(asNumber.curve).toHaveLength(1);
    expect(asNumber.curve[0]).toMatchObject({ epoch: 1, validationMetric: 0.5, metricOnly: true });
    const final = await trainer.train({
      task: objective(async (_c, trial) => ({ val_loss: 0.3, test_loss: trial.final ? 0.4 : 9 })),
      data: undefined,
      config: {},
      seed: 0,
      scoreTest: true,
    });
    expect(final.validation['val_loss']).toBe(0.3);
    // The test score goes to the final report only, never into the validation metrics.
    expect(final.validation['test_loss']).toBeUndefined();
    expect(final.test?.['val_loss']).toBe(0.4);
  });

  it('fails with a message that says what to return when the metric is missing or not a number', async () => {
    const run = (fn: () => Promise<unknown>) =>
      trainer.train({ task: objective(fn), data: undefined, config: {}, seed: 0 });
    await expect(run(async () => undefined)).rejects.toThrow(
      /returned nothing and reported no epoch: return val_loss or call trial.report/,
    );
    await expect(run(async () => ({ accuracy: 0.9 }))).rejects.toThrow(
      /without a finite val_loss \(it has accuracy\)/,
    );
    await expect(run(async () => NaN)).rejects.toThrow(/returned NaN, not a finite val_loss/);
    await expect(run(async () => 'good')).rejects.toThrow(/return a number, \{ val_loss: number/);
    await expect(
      run(async function (this: unknown) {
        throw new Error('my training code broke');
      }),
    ).rejects.toThrow(/my training code broke/);
  });

  it('refuses reports whose epochs do not increase', async () => {
    const task = objective(async (_c, trial) => {
      await trial.report(2, { val_loss: 1 });
      await trial.report(2, { val_loss: 1 });
    });
    await expect(trainer.train({ task, data: undefined, config: {}, seed: 0 })).rejects.toThrow(
      /each above the last \(the last was 2\)/,
    );
  });
});

describe('defineObjective', () => {
  it('names what is missing from a definition', () => {
    expect(() =>
      defineObjective({
        name: '',
        description: 'x',
        metric: { name: 'val loss', direction: 'down' as never },
        space,
        objective: undefined as never,
      }),
    ).toThrow(
      /name must be a non-empty string; metric.name must be a name such as "val_loss".*; metric.direction must be "maximize" or "minimize"; objective must be an async function/,
    );
  });
});
