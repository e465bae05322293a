import type { TrialRecord } from '../contracts/trial-record.ts';
import type { CampaignStore } from './campaign-store.ts';

/**
 * A driver's copy of its campaign's trials, kept up to date by reading only what changed: the
 * store logs every trial write's number (CampaignStore.trialsChangedSince), so a round reads the
 * trials that were added or moved since the last one (a few, whatever the campaign's length)
 * instead of every record. The first refresh reads them all: a driver that takes over rebuilds
 * once.
 */
export class TrialView {
  private readonly trials: TrialRecord[] = [];
  private readonly indexOf = new Map<number, number>();
  /** The change last read; null before the first refresh. */
  private sequence: number | null = null;

  constructor(
    private readonly store: CampaignStore,
    private readonly campaignId: string,
  ) {}

  /** The campaign's trials by number, as they are now (a copy: later refreshes do not move it). */
  async refresh(): Promise<TrialRecord[]> {
    if (this.sequence === null) {
      // The sequence first: a change made while the records are read is read again next time.
      this.sequence = await this.store.trialChangeSequence(this.campaignId);
      this.put(await this.store.listTrials(this.campaignId));
    } else {
      const { numbers, sequence } = await this.store.trialsChangedSince(
        this.campaignId,
        this.sequence,
      );
      this.put(await this.store.getTrials(this.campaignId, numbers));
      this.sequence = sequence;
    }
    return this.trials.slice();
  }

  private put(records: readonly TrialRecord[]): void {
    let unordered = false;
    for (const t of [...records].sort((a, b) => a.number - b.number)) {
      const at = this.indexOf.get(t.number);
      if (at !== undefined) {
        this.trials[at] = t;
        continue;
      }
      // Numbers are handed out in order and a trial is logged as it is added, so new ones come
      // after the known ones; a full sort is only the safety net.
      unordered ||= t.number < (this.trials.at(-1)?.number ?? 0);
      this.indexOf.set(t.number, this.trials.length);
      this.trials.push(t);
    }
    if (unordered) {
      this.trials.sort((a, b) => a.number - b.number);
      this.trials.forEach((t, i) => this.indexOf.set(t.number, i));
    }
  }
}
