import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import { typicalTimeLimits } from '../../src/trials/trial-time-limits.ts';

function completed(seconds: number, epochsRun: number, folds?: number): TrialRecord {
  return {
    number: 1,
    config: {},
    state: 'completed',
    attempts: 1,
    source: 'random',
    reason: '',
    proposedAt: 0,
    seconds,
    epochsRun,
    ...(folds ? { foldValues: Array.from({ length: folds }, () => 0.5) } : {}),
  } as TrialRecord;
}

describe('the automatic trial timeout', () => {
  it('sets none before three trials have completed', () => {
    expect(typicalTimeLimits([completed(10, 60), completed(11, 60)])).toBeNull();
    expect(
      typicalTimeLimits([
        completed(10, 60),
        completed(11, 60),
        { ...completed(12, 60), state: 'failed' },
      ]),
    ).toBeNull();
  });

  it('lets a trial whose epochs keep coming on a slowed machine run to its end (the epoch-57-of-60 case)', () => {
    // Trials of 60 epochs in about 11 s; a loaded machine makes one take 6 s an epoch.
    const limits = typicalTimeLimits([completed(10, 60), completed(11, 60), completed(17, 60)])!;
    // The old rule, 20 times the median trial, ended it at 220 s, before its 60 epochs (360 s).
    expect(limits.trial).toBe(220);
    expect(57 * 6).toBeGreaterThan(limits.trial);
    // Now the first epoch may take 220 s, and each next one 2 minutes: 6 s epochs never stop it.
    expect(limits.epoch).toBe(120);
    expect(6).toBeLessThan(limits.epoch!);
  });

  it('stops an epoch twenty times slower than the median one, at least 2 minutes', () => {
    const slow = typicalTimeLimits([completed(600, 60), completed(660, 60), completed(700, 60)])!;
    expect(slow.trial).toBe(13_200);
    expect(slow.epoch).toBe(220);
  });

  it("counts a cross-validated trial's epochs in every fold", () => {
    // 5 folds of 10 epochs in 100 s: 2 s an epoch, not 10.
    const cv = typicalTimeLimits([
      completed(100, 10, 5),
      completed(100, 10, 5),
      completed(100, 10, 5),
    ])!;
    expect(cv.epoch).toBe(120);
    const slowCv = typicalTimeLimits([
      completed(1000, 10, 5),
      completed(1000, 10, 5),
      completed(1000, 10, 5),
    ])!;
    expect(slowCv.epoch).toBe(400);
  });

  it('has no epoch limit where trials report no epochs (objectives): the whole-trial limit only', () => {
    const limits = typicalTimeLimits([completed(30, 0), completed(30, 0), completed(30, 0)])!;
    expect(limits).toEqual({ trial: 600, epoch: null });
  });
});
