import type { TrialRecord } from '../contracts/campaign-records.ts';
import type { Config } from '../search-space/search-space.ts';
import type { Proposal, Strategy } from './strategy.ts';

/** The source of the default trial in a campaign's history. */
export const DEFAULT_SOURCE = 'default';

/**
 * Any strategy, with the search space's default configuration as the campaign's first trial: a
 * sensible default already gets most of what tuning can, so every campaign measures itself
 * against it, and never reports a best that is worse than the default on validation. The
 * strategy it wraps sees the default's result like any other trial.
 */
export class DefaultFirstStrategy implements Strategy {
  readonly name: string;

  constructor(
    private readonly inner: Strategy,
    private readonly defaults: Config,
  ) {
    this.name = inner.name;
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    if (count <= 0 || history.some((t) => t.source === DEFAULT_SOURCE))
      return this.inner.propose(history, count);
    const rest = count > 1 ? await this.inner.propose(history, count - 1) : [];
    return [
      {
        config: this.defaults,
        reason:
          "the search space's default configuration, first: the control every tuned result is measured against",
        source: DEFAULT_SOURCE,
      },
      ...rest,
    ];
  }

  conclude(history: readonly TrialRecord[]): Promise<void> {
    return this.inner.conclude?.(history) ?? Promise.resolve();
  }
}
