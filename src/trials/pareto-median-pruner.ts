import { lossOf, type Direction } from '../maths/direction.ts';
import type { EpochRecord } from '../trainer/trainer.ts';
import type { ObjectiveSet } from '../trade-offs/objective-set.ts';
import { bestUpTo, type PruneDecision, type Pruner } from './pruner.ts';

/** How far beyond the noise a peer must be: this share of the peers' interquartile range. */
export const PARETO_MARGIN = 0.1;

/**
 * The median stopping rule for several objectives. At each epoch a trial's vector is, in each
 * objective, its best value so far (one noisy epoch does not decide, as the median rule reads
 * a curve); the peers' vectors are theirs at the same epoch. The trial stops when at least half
 * of the peers dominate it by a margin: better in every objective by at least a tenth of the
 * peers' interquartile range in that objective (epsilon-dominance, Laumanns et al. 2002). With
 * one objective and no margin this is the median rule exactly (worse than the median means
 * beaten by half the peers); the margin keeps a trial whose lag is within the peers' spread.
 *
 * Domination by the peers' front alone (any one peer) would stop nearly every trial early in a
 * campaign, when a few lucky peers hold the front; half of them is the rule the single-objective
 * median stopping rule already is. Nothing is pruned before `warmupEpochs`, nor before
 * `minTrials` finished peers reached the epoch; a vector with a missing objective is never
 * pruned on (it may be a metric the trial reports only at its end).
 */
export class ParetoMedianPruner implements Pruner {
  readonly peerStates = ['completed', 'pruned'] as const;

  constructor(
    private readonly objectives: ObjectiveSet,
    /** The campaign metric's direction: a pruned trial's value is its best so far in it. */
    private readonly direction: Direction,
    private readonly minTrials = 3,
    private readonly warmupEpochs = 2,
    private readonly margin = PARETO_MARGIN,
  ) {}

  decide(
    curve: readonly EpochRecord[],
    others: readonly (readonly EpochRecord[])[],
  ): PruneDecision {
    const epoch = curve.length;
    const own = bestVectorAt(this.objectives, curve, epoch);
    const value = bestUpTo(curve, epoch, this.direction);
    const keep = { prune: false, value, median: null };
    if (epoch < this.warmupEpochs || !own) return keep;
    const peers = others
      .filter((c) => c.length >= epoch)
      .map((c) => bestVectorAt(this.objectives, c, epoch))
      .filter((v): v is number[] => v !== null);
    if (peers.length < this.minTrials) return keep;
    const margins = own.map((_, k) => this.margin * interquartileRange(peers.map((p) => p[k]!)));
    const beatenBy = peers.filter(
      (p) => p.every((v, k) => v + margins[k]! <= own[k]!) && p.some((v, k) => v < own[k]!),
    ).length;
    const prune = 2 * beatenBy >= peers.length;
    return {
      prune,
      value,
      // The log's comparison: how many of its peers beat it in every objective.
      median: beatenBy,
      ...(prune
        ? {
            reason: `${beatenBy} of ${peers.length} trials at epoch ${epoch} were better in ${this.objectives.objectives.map((o) => o.metric).join(' and ')} beyond the noise`,
          }
        : {}),
    };
  }
}

/**
 * A curve's best value so far in each objective, as losses, up to `epoch` (the task's metric from
 * the epoch's validation metric, the others from its `metrics`); null when one is missing. What
 * the multi-objective pruners compare, as the one-objective ones compare bestUpTo.
 */
export function bestVectorAt(
  set: ObjectiveSet,
  curve: readonly EpochRecord[],
  epoch: number,
): number[] | null {
  const out: number[] = [];
  for (const o of set.objectives) {
    let best = Infinity;
    for (const r of curve.slice(0, epoch)) {
      const v = o.metric === set.metric ? r.validationMetric : r.metrics?.[o.metric];
      if (typeof v === 'number' && Number.isFinite(v))
        best = Math.min(best, lossOf(v, o.direction));
    }
    if (best === Infinity) return null;
    out.push(best);
  }
  return out;
}

function interquartileRange(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = q * (sorted.length - 1);
    const lo = Math.floor(i);
    return sorted[lo]! + (i - lo) * (sorted[Math.ceil(i)]! - sorted[lo]!);
  };
  return at(0.75) - at(0.25);
}
