import { isFiniteNumber } from '../maths/finite.ts';
import type { EpochRecord } from '../trainer/trainer.ts';
import type { TrialState } from '../contracts/trial-record.ts';
import type { Direction } from '../maths/direction.ts';

export interface PruneDecision {
  prune: boolean;
  /** The trial's best value up to this epoch, and what it was compared with. */
  value: number;
  median: number | null;
  /** Why, in words, when the comparison is not with a median (the multi-objective rule). */
  reason?: string;
}

/**
 * Decides between epochs whether a trial goes on, from its learning curve and those of the
 * campaign's other trials (in the states the pruner learns from).
 */
export interface Pruner {
  readonly peerStates: readonly TrialState[];
  decide(curve: readonly EpochRecord[], peers: readonly (readonly EpochRecord[])[]): PruneDecision;
}

/** The best validation metric of a curve up to an epoch (one noisy epoch does not decide). */
export function bestUpTo(
  curve: readonly EpochRecord[],
  epoch: number,
  direction: Direction,
): number {
  const values = curve
    .slice(0, epoch)
    .map((r) => r.validationMetric)
    .filter(isFiniteNumber);
  if (values.length === 0) return NaN;
  return direction === 'maximize' ? Math.max(...values) : Math.min(...values);
}

/** The finite best-so-far values at an epoch of the peer curves that reached it. */
export function peerValuesAt(
  peers: readonly (readonly EpochRecord[])[],
  epoch: number,
  direction: Direction,
): number[] {
  return peers
    .filter((c) => c.length >= epoch)
    .map((c) => bestUpTo(c, epoch, direction))
    .filter(Number.isFinite);
}
