import { describePickRule, type FrontMember, type PickRule } from '../contracts/trade-off.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { gainSign } from '../maths/direction.ts';
import { kneeIndex } from '../maths/pareto.ts';
import type { ObjectiveSet } from './objective-set.ts';

/** The trial a trade-off campaign ships, and why; null when no feasible trial meets the rule. */
export interface PickedTrial {
  trial: TrialRecord | null;
  onFront: boolean;
  reason: string;
}

/**
 * Chooses the shipped trial by the campaign's rule (the knee when it states none), from its
 * feasible complete trials only: an infeasible trial is never shipped, whatever it scores.
 *
 * - `knee`: the front's knee (kneeIndex: with the objectives scaled to [0, 1] over the front,
 *   the member farthest below the line through its two ends; with three or more objectives the
 *   member nearest the ideal point). One objective: its best trial.
 * - `max|min <metric> where ...`: of the feasible trials that meet every condition, the best by
 *   that metric (ties to the earlier trial). When the metric is an objective and the conditions
 *   are on objectives, it is a front member; otherwise it may not be, and the report says so.
 */
export function pickTrial(
  set: ObjectiveSet,
  front: readonly TrialRecord[],
  trials: readonly TrialRecord[],
  rule: PickRule = { kind: 'knee' },
): PickedTrial {
  const said = describePickRule(rule);
  if (rule.kind === 'knee') {
    if (!front.length)
      return { trial: null, onFront: false, reason: 'no feasible trial has every objective' };
    const k = kneeIndex(front.map((t) => set.lossesOf(t)!));
    return {
      trial: front[k]!,
      onFront: true,
      reason: !set.isMulti
        ? `the best feasible trial by ${set.objectives[0]!.metric}`
        : front.length === 1
          ? 'the only member of the front: it is at least as good as every feasible trial in every objective'
          : front.length === 2
            ? 'of a front of two, which has no bend, the earlier trial'
            : `the knee of the front (${front.length} members): where giving up a little of one objective buys the most of the other`,
    };
  }
  const sign = gainSign(rule.direction);
  let best: TrialRecord | null = null;
  let bestValue = -Infinity;
  for (const t of trials) {
    if (!set.lossesOf(t) || !set.isFeasible(t)) continue;
    const meets = rule.where.every((c) => {
      const v = set.valueOf(t, c.metric);
      return v !== undefined && (c.op === '<=' ? v <= c.bound : v >= c.bound);
    });
    const v = set.valueOf(t, rule.metric);
    if (!meets || v === undefined) continue;
    if (sign * v > bestValue) {
      bestValue = sign * v;
      best = t;
    }
  }
  if (!best)
    return {
      trial: null,
      onFront: false,
      reason: `no feasible trial meets "${said}"`,
    };
  const onFront = front.includes(best);
  return {
    trial: best,
    onFront,
    reason: `the best ${rule.metric} among feasible trials${rule.where.length ? ` that meet ${rule.where.length === 1 ? 'the condition' : 'the conditions'}` : ''}${onFront ? '' : '; it is not on the front: a front member beats it in some objective while breaking the rule'}`,
  };
}

/** A trial as the report lists it: its number and its objectives' values. */
export function memberOf(set: ObjectiveSet, trial: TrialRecord): FrontMember {
  return { trial: trial.number, values: set.valuesOf(trial)! };
}
