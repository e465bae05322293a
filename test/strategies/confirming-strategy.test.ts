import { describe, expect, it } from 'vitest';
import { compareWithDefault } from '../../src/campaign/default-comparison.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import {
  CONFIRM_SOURCE,
  ConfirmingStrategy,
  confirmationBudget,
} from '../../src/strategies/confirming-strategy.ts';
import { DEFAULT_SOURCE } from '../../src/strategies/default-first-strategy.ts';
import type { Proposal, Strategy } from '../../src/strategies/strategy.ts';
import {
  correctedResampledTTest,
  studentTCdf,
  studentTQuantile,
} from '../../src/stats/corrected-t-test.ts';

const metric = { name: 'accuracy', direction: 'maximize' as const };
const FOLDS = 5;

/** A search strategy that proposes x = 1, 2, 3, ... (as many as asked). */
class Counting implements Strategy {
  readonly name = 'counting';
  propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    return Promise.resolve(
      Array.from({ length: count }, (_, i) => ({
        config: { x: history.length + i + 1 },
        reason: 'next',
      })),
    );
  }
}

function trial(
  number: number,
  config: Config,
  value: number,
  foldValues: number[],
  extra: Partial<TrialRecord> = {},
): TrialRecord {
  return {
    number,
    config,
    state: 'completed',
    value,
    foldValues,
    reason: '',
    source: 'counting',
    proposedAt: 0,
    attempts: 1,
    ...extra,
  };
}

/** A finished search of 8: the default (x 0) at 0.90, x 7 the best at 0.97, x 6 next. */
function search(): TrialRecord[] {
  const values = [0.9, 0.91, 0.9, 0.92, 0.9, 0.93, 0.96, 0.97];
  return values.map((v, i) =>
    trial(i + 1, { x: i }, v, Array(FOLDS).fill(v), i === 0 ? { source: DEFAULT_SOURCE } : {}),
  );
}

const strategy = () =>
  new ConfirmingStrategy(new Counting(), {
    maxTrials: 10,
    reserve: 2,
    direction: 'maximize',
    folds: FOLDS,
    foldSeed: 1,
  });

describe('ConfirmingStrategy: the best re-evaluated on fresh folds before the pick', () => {
  it('keeps a fifth of the budget (at most 4) for the re-evaluation, none under 10 trials', () => {
    expect([5, 9, 10, 14, 15, 20, 100].map(confirmationBudget)).toEqual([0, 0, 2, 2, 3, 4, 4]);
  });

  it('searches within the budget less the reserve, waits for the search, then re-evaluates the default and the best on fresh folds', async () => {
    const s = strategy();
    // Room for 8 search trials of 10: asked for 4 at 6 done, it proposes 2.
    expect(await s.propose(search().slice(0, 6), 4)).toHaveLength(2);
    // The search is done but a trial still runs: nothing yet.
    const running = search();
    running[7] = { ...running[7]!, state: 'running', value: undefined };
    expect(await s.propose(running, 2)).toEqual([]);
    // Done: the default, then the best (x 7), with the fresh fold seed; one at a time as asked.
    const first = await s.propose(search(), 1);
    expect(first.map((p) => [p.config, p.source, p.foldSeed])).toEqual([
      [{ x: 0 }, CONFIRM_SOURCE, 1],
    ]);
    const history = [...search(), trial(9, { x: 0 }, 0.9, [], { source: CONFIRM_SOURCE })];
    const second = await s.propose(history, 2);
    expect(second.map((p) => p.config)).toEqual([{ x: 7 }]);
    // All proposed: nothing more, and the campaign's budget is exactly the trials it asked for.
    expect(
      await s.propose([...history, trial(10, { x: 7 }, 0.97, [], { source: CONFIRM_SOURCE })], 2),
    ).toEqual([]);
  });

  it('picks the re-evaluated configuration when its advantage holds on the fresh folds', async () => {
    const control = [0.9, 0.88, 0.91, 0.9, 0.89];
    const better = control.map((v, j) => v + 0.05 + 0.002 * j);
    const history = [
      ...search(),
      trial(9, { x: 0 }, 0.896, control, { source: CONFIRM_SOURCE, foldSeed: 1 }),
      trial(10, { x: 7 }, 0.95, better, { source: CONFIRM_SOURCE, foldSeed: 1 }),
    ];
    expect(await strategy().resultTrial(history)).toBe(8);
    const verdict = compareWithDefault(history, metric, {
      cv: FOLDS,
      maxTrials: 10,
      mode: 'search',
    })!;
    expect(verdict.evidence).toBe('fresh-folds');
    expect(verdict.bestTrial).toBe(8);
    expect(verdict.gain).toBeCloseTo(0.054, 10);
    expect(verdict.lowerBound!).toBeGreaterThan(0);
    expect(verdict.pValue!).toBeLessThan(0.05);
    expect(verdict.verdict).toMatch(
      /^#8 beat the default by 0\.054 accuracy on 5 fresh folds \(95% lower bound .*, p = .*, corrected resampled t-test\), on folds the search did not select on; the re-evaluation trained 2 of the campaign's 10 trials$/,
    );
  });

  it('corrects for the candidates compared: a lead that holds at 95% alone does not hold as the best of three', async () => {
    const control = [0.9, 0.88, 0.91, 0.9, 0.89];
    // p = 0.024 against the default: beyond a 95% bound alone, not beyond 98.3% (95% over three).
    const lead = [0.03, 0.01, 0.05, 0.02, 0.04];
    const none = [0, 0, 0, 0, 0];
    const rerun = (n: number, x: number, diffs: number[]) =>
      trial(
        n,
        { x },
        0,
        control.map((v, j) => v + diffs[j]!),
        { source: CONFIRM_SOURCE, foldSeed: 1 },
      );
    const confirmations = [
      trial(9, { x: 0 }, 0.896, control, { source: CONFIRM_SOURCE, foldSeed: 1 }),
      rerun(10, 7, lead),
      rerun(11, 6, none),
      rerun(12, 5, none),
    ];
    const history = [...search(), ...confirmations];
    const three = new ConfirmingStrategy(new Counting(), {
      maxTrials: 12,
      reserve: 4,
      direction: 'maximize',
      folds: FOLDS,
      foldSeed: 1,
    });
    expect(await three.resultTrial(history)).toBe(1);
    const verdict = compareWithDefault(history, metric, {
      cv: FOLDS,
      maxTrials: 20,
      mode: 'search',
    })!;
    expect(verdict.pValue!).toBeCloseTo(0.0237, 4);
    expect(verdict.lowerBound!).toBeLessThan(0);
    expect(verdict.verdict).toContain('no configuration beat the default on fresh folds');
    expect(verdict.verdict).toContain(
      '98.33% lower bound -0.003796, p = 0.02371, corrected resampled t-test; 3 configurations compared with the default, so 95% corrected for them (Bonferroni)',
    );
    // The same lead as the only candidate holds.
    const alone = [...search(), confirmations[0]!, confirmations[1]!];
    expect(await strategy().resultTrial(alone)).toBe(8);
  });

  it('ships the default when the best of the search was luck (no better on fresh folds)', async () => {
    const control = [0.9, 0.88, 0.91, 0.9, 0.89];
    const lucky = [0.91, 0.87, 0.9, 0.92, 0.88];
    const history = [
      ...search(),
      trial(9, { x: 0 }, 0.896, control, { source: CONFIRM_SOURCE, foldSeed: 1 }),
      trial(10, { x: 7 }, 0.896, lucky, { source: CONFIRM_SOURCE, foldSeed: 1 }),
    ];
    expect(await strategy().resultTrial(history)).toBe(1);
    const verdict = compareWithDefault(history, metric, {
      cv: FOLDS,
      maxTrials: 10,
      mode: 'search',
    })!;
    expect(verdict.evidence).toBe('fresh-folds');
    expect(verdict.lowerBound!).toBeLessThanOrEqual(0);
    expect(verdict.verdict).toContain('no configuration beat the default on fresh folds');
    expect(verdict.verdict).toContain('so the single pick is the default (#1)');
  });

  it('without a re-evaluation, never calls a gain on the selecting folds a win', () => {
    const verdict = compareWithDefault(search(), metric, {
      cv: FOLDS,
      maxTrials: 8,
      mode: 'search',
    })!;
    expect(verdict.evidence).toBe('selection');
    expect(verdict.verdict).not.toContain('beat the default by');
    expect(verdict.verdict).toContain('not confirmed on fresh folds');
  });
});

describe('the corrected resampled t-test (Nadeau and Bengio 2003)', () => {
  it("matches Student's t where known", () => {
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 12);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTQuantile(0.95, 4)).toBeCloseTo(2.131847, 5);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(studentTQuantile(0.95, 1)).toBeCloseTo(6.313752, 5);
  });

  it('widens the paired variance by the test/train ratio', () => {
    const d = [0.01, 0.02, 0, 0.03, 0.01];
    const t = correctedResampledTTest(d, 1 / 4);
    const variance = d.reduce((s, x) => s + (x - 0.014) ** 2, 0) / 4;
    expect(t.mean).toBeCloseTo(0.014, 12);
    expect(t.se).toBeCloseTo(Math.sqrt((1 / 5 + 1 / 4) * variance), 12);
    expect(t.p).toBeCloseTo(1 - studentTCdf(0.014 / t.se, 4), 12);
    expect(t.lower).toBeCloseTo(0.014 - studentTQuantile(0.95, 4) * t.se, 12);
    // The plain paired test (no correction) would call it significant; the corrected one does not.
    expect(correctedResampledTTest(d, 0).p).toBeLessThan(0.05);
    expect(t.p).toBeGreaterThan(0.05);
  });
});
