import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import {
  completeResults,
  constrainedFronts,
  goodFirstOrder,
  ObjectiveSet,
  survivalOrder,
} from '../../src/trade-offs/objective-set.ts';
import { pickTrial } from '../../src/trade-offs/pick.ts';
import { frontOf, tradeOffReport } from '../../src/trade-offs/trade-off-report.ts';

/** accuracy (max, the campaign's metric: the trial's value) against params (min). */
const set = new ObjectiveSet(
  'accuracy',
  [
    { metric: 'accuracy', direction: 'maximize' },
    { metric: 'params', direction: 'minimize' },
  ],
  [{ metric: 'ms', op: '<=', bound: 10 }],
);

function trial(
  number: number,
  accuracy: number | null,
  params: number,
  ms = 1,
  extra: Partial<TrialRecord> = {},
): TrialRecord {
  return {
    number,
    state: 'completed',
    config: { n: number },
    reason: '',
    source: number === 1 ? 'default' : 'tpe',
    proposedAt: 0,
    attempts: 1,
    value: accuracy,
    validation: { loss: 0, accuracy: accuracy ?? NaN, params, ms },
    ...extra,
  };
}

// Front: #2 (0.9, 100), #3 (0.8, 10), #5 (0.95, 1000). #4 is dominated by #2. #6 breaks ms <= 10
// and would otherwise dominate everything. #4 dominates #1. #7 failed. #8 is pruned.
const trials = [
  trial(1, 0.7, 500),
  trial(2, 0.9, 100),
  trial(3, 0.8, 10),
  trial(4, 0.85, 200),
  trial(5, 0.95, 1000),
  trial(6, 0.99, 5, 30),
  trial(7, null, 50, 1, { state: 'failed' }),
  trial(8, 0.5, 50, 1, { state: 'pruned' }),
];

describe('a trade-off read off trials', () => {
  it('reads the campaign metric from the value and the others from validation', () => {
    const t = trial(9, 0.6, 42);
    t.validation!['accuracy'] = 0.1; // the value wins for the campaign's metric (a fold mean)
    expect(set.lossesOf(t)).toEqual([-0.6, 42]);
    expect(set.valuesOf(t)).toEqual([0.6, 42]);
    expect(set.lossesOf(trials[6]!)).toBeNull(); // failed
    expect(set.lossesOf(trials[7]!)).toBeNull(); // pruned: partial objectives
  });

  it('measures violations relative to their bound', () => {
    expect(set.violationOf(trials[0]!)).toBe(0);
    expect(set.violationOf(trials[5]!)).toBe(2); // (30 - 10) / 10
    const missing = trial(10, 0.9, 1);
    delete missing.validation!['ms'];
    expect(set.violationOf(missing)).toBe(Infinity);
  });

  it('sorts feasible fronts first, then infeasible by violation', () => {
    const results = completeResults(set, trials);
    const numbers = (fronts: number[][]) =>
      fronts.map((f) => f.map((i) => results[i]!.trial.number));
    expect(numbers(constrainedFronts(results))).toEqual([[2, 3, 5], [4], [1], [6]]);
    // Survival: the front's ends (#3 and #5) before its middle (#2), by crowding.
    expect(survivalOrder(results).map((i) => results[i]!.trial.number)).toEqual([3, 5, 2, 4, 1, 6]);
    // TPE's split: the front in greedy hypervolume order, each adding the most.
    const good = goodFirstOrder(results).map((i) => results[i]!.trial.number);
    expect(good.slice(0, 3).sort()).toEqual([2, 3, 5]);
    expect(good.slice(3)).toEqual([4, 1, 6]);
  });

  it('picks the knee, or the best by a rule among feasible trials only', () => {
    const front = frontOf(set, trials);
    expect(front.map((t) => t.number)).toEqual([2, 3, 5]);
    // Scaled over the front: #3 (0, 0)... accuracy loss -0.8 -> 1, params 10 -> 0; #5 (0, 1);
    // #2 accuracy (0.95-0.9)/0.15 = 0.33, params 90/990 = 0.09: farthest below the line.
    expect(pickTrial(set, front, trials).trial?.number).toBe(2);
    const rule = {
      kind: 'best' as const,
      metric: 'accuracy',
      direction: 'maximize' as const,
      where: [{ metric: 'params', op: '<=' as const, bound: 150 }],
    };
    expect(pickTrial(set, front, trials, rule).trial?.number).toBe(2);
    // #6 scores best but breaks the constraint: never picked.
    const loose = { ...rule, where: [] };
    expect(pickTrial(set, front, trials, loose).trial?.number).toBe(5);
    const none = pickTrial(set, front, trials, {
      ...rule,
      where: [{ metric: 'params', op: '<=' as const, bound: 1 }],
    });
    expect(none.trial).toBeNull();
    expect(none.reason).toMatch(/no feasible trial meets "max accuracy where params<=1"/);
  });

  it('reports the counts, the hypervolume against its reference, and the default', () => {
    const r = tradeOffReport(set, {}, trials);
    expect(r.counts).toEqual({ feasible: 5, infeasible: 1, incomplete: 2 });
    // Reference: accuracy 0.7 - 0.025 = 0.675 (worst 0.7, range 0.25), params 1000 + 99 = 1099.
    expect(r.reference!.values[0]).toBeCloseTo(0.675, 12);
    expect(r.reference!.values[1]).toBeCloseTo(1099, 12);
    // By hand, as losses (-accuracy, params) against (-0.675, 1099): strips sorted by the first
    // objective: #5 (-0.95) to #2 (-0.9): 0.05 * (1099 - 1000); #2 to #3 (-0.8): 0.1 * (1099 - 100);
    // #3 to the reference: 0.125 * (1099 - 10).
    const hand = 0.05 * 99 + 0.1 * 999 + 0.125 * 1089;
    expect(r.hypervolume).toBeCloseTo(hand, 9);
    expect(r.hypervolumeByTrial.at(-1)!.hypervolume).toBeCloseTo(hand, 9);
    expect(r.default).toEqual({ trial: 1, values: [0.7, 500], onFront: false, feasible: true });
    expect(r.pick.rule).toBe('knee');
  });
});
