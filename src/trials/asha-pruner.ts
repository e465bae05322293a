import type { EpochRecord } from '../trainer/trainer.ts';
import { bestUpTo, peerValuesAt, type PruneDecision, type Pruner } from './pruner.ts';
import type { Direction } from '../maths/direction.ts';
import { byCrowding, nonDominatedFronts } from '../maths/pareto.ts';
import type { ObjectiveSet } from '../trade-offs/objective-set.ts';
import { bestVectorAt } from './pareto-median-pruner.ts';

export interface AshaOptions {
  /** Epochs at the first rung. */
  minEpochs: number;
  /** Rungs are minEpochs * eta^k epochs; the best 1/eta of a rung go on to the next. */
  reductionFactor: number;
}

/** The epochs at which a trial is judged: minEpochs, minEpochs*eta, minEpochs*eta^2, ... */
export function rungs(options: AshaOptions, maxEpochs: number): number[] {
  const out: number[] = [];
  for (let e = options.minEpochs; e < maxEpochs; e *= options.reductionFactor)
    out.push(Math.round(e));
  return out;
}

/**
 * Asynchronous successive halving (ASHA): at each rung epoch, a trial goes on only if its best
 * metric so far is among the top 1/eta of all trials that reached that rung (running, finished
 * or stopped ones alike), so a campaign of many trials spends most epochs on the promising ones.
 * Nothing waits: a trial judged early is compared with fewer peers, and a lone trial goes on.
 */
export class AshaPruner implements Pruner {
  readonly peerStates = ['completed', 'pruned', 'running'] as const;
  private readonly options: AshaOptions;

  constructor(
    private readonly direction: Direction,
    options: Partial<AshaOptions> = {},
  ) {
    this.options = { minEpochs: 1, reductionFactor: 3, ...options };
  }

  decide(
    curve: readonly EpochRecord[],
    others: readonly (readonly EpochRecord[])[],
  ): PruneDecision {
    const epoch = curve.length;
    const value = bestUpTo(curve, epoch, this.direction);
    if (!this.isRung(epoch)) return { prune: false, value, median: null };
    const atRung = peerValuesAt(others, epoch, this.direction);
    const everyone = [...atRung, value].sort((a, b) =>
      this.direction === 'maximize' ? b - a : a - b,
    );
    const keep = Math.max(1, Math.floor(everyone.length / this.options.reductionFactor));
    const threshold = everyone[keep - 1]!;
    const promoted = this.direction === 'maximize' ? value >= threshold : value <= threshold;
    return { prune: !promoted || !Number.isFinite(value), value, median: threshold };
  }

  private isRung(epoch: number): boolean {
    return isRung(this.options, epoch);
  }
}

/** Whether a trial is judged at this epoch: one of minEpochs * eta^k (see rungs). */
export function isRung(options: AshaOptions, epoch: number): boolean {
  const { minEpochs, reductionFactor } = options;
  for (let e = minEpochs; e <= epoch; e *= reductionFactor)
    if (Math.round(e) === epoch) return true;
  return false;
}

/**
 * ASHA for several objectives: at a rung, everyone that reached it (running, finished or
 * stopped) is ordered as NSGA-II's survival orders a population (non-dominated fronts, then
 * crowding distance within a front, loneliest first), each by its best value so far in every
 * objective; the trial goes on when it is among the first 1/eta (at least one). With one
 * objective this is ASHA's order (ties aside). A trial missing an objective at its rung goes on.
 */
export class ParetoAshaPruner implements Pruner {
  readonly peerStates = ['completed', 'pruned', 'running'] as const;
  private readonly options: AshaOptions;

  constructor(
    private readonly objectives: ObjectiveSet,
    private readonly direction: Direction,
    options: Partial<AshaOptions> = {},
  ) {
    this.options = { minEpochs: 1, reductionFactor: 3, ...options };
  }

  decide(
    curve: readonly EpochRecord[],
    others: readonly (readonly EpochRecord[])[],
  ): PruneDecision {
    const epoch = curve.length;
    const value = bestUpTo(curve, epoch, this.direction);
    const own = bestVectorAt(this.objectives, curve, epoch);
    if (!isRung(this.options, epoch) || !own) return { prune: false, value, median: null };
    const everyone = [
      own,
      ...others
        .filter((c) => c.length >= epoch)
        .map((c) => bestVectorAt(this.objectives, c, epoch))
        .filter((v): v is number[] => v !== null),
    ];
    const keep = Math.max(1, Math.floor(everyone.length / this.options.reductionFactor));
    // The trial is index 0: its place in the survival order decides.
    const place = survivalPlaces(everyone).indexOf(0);
    const prune = place >= keep;
    return {
      prune,
      value,
      median: place + 1,
      ...(prune
        ? {
            reason: `at rung epoch ${epoch} it placed ${place + 1} of ${everyone.length} by front and crowding in ${this.objectives.objectives.map((o) => o.metric).join(' and ')}; the first ${keep} go on`,
          }
        : {}),
    };
  }
}

/** Indices of the points, best first: by non-dominated front, then crowding (ties: lower index). */
function survivalPlaces(points: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const front of nonDominatedFronts(points))
    out.push(
      ...byCrowding(
        front,
        front.map((i) => points[i]!),
      ),
    );
  return out;
}
