import type { EpochRecord } from '../trainer/trainer.ts';
import { bestUpTo, peerValuesAt, type PruneDecision, type Pruner } from './pruner.ts';
import type { Direction } from '../maths/direction.ts';

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
    const { minEpochs, reductionFactor } = this.options;
    for (let e = minEpochs; e <= epoch; e *= reductionFactor)
      if (Math.round(e) === epoch) return true;
    return false;
  }
}
