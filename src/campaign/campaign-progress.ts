import type { RedisClient } from '../queue/redis-connection.ts';
import type { LoggedEvent } from '../contracts/campaign-events.ts';
import { FINISHED_CAMPAIGN } from '../contracts/campaign-record.ts';
import type { CampaignStore } from './campaign-store.ts';

export interface FollowEventsOptions {
  /** Only events after this stream id (a reader that resumes); default: from the first one. */
  after?: string;
  /** Keep reading until the campaign ends (else what is there, then return). */
  follow: boolean;
  /** A connection for blocking reads (needed with `follow`). */
  blocking?: RedisClient;
  signal?: AbortSignal;
}

/**
 * A campaign's event log as it grows, in batches (an empty batch about once a second while
 * nothing happens, so a caller can refresh a clock). Ends when the campaign has ended, or at
 * once without `follow`, or when the signal aborts.
 */
export async function* followEvents(
  store: CampaignStore,
  id: string,
  opts: FollowEventsOptions,
): AsyncGenerator<LoggedEvent[]> {
  let after = opts.after ?? '0';
  for (;;) {
    if (opts.signal?.aborted) return;
    const events = await store.readEvents(id, after, {
      count: 500,
      ...(opts.follow && opts.blocking ? { blockMs: 1000, client: opts.blocking } : {}),
    });
    if (events.length > 0) after = events.at(-1)!.id;
    yield events;
    if (!opts.follow && events.length === 0) return;
    if (events.some((e) => e.type === 'campaign.finished' || e.type === 'campaign.failed')) return;
    if (events.length === 0) {
      const campaign = await store.requireCampaign(id);
      if (FINISHED_CAMPAIGN.includes(campaign.status)) return;
    }
  }
}
