import type { TrialStore } from './trial-store.ts';
import type { EpochRecord } from '../trainer/trainer.ts';
import type { Pruner } from './pruner.ts';

/** How often a running trial re-reads other trials' curves for the pruner. */
const PEERS_REFRESH_MS = 2000;

/** Learning curves of the campaign's other trials (those the pruner learns from), re-read every few seconds. */
export class PeerCurves {
  private cached: EpochRecord[][] = [];
  private readAt = 0;

  constructor(
    private readonly store: TrialStore,
    private readonly campaignId: string,
    private readonly self: number,
    private readonly pruner: Pruner,
  ) {}

  async get(): Promise<EpochRecord[][]> {
    if (Date.now() - this.readAt < PEERS_REFRESH_MS) return this.cached;
    const trials = await this.store.listTrials(this.campaignId);
    const done = trials
      .filter((t) => t.number !== this.self && this.pruner.peerStates.includes(t.state))
      .map((t) => t.number);
    const curves = await this.store.getCurves(this.campaignId, done);
    this.cached = [...curves.values()];
    this.readAt = Date.now();
    return this.cached;
  }
}
