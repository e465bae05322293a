import { describe, expect, it } from 'vitest';
import { epochNoise } from '../../agents/dynamic-strategy.ts';
import { RuleBasedBranchJudge } from '../../agents/rule-based-branch-judge.ts';
import { RuleBasedInRunAdvisor } from '../../agents/rule-based-in-run-advisor.ts';
import type { TriedChange } from '../../agents/in-run-agent-types.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import { applyInRunChange, describeChange } from '../../src/strategies/in-run-params.ts';
import type { EpochRecord } from '../../src/trainer/trainer.ts';
import iris from '../../tasks/iris.ts';
import { curve } from '../helpers/epoch-curves.ts';

const flat = curve([
  [1.1, 1.1, 0.33],
  [1.1, 1.1, 0.33],
  [1.1, 1.1, 0.34],
]);
const overfitting = curve([
  [1.0, 1.0, 0.5],
  [0.6, 0.7, 0.7],
  [0.4, 0.6, 0.8],
  [0.25, 0.65, 0.8],
  [0.15, 0.75, 0.78],
  [0.08, 0.85, 0.77],
]);

describe('RuleBasedInRunAdvisor', () => {
  const advisor = new RuleBasedInRunAdvisor();
  const ask = (config: Config, c: EpochRecord[], tried: TriedChange[] = []) =>
    advisor.proposeChange({
      task: iris,
      config,
      curve: c,
      epoch: c.length,
      totalEpochs: 20,
      attempt: tried.length + 1,
      tried,
    });

  it('moves a stalled plain-SGD run to Adam first, and says it is rules', async () => {
    const answer = await ask(iris.baseline as Config, flat);
    expect(answer.meta.rules).toBe(true);
    expect(answer.output.change).toEqual({ optimizer: 'adam' });
    expect(answer.output.analysis).toMatch(/stalled/);
  });

  it('regularizes an overfitting run, and never proposes a change rejected before', async () => {
    const config = { ...(iris.baseline as Config), optimizer: 'adam' };
    const first = await ask(config, overfitting);
    expect(first.output.change).toEqual({ dropout: 0.2 });
    const second = await ask(config, overfitting, [
      { change: 'dropout 0→0.2', verdict: 'rejected', why: 'no better' },
    ]);
    expect(second.output.change).toEqual({ penalty: 'l2', penaltyWeight: 1e-4 });
  });

  it('proposes only what may change mid-run, within its range', async () => {
    const config = { ...(iris.baseline as Config), optimizer: 'adam', learningRate: 1 };
    const answer = await ask(config, flat);
    // learningRate is at its top: x3 is no change, so the next move is taken.
    expect(answer.output.change).toEqual({ learningRate: 0.3 });
    const { config: next, ignored } = applyInRunChange(iris.space, config, {
      units1: 64,
      learningRate: 0.1,
    });
    expect(ignored).toEqual(['units1']);
    expect(describeChange(config, next)).toBe('learningRate 1→0.1');
  });
});

describe('RuleBasedBranchJudge', () => {
  const judge = new RuleBasedBranchJudge();
  const branch = (trial: number, value: number) => ({ trial, config: {}, value, curve: [] });
  const verdict = (b: number, c: number, noise: number | null) =>
    judge.judge({
      task: iris,
      curve: [],
      change: branch(3, b),
      keep: branch(2, c),
      described: 'learningRate 0.01→0.03',
      reason: 'r',
      noise,
    });

  it('accepts a gain beyond the noise, rejects one within it or a loss, with the numbers', async () => {
    const better = await verdict(0.9, 0.8, 0.05);
    expect(better.output.accept).toBe(true);
    expect(better.output.reason).toMatch(
      /val accuracy 0\.9 vs 0\.8 without \(better by 0\.1, noise 0\.05\)/,
    );
    const within = await verdict(0.82, 0.8, 0.05);
    expect(within.output.accept).toBe(false);
    expect(within.output.reason).toMatch(/within the noise/);
    expect((await verdict(0.7, 0.8, null)).output.accept).toBe(false);
    // Before the noise is known, any gain is taken.
    expect((await verdict(0.81, 0.8, null)).output.accept).toBe(true);
  });
});

describe('epochNoise', () => {
  it('is the jitter around the trend, not the trend, and unknown before 5 epochs', () => {
    const metric = (values: number[]) => curve(values.map((v) => [1, 1, v]));
    expect(epochNoise(metric([0.1, 0.2, 0.3, 0.4]))).toBeNull();
    expect(epochNoise(metric([0.1, 0.2, 0.3, 0.4, 0.5]))).toBeCloseTo(0, 12);
    const jittery = epochNoise(metric([0.5, 0.52, 0.5, 0.52, 0.5, 0.52]))!;
    expect(jittery).toBeGreaterThan(0.02);
    // The big first moves of a run are left out: only the last 5 epochs count.
    expect(epochNoise(metric([0.1, 0.6, 0.8, 0.8, 0.8, 0.8, 0.8]))).toBe(0);
  });
});
