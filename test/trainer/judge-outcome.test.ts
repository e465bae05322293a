import { describe, expect, it } from 'vitest';
import { judgeOutcome } from '../../src/trainer/tfjs-trainer.ts';

describe('judgeOutcome: what a trial records of a run', () => {
  it('a completed run whose validation metric is not finite diverged, with no value', () => {
    // A log-transformed target undone into overflow: MAE Infinity with a finite training loss.
    expect(judgeOutcome('completed', Infinity)).toEqual({ status: 'diverged', value: null });
    expect(judgeOutcome('completed', -Infinity)).toEqual({ status: 'diverged', value: null });
    expect(judgeOutcome('completed', NaN)).toEqual({ status: 'diverged', value: null });
  });

  it('keeps a finite value, and the status of runs that did not complete', () => {
    expect(judgeOutcome('completed', 0.47)).toEqual({ status: 'completed', value: 0.47 });
    expect(judgeOutcome('stopped', 0.5)).toEqual({ status: 'stopped', value: 0.5 });
    expect(judgeOutcome('stopped', Infinity)).toEqual({ status: 'stopped', value: null });
    expect(judgeOutcome('diverged', 0.5)).toEqual({ status: 'diverged', value: null });
    expect(judgeOutcome('aborted', undefined)).toEqual({ status: 'aborted', value: null });
  });
});
