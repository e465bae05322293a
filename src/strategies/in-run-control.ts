import type { TrialRecord } from '../contracts/campaign-records.ts';
import type { Config } from '../search-space/search-space.ts';
import { DEFAULT_SOURCE } from './default-first-strategy.ts';
import type { Proposal, Strategy } from './strategy.ts';

/**
 * An in-run mode (dynamic, pbt) with a control: the search space's default configuration
 * trained once as one plain run of the same epochs, so that the run's result is measured
 * against what no tuning at all gets (the line "against the default" of every campaign). Its
 * epochs count in the campaign's cost. The mode never sees it: its history leaves it out.
 */
export class InRunControlStrategy implements Strategy {
  readonly name: string;

  constructor(
    private readonly inner: Strategy,
    /** The default configuration, its epochs those of the run. */
    private readonly control: Config,
  ) {
    this.name = inner.name;
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const own = withoutControl(history);
    if (count <= 0 || own.length < history.length) return this.inner.propose(own, count);
    const rest = count > 1 ? await this.inner.propose(own, count - 1) : [];
    return [
      {
        config: this.control,
        reason:
          "the search space's default configuration as one plain run of the same epochs: the control the run's result is measured against",
        source: DEFAULT_SOURCE,
      },
      ...rest,
    ];
  }

  async resultTrial(history: readonly TrialRecord[]): Promise<number | null> {
    return (await this.inner.resultTrial?.(withoutControl(history))) ?? null;
  }

  conclude(history: readonly TrialRecord[]): Promise<void> {
    return this.inner.conclude?.(withoutControl(history)) ?? Promise.resolve();
  }
}

function withoutControl(history: readonly TrialRecord[]): TrialRecord[] {
  return history.filter((t) => t.source !== DEFAULT_SOURCE);
}
