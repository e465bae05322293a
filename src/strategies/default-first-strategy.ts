import { DEFAULT_SOURCE, type TrialRecord } from '../contracts/trial-record.ts';
import type { Config } from '../search-space/search-space.ts';
import { configKey } from './config-sampling.ts';
import type { Proposal, Strategy } from './strategy.ts';

export { DEFAULT_SOURCE };

export interface DefaultFirstOptions {
  /** Why the default comes first, as the log says it. */
  reason?: string;
  /**
   * The strategy it wraps never sees the default's trial (an in-run mode's control: one plain run
   * beside the mode's own runs, not a stretch of them); its result is the strategy's to name.
   */
  hidden?: boolean;
}

/**
 * Any strategy, with the search space's default configuration as the campaign's first trial: a
 * sensible default already gets most of what tuning can, so every campaign measures itself
 * against it, and never reports a best that is worse than the default on validation. The
 * strategy it wraps sees the default's result like any other trial, unless it is hidden.
 */
export class DefaultFirstStrategy implements Strategy {
  readonly name: string;
  readonly resultTrial?: (history: readonly TrialRecord[]) => Promise<number | null>;

  constructor(
    private readonly inner: Strategy,
    private readonly defaults: Config,
    private readonly opts: DefaultFirstOptions = {},
  ) {
    this.name = inner.name;
    const named = inner.resultTrial?.bind(inner);
    if (named) this.resultTrial = (history) => named(this.innerView(history));
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const seen = this.innerView(history);
    if (count <= 0 || history.some((t) => t.source === DEFAULT_SOURCE))
      return this.inner.propose(seen, count);
    // Proposed beside the default, before its trial exists: the wrapped strategy cannot know the
    // default is taken, so a proposal equal to it (a small or one-configuration space) is
    // dropped here rather than trained twice. A hidden default is not the strategy's trial (an
    // in-run mode's control is a plain run beside a steered run that may start from the same
    // configuration), so nothing of the strategy's is dropped for it.
    const defaultKey = configKey(this.defaults);
    const proposed = count > 1 ? await this.inner.propose(seen, count - 1) : [];
    const rest = this.opts.hidden
      ? proposed
      : proposed.filter((p) => configKey(p.config) !== defaultKey);
    return [
      {
        config: this.defaults,
        reason:
          this.opts.reason ??
          "the search space's default configuration, first: the control every tuned result is measured against",
        source: DEFAULT_SOURCE,
      },
      ...rest,
    ];
  }

  conclude(history: readonly TrialRecord[]): Promise<void> {
    return this.inner.conclude?.(this.innerView(history)) ?? Promise.resolve();
  }

  /** The history the wrapped strategy sees: all of it, or all but the hidden default. */
  private innerView(history: readonly TrialRecord[]): readonly TrialRecord[] {
    return this.opts.hidden ? history.filter((t) => t.source !== DEFAULT_SOURCE) : history;
  }
}
