import type { TrialRecord } from '../contracts/campaign-records.ts';
import { Rng } from '../random/rng.ts';
import type { SearchSpace } from '../search-space/search-space.ts';
import { configKey, sampleConfig } from './config-sampling.ts';
import type { Proposal, Strategy } from './strategy.ts';

const MAX_DRAWS = 100;

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
      proposals.push({ config, reason: `random sample ${index + 1} (seed ${this.seed})` });
    }
    return proposals;
  }
}
