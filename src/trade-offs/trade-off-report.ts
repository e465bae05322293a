import type { CampaignRequest } from '../contracts/campaign-request.ts';
import { DEFAULT_SOURCE, type TrialRecord } from '../contracts/trial-record.ts';
import { describePickRule, type TradeOffReport } from '../contracts/trade-off.ts';
import { hypervolume, nadirReference, paretoFront } from '../maths/pareto.ts';
import { completeResults, type ObjectiveSet } from './objective-set.ts';
import { memberOf, pickTrial, type PickedTrial } from './pick.ts';

/** The feasible complete trials no other feasible one dominates, in trial order. */
export function frontOf(set: ObjectiveSet, trials: readonly TrialRecord[]): TrialRecord[] {
  const feasible = completeResults(set, trials).filter((r) => r.violation === 0);
  return paretoFront(feasible.map((r) => r.losses))
    .map((i) => feasible[i]!.trial)
    .sort((a, b) => a.number - b.number);
}

/** The campaign's pick by its rule (see pickTrial). */
export function campaignPick(
  set: ObjectiveSet,
  request: Pick<CampaignRequest, 'pick'>,
  trials: readonly TrialRecord[],
): PickedTrial {
  return pickTrial(set, frontOf(set, trials), trials, request.pick);
}

/**
 * The report of a trade-off: counts, the front, the hypervolume against a reference point and
 * its curve over trials, the default's place, and the pick.
 *
 * The reference point is the nadir of the feasible complete trials plus a tenth of their range
 * (nadirReference), fixed for the whole curve so that the curve only rises. A reference chosen
 * from the campaign's own trials makes hypervolumes comparable within a campaign, not across
 * campaigns: benchmarks fix their own (bench/multi-objective.ts).
 */
export function tradeOffReport(
  set: ObjectiveSet,
  request: Pick<CampaignRequest, 'pick'>,
  trials: readonly TrialRecord[],
): TradeOffReport {
  const results = completeResults(set, trials);
  const feasible = results.filter((r) => r.violation === 0);
  const front = frontOf(set, trials);
  const pick = pickTrial(set, front, trials, request.pick);
  const reference = feasible.length ? nadirReference(feasible.map((r) => r.losses)) : null;
  const defaultTrial = trials.find((t) => t.source === DEFAULT_SOURCE);
  const defaultValues = defaultTrial && set.valuesOf(defaultTrial);
  return {
    objectives: [...set.objectives],
    constraints: [...set.constraints],
    counts: {
      feasible: feasible.length,
      infeasible: results.length - feasible.length,
      incomplete: trials.length - results.length,
    },
    front: front.map((t) => memberOf(set, t)),
    reference: reference
      ? {
          values: fromLosses(set, reference),
          rule: "the feasible trials' worst value in each objective, a tenth of their range further",
        }
      : null,
    hypervolume: reference
      ? hypervolume(
          feasible.map((r) => r.losses),
          reference,
        )
      : null,
    hypervolumeByTrial: reference ? hypervolumeCurve(feasible, reference) : [],
    default:
      defaultTrial && defaultValues
        ? {
            trial: defaultTrial.number,
            values: defaultValues,
            onFront: front.includes(defaultTrial),
            feasible: set.isFeasible(defaultTrial),
          }
        : null,
    pick: {
      rule: describePickRule(request.pick ?? { kind: 'knee' }),
      member: pick.trial ? { ...memberOf(set, pick.trial), onFront: pick.onFront } : null,
      reason: pick.reason,
    },
  };
}

/** Losses back to the objectives' own values (a maximized objective's sign restored). */
function fromLosses(set: ObjectiveSet, losses: readonly number[]): number[] {
  return losses.map((l, k) => (set.objectives[k]!.direction === 'maximize' ? -l : l));
}

/** The hypervolume after each trial (by number) where the front changed. */
function hypervolumeCurve(
  feasible: readonly { trial: TrialRecord; losses: number[] }[],
  reference: readonly number[],
): { trial: number; hypervolume: number }[] {
  const ordered = [...feasible].sort((a, b) => a.trial.number - b.trial.number);
  const curve: { trial: number; hypervolume: number }[] = [];
  let front: number[][] = [];
  let last = 0;
  for (const r of ordered) {
    if (front.some((p) => p.every((v, k) => v <= r.losses[k]!))) continue; // adds nothing
    front = [...front.filter((p) => !p.every((v, k) => r.losses[k]! <= v)), r.losses];
    const hv = hypervolume(front, reference);
    if (hv !== last) curve.push({ trial: r.trial.number, hypervolume: hv });
    last = hv;
  }
  return curve;
}
