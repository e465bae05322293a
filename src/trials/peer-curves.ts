import type { TrialStore } from './trial-store.ts';
import type { EpochRecord } from '../trainer/trainer.ts';
import type { Pruner } from './pruner.ts';

/** How often a running trial re-reads other trials' curves for the pruner. */
const PEERS_REFRESH_MS = 2000;
/**
 * The pruner learns from the campaign's latest this-many trials: every running trial reads its
 * peers every few seconds, so on a 10,000-trial campaign reading all of them would make each
 * trial cost more than the one before. Campaigns below it are judged against every peer.
 */
const PEERS_WINDOW = 1000;
const FINISHED_PEER = new Set(['completed', 'pruned']);

/**
 * Learning curves of the campaign's other trials (those the pruner learns from), re-read every
 * few seconds: the latest PEERS_WINDOW trials, and of those only the curves that can still
 * change (a finished trial's curve is read once).
 */
export class PeerCurves {
  private cached: EpochRecord[][] = [];
  private readAt = 0;
  private readonly finished = new Map<number, EpochRecord[]>();

  constructor(
    private readonly store: TrialStore,
    private readonly campaignId: string,
    private readonly self: number,
    private readonly pruner: Pruner,
  ) {}

  async get(): Promise<EpochRecord[][]> {
    if (Date.now() - this.readAt < PEERS_REFRESH_MS) return this.cached;
    const peers = (await this.store.latestTrials(this.campaignId, PEERS_WINDOW)).filter(
      (t) => t.number !== this.self && this.pruner.peerStates.includes(t.state),
    );
    const curves = await this.store.getCurves(
      this.campaignId,
      peers.filter((t) => !this.finished.has(t.number)).map((t) => t.number),
    );
    for (const t of peers)
      if (FINISHED_PEER.has(t.state) && curves.has(t.number))
        this.finished.set(t.number, curves.get(t.number)!);
    this.cached = peers.map((t) => this.finished.get(t.number) ?? curves.get(t.number) ?? []);
    this.readAt = Date.now();
    return this.cached;
  }
}
