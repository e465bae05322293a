import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import { decodeKept, planEnsemble } from '../../src/campaign/campaign-ensemble.ts';
import { encodePredictions, type TrialPredictions } from '../../src/trainer/trial-predictions.ts';

/**
 * Which ensemble a campaign ships, on hand-made trials and predictions whose answer is known: two
 * configurations whose errors cancel, and a default that is off by one everywhere.
 */
const mae = { name: 'mae', direction: 'minimize' } as const;
const FOLDS = 5;
const ROWS = 20;
const targets = Array.from({ length: ROWS }, (_, i) => i);
const wobble = (phase: number) => targets.map((_, i) => ((i + phase) % 2 === 0 ? 0.5 : -0.5));

function predictions(outputs: number[]): TrialPredictions {
  return {
    width: 1,
    foldSizes: Array.from({ length: FOLDS }, () => ROWS / FOLDS),
    outputs: Float32Array.from(outputs),
    targets: Float32Array.from(targets),
  };
}

function trial(number: number, config: string, source: string, value: number, extra = {}) {
  return {
    number,
    state: 'completed',
    config: { name: config },
    source,
    value,
    foldValues: Array.from({ length: FOLDS }, () => value),
    attempts: 1,
    reason: '',
    proposedAt: 0,
    ...extra,
  } as unknown as TrialRecord;
}

/**
 * The plan for these trials: 10 rounds, the pick #2; with folds a campaign of 20 trials (which
 * re-evaluates its best), without them one of 3.
 */
function planOn(
  trials: TrialRecord[],
  predictions: ReadonlyMap<number, TrialPredictions>,
  cv: number,
) {
  return planEnsemble({
    trials,
    predictions,
    kind: 'regression',
    metric: mae,
    rounds: 10,
    request: { cv, maxTrials: cv > 1 ? 20 : 3 },
    pick: 2,
  });
}

describe('the ensemble a campaign ships', () => {
  it('re-evaluated campaigns: weights from the search folds, judged on the fresh folds against the default and the pick', () => {
    const fresh = { foldSeed: 1 };
    const trials = [
      trial(1, 'default', 'default', 1),
      trial(2, 'over', 'random', 0.5),
      trial(3, 'under', 'random', 0.5),
      trial(4, 'default', 'confirm', 1, fresh),
      trial(5, 'over', 'confirm', 0.5, fresh),
      trial(6, 'under', 'confirm', 0.5, fresh),
    ];
    const byTrial = new Map<number, TrialPredictions>([
      [1, predictions(targets.map((t) => t + 1))],
      [2, predictions(targets.map((t, i) => t + wobble(0)[i]!))],
      [3, predictions(targets.map((t, i) => t - wobble(0)[i]!))],
      [4, predictions(targets.map((t) => t + 1))],
      // On the fresh folds the two err the other way round: still opposite, still cancelling.
      [5, predictions(targets.map((t, i) => t + wobble(1)[i]!))],
      [6, predictions(targets.map((t, i) => t - wobble(1)[i]!))],
    ]);
    const plan = planOn(trials, byTrial, FOLDS)!;
    expect(plan.members.map((m) => [m.trial, m.weight])).toEqual([
      [2, 0.5],
      [3, 0.5],
    ]);
    expect(plan.selected.value).toBeCloseTo(0, 6);
    expect(plan.fresh!.value).toBeCloseTo(0, 6);
    expect(plan.fresh!.defaultValue).toBeCloseTo(1, 6);
    expect(plan.fresh!.pickValue).toBeCloseTo(0.5, 6);
    expect(plan.ships).toBe(true);
    expect(plan.fresh!.lowerBound).toBeGreaterThan(0);
    expect(plan.verdict).toContain('it beat the default on folds the search did not select on');

    // If on the fresh folds the two err the same way, the average is no better than the pick:
    // the single pick ships, whatever the search folds said.
    const same = new Map(byTrial);
    same.set(6, predictions(targets.map((t, i) => t + wobble(1)[i]!)));
    const kept = planOn(trials, same, FOLDS)!;
    expect(kept.ships).toBe(false);
    expect(kept.verdict).toContain('the single pick ships');
  });

  it('without a re-evaluation: chosen and judged on the same predictions, shipped when better than the best trial alone, never claimed', () => {
    const trials = [
      trial(1, 'default', 'default', 1),
      trial(2, 'over', 'random', 0.5),
      trial(3, 'under', 'random', 0.5),
    ];
    const byTrial = new Map<number, TrialPredictions>([
      [1, predictions(targets.map((t) => t + 1))],
      [2, predictions(targets.map((t, i) => t + wobble(0)[i]!))],
      [3, predictions(targets.map((t, i) => t - wobble(0)[i]!))],
    ]);
    const plan = planOn(trials, byTrial, 1)!;
    expect(plan.ships).toBe(true);
    expect(plan.fresh).toBeUndefined();
    expect(plan.selected).toEqual({ value: 0, bestSingle: { trial: 2, value: 0.5 } });
    expect(plan.verdict).toContain('not confirmed');
    expect(plan.verdict).not.toContain('beat');
    // One trial with predictions: nothing to choose from.
    expect(planOn(trials, new Map([[2, byTrial.get(2)!]]), 1)).toBeNull();
  });

  it('leaves out, and names, bytes in Redis that are not predictions', () => {
    const why: string[] = [];
    const good = encodePredictions(predictions(targets));
    const decoded = decodeKept(
      'c-1',
      new Map([
        [2, good],
        [3, Buffer.from('{"not":"predictions"}')],
      ]),
      (w) => why.push(w),
    );
    expect([...decoded.keys()]).toEqual([2]);
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(
      /^the predictions of trial 3 of campaign c-1 are not lgt predictions: .*trial 3 is left out of the ensemble$/,
    );
  });
});
