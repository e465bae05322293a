import type { CampaignRequest } from '../contracts/campaign-request.ts';
import type { Constraint, Objective } from '../contracts/trade-off.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { lossOf, type Direction } from '../maths/direction.ts';
import {
  byCrowding,
  greedyHypervolumeSubset,
  nadirReference,
  nonDominatedFronts,
} from '../maths/pareto.ts';

/**
 * What a campaign tunes for, read off its trials: one or more objectives and the constraints a
 * trial must meet. Every sampler, the front, the pick and the report read trials through this,
 * so "the value of params of trial 7" and "is trial 7 feasible" have one answer.
 *
 * A trial's objective values: the campaign's metric is the trial's `value` (with
 * cross-validation, the mean over folds); any other metric is read from its `validation`
 * metrics (with cross-validation, the mean over folds too, see the trial runner).
 */
export class ObjectiveSet {
  constructor(
    /** The campaign's metric: the trial's `value`. */
    readonly metric: string,
    readonly objectives: readonly Objective[],
    readonly constraints: readonly Constraint[],
  ) {}

  /** The request's objectives (or the task's metric alone) and constraints. */
  static of(
    request: Pick<CampaignRequest, 'objectives' | 'constraints'>,
    metric: { name: string; direction: Direction },
  ): ObjectiveSet {
    return new ObjectiveSet(
      metric.name,
      request.objectives ?? [{ metric: metric.name, direction: metric.direction }],
      request.constraints ?? [],
    );
  }

  /** More than one objective: a front, not a best. */
  get isMulti(): boolean {
    return this.objectives.length > 1;
  }

  /** Several objectives or any constraint: what only the trade-off samplers handle. */
  get isTradeOff(): boolean {
    return this.isMulti || this.constraints.length > 0;
  }

  /** A metric of a finished trial, or undefined when it did not report a finite one. */
  valueOf(trial: Pick<TrialRecord, 'value' | 'validation'>, metric: string): number | undefined {
    const v = metric === this.metric ? trial.value : trial.validation?.[metric];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }

  /**
   * The trial's objectives as losses (lower is better in each), or null when it is not a
   * complete result: not completed, a stretch of a run or a re-evaluation on other folds, or
   * an objective missing.
   */
  lossesOf(trial: TrialRecord): number[] | null {
    if (trial.state !== 'completed' || trial.segment || trial.foldSeed !== undefined) return null;
    const out: number[] = [];
    for (const o of this.objectives) {
      const v = this.valueOf(trial, o.metric);
      if (v === undefined) return null;
      out.push(lossOf(v, o.direction));
    }
    return out;
  }

  /** The objectives' values as the trial reported them (not as losses), for people. */
  valuesOf(trial: TrialRecord): number[] | null {
    if (!this.lossesOf(trial)) return null;
    return this.objectives.map((o) => this.valueOf(trial, o.metric)!);
  }

  /**
   * How far a trial is from meeting the constraints: 0 when it meets all; else the sum over the
   * broken ones of the excess relative to the bound (|bound|, at least 1), so constraints on
   * metrics of different scales weigh alike; Infinity when a constrained metric is missing.
   */
  violationOf(trial: Pick<TrialRecord, 'value' | 'validation'>): number {
    let total = 0;
    for (const c of this.constraints) {
      const v = this.valueOf(trial, c.metric);
      if (v === undefined) return Infinity;
      const excess = c.op === '<=' ? v - c.bound : c.bound - v;
      if (excess > 0) total += excess / Math.max(Math.abs(c.bound), 1);
    }
    return total;
  }

  isFeasible(trial: Pick<TrialRecord, 'value' | 'validation'>): boolean {
    return this.violationOf(trial) === 0;
  }
}

/** A complete result as the samplers rank it. */
export interface RankedResult {
  trial: TrialRecord;
  losses: number[];
  violation: number;
}

/** The trials that are complete results, with their losses and violations. */
export function completeResults(set: ObjectiveSet, trials: readonly TrialRecord[]): RankedResult[] {
  const out: RankedResult[] = [];
  for (const trial of trials) {
    const losses = set.lossesOf(trial);
    if (losses) out.push({ trial, losses, violation: set.violationOf(trial) });
  }
  return out;
}

/**
 * Constrained non-dominated sorting (Deb et al. 2002, section V): feasible results first, in
 * their non-dominated fronts; then infeasible ones, each group of equal violation a front of its
 * own, least violation first. Returns indices into `results`.
 */
export function constrainedFronts(results: readonly RankedResult[]): number[][] {
  const feasible = [...results.keys()].filter((i) => results[i]!.violation === 0);
  const fronts = nonDominatedFronts(feasible.map((i) => results[i]!.losses)).map((f) =>
    f.map((k) => feasible[k]!),
  );
  const infeasible = [...results.keys()]
    .filter((i) => results[i]!.violation > 0)
    .sort((a, b) => results[a]!.violation - results[b]!.violation || a - b);
  for (let i = 0; i < infeasible.length;) {
    let j = i + 1;
    const v = results[infeasible[i]!]!.violation;
    while (j < infeasible.length && results[infeasible[j]!]!.violation === v) j++;
    fronts.push(infeasible.slice(i, j));
    i = j;
  }
  return fronts;
}

/**
 * Results best first, as NSGA-II's survival orders them: by constrained front, and within a
 * front by crowding distance (loneliest first, ties to the earlier trial). The first k are the
 * k survivors of a population of k.
 */
export function survivalOrder(results: readonly RankedResult[]): number[] {
  const out: number[] = [];
  for (const front of constrainedFronts(results))
    out.push(
      ...byCrowding(
        front,
        front.map((i) => results[i]!.losses),
      ),
    );
  return out;
}

/**
 * How many of the best results any split takes at most (TPE's good group: see goodCount); the
 * fronts that start before it are ordered by what each member adds to the good group.
 */
const GOOD_AT_MOST = 25;
/** A front larger than this is ordered by crowding, not by greedy hypervolume (cost). */
const GREEDY_FRONT_AT_MOST = 60;

/**
 * Results best first, as multi-objective TPE splits them (Ozaki et al. 2022): by constrained
 * front; a front that the good group may cut through is ordered by greedy hypervolume subset
 * selection against the feasible results' nadir, so the first k of it are the k that together
 * cover the most of the front (the greedy order is the same for every k: its prefixes are its
 * selections). Other fronts, and very large ones, by crowding distance.
 */
export function goodFirstOrder(results: readonly RankedResult[]): number[] {
  const feasible = results.filter((r) => r.violation === 0).map((r) => r.losses);
  const reference = feasible.length ? nadirReference(feasible) : null;
  const out: number[] = [];
  for (const front of constrainedFronts(results)) {
    const points = front.map((i) => results[i]!.losses);
    const feasibleFront = results[front[0]!]!.violation === 0;
    if (
      reference &&
      feasibleFront &&
      out.length < GOOD_AT_MOST &&
      front.length > 1 &&
      front.length <= GREEDY_FRONT_AT_MOST
    ) {
      out.push(...greedyHypervolumeSubset(points, front.length, reference).map((k) => front[k]!));
      continue;
    }
    out.push(...byCrowding(front, points));
  }
  return out;
}
