import { describeConstraint, describeObjective } from '../contracts/trade-off.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import type { ObjectiveSet } from './objective-set.ts';
import { frontOf } from './trade-off-report.ts';
import { formatNumber } from '../format/display-format.js';
import { scaledToRange } from '../maths/pareto.ts';

/** Front members an agent is shown; a longer front is shown by every k-th member. */
const SHOWN = 12;

/**
 * A trade-off as an agent reads it: the objectives and constraints, the front best first in the
 * first objective (each member's trial and values), how many trials are infeasible, and where
 * the front is thinnest: the widest gap between two neighbours, with each objective scaled to
 * [0, 1] over the front, where a configuration between them would add the most.
 */
export function frontInWords(set: ObjectiveSet, trials: readonly TrialRecord[]): string {
  const head = `This campaign tunes a trade-off: ${set.objectives.map(describeObjective).join(', ')}${set.constraints.length ? `, subject to ${set.constraints.map(describeConstraint).join(' and ')} (a trial that breaks one is never shipped)` : ''}. No single best exists: the front is the trials no other beats in every objective, and a trial helps when it joins the front.`;
  const front = frontOf(set, trials);
  if (!front.length) return `${head}\nNo feasible trial has every objective yet.`;
  const sign = set.objectives[0]!.direction === 'maximize' ? -1 : 1;
  const first = (t: TrialRecord) => set.valuesOf(t)![0]!;
  const ordered = [...front].sort((a, b) => sign * (first(a) - first(b)));
  const step = Math.max(1, Math.ceil(ordered.length / SHOWN));
  const line = (t: TrialRecord) =>
    `#${t.number}: ${set.objectives.map((o, k) => `${o.metric} ${formatNumber(set.valuesOf(t)![k]!)}`).join(', ')}`;
  const infeasible = trials.filter((t) => set.lossesOf(t) && !set.isFeasible(t)).length;
  return [
    head,
    `The front (${front.length} trials, best ${set.objectives[0]!.metric} first${step > 1 ? `, every ${step}th shown` : ''}):`,
    ...ordered.filter((_, i) => i % step === 0).map(line),
    ...(infeasible ? [`${infeasible} trials broke a constraint.`] : []),
    ...(ordered.length >= 2 ? [thinnest(set, ordered, line)] : []),
  ].join('\n');
}

function thinnest(
  set: ObjectiveSet,
  ordered: readonly TrialRecord[],
  line: (t: TrialRecord) => string,
): string {
  const scaled = scaledToRange(ordered.map((t) => set.lossesOf(t)!));
  let widest = 0;
  let at = 0;
  for (let i = 0; i + 1 < scaled.length; i++) {
    const gap = Math.hypot(...scaled[i]!.map((v, k) => v - scaled[i + 1]![k]!));
    if (gap > widest) {
      widest = gap;
      at = i;
    }
  }
  return `The front is thinnest between ${line(ordered[at]!)} and ${line(ordered[at + 1]!)}: a configuration between those two would fill the widest gap.`;
}
