import type { EpochRecord } from '../trainer/trainer.ts';
import { bestUpTo, peerValuesAt, type PruneDecision, type Pruner } from './pruner.ts';
import type { Direction } from '../maths/direction.ts';
import { median } from '../stats/median.ts';

/**
 * Stops a trial whose learning curve is worse than the median of earlier trials at the same
 * epoch (the median stopping rule). Values compared are the best validation metric up to that
 * epoch, so one noisy epoch does not kill a trial; nothing is pruned before `warmupEpochs`, nor
 * before `minTrials` finished trials reached that epoch.
 */
export class MedianPruner implements Pruner {
  readonly peerStates = ['completed', 'pruned'] as const;

  constructor(
    private readonly direction: Direction,
    private readonly minTrials = 3,
    private readonly warmupEpochs = 2,
  ) {}

  decide(
    curve: readonly EpochRecord[],
    others: readonly (readonly EpochRecord[])[],
  ): PruneDecision {
    const epoch = curve.length;
    const value = bestUpTo(curve, epoch, this.direction);
    if (epoch < this.warmupEpochs) return { prune: false, value, median: null };
    const peers = peerValuesAt(others, epoch, this.direction);
    if (peers.length < this.minTrials) return { prune: false, value, median: null };
    const m = median(peers);
    const worse = this.direction === 'maximize' ? value < m : value > m;
    return { prune: worse || !Number.isFinite(value), value, median: m };
  }
}
