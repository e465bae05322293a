import { describe, expect, it } from 'vitest';
import { epochHooks, type EpochHook } from '../../src/trials/epoch-hooks.ts';

const record = {
  epoch: 2,
  loss: 1,
  validationLoss: 1,
  validationMetric: 0.5,
  learningRate: 0.01,
  seconds: 0.1,
  samplesPerSecond: 10,
};

describe('epoch hooks', () => {
  it('run in order; the first that says stop ends the trial and the rest are not asked', async () => {
    const seen: string[] = [];
    const hook =
      (name: string, answer?: 'stop' | 'continue'): EpochHook =>
      async (r, planned) => {
        seen.push(`${name}@${r.epoch}/${planned}`);
        return answer;
      };
    expect(await epochHooks(hook('a'), hook('b', 'continue'), hook('c'))(record, 5)).toBe(
      'continue',
    );
    expect(seen).toEqual(['a@2/5', 'b@2/5', 'c@2/5']);
    seen.length = 0;
    expect(await epochHooks(hook('a'), hook('b', 'stop'), hook('c'))(record, 5)).toBe('stop');
    expect(seen).toEqual(['a@2/5', 'b@2/5']);
  });
});
