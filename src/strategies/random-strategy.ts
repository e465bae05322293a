import { DEFAULT_SOURCE, type TrialRecord } from '../contracts/trial-record.ts';
import { Rng } from '../random/rng.ts';
import type { SearchSpace } from '../search-space/search-space.ts';
import { configKey, sampleConfig } from './config-sampling.ts';
import { CONFIRM_SOURCE } from './confirming-strategy.ts';
import type { Proposal, Strategy } from './strategy.ts';

const MAX_DRAWS = 100;

/** Trials the strategies around a search add to its history (see DefaultFirstStrategy, ...). */
const ADDED_BY_WRAPPERS = new Set([DEFAULT_SOURCE, CONFIRM_SOURCE, 'baseline']);

/**
 * Uniform random search. The k-th configuration of a campaign comes from a generator seeded by
 * (campaign seed, k), so the sequence is the same however trials interleave or drivers restart.
 */
export class RandomStrategy implements Strategy {
  readonly name = 'random';

  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
  ) {}

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const seen = new Set(history.map((t) => configKey(t.config)));
    // Numbered among the trials drawn for the search (not the default, the untuned baseline or a
    // re-evaluation, which strategies wrapped around this one add): "random sample 1, 2, 3" as
    // they come. The draw itself is seeded by the trial's place in the history, as before.
    const drawnBefore = history.filter((t) => !ADDED_BY_WRAPPERS.has(t.source ?? '')).length;
    const proposals: Proposal[] = [];
    for (let i = 0; i < count; i++) {
      const index = history.length + i;
      const rng = new Rng(this.seed * 1_000_003 + index * 7919 + 1);
      let config = sampleConfig(this.space, rng);
      // Small discrete spaces repeat themselves: draw again rather than train a twin.
      for (let draw = 1; seen.has(configKey(config)) && draw < MAX_DRAWS; draw++)
        config = sampleConfig(this.space, rng);
      if (seen.has(configKey(config))) break;
      seen.add(configKey(config));
      proposals.push({
        config,
        reason: `random sample ${drawnBefore + proposals.length + 1} (seed ${this.seed})`,
      });
    }
    return proposals;
  }
}
