import type { RedisClient } from '../queue/redis-connection.ts';
import { followEvents } from '../campaign/campaign-progress.ts';
import type { CampaignStore } from '../campaign/campaign-store.ts';
import type { LoggedEvent } from '../contracts/campaign-events.ts';
import { FINISHED_CAMPAIGN } from '../contracts/campaign-record.ts';

/** Whether stream id `a` comes after `b` ("<ms>-<seq>", compared as numbers). */
function streamIdAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number?];
  const [bm, bs] = b.split('-').map(Number) as [number, number?];
  return am !== bm ? am > bm : (as ?? 0) > (bs ?? 0);
}

interface EventSubscriber {
  /** Events in order, each once, from after the id the subscriber asked for. */
  onEvents(events: LoggedEvent[]): void;
  /** The campaign has ended (its last events were delivered), or the hub is closing. */
  onEnd(): void;
}

interface Feed {
  subscribers: Set<Subscription>;
  stop: AbortController;
}

interface Subscription {
  subscriber: EventSubscriber;
  /** Live events that arrived while the subscriber was catching up. */
  pending: LoggedEvent[] | null;
  /** The last event id it was given. */
  delivered: string;
  ended: boolean;
}

/**
 * One reader of a campaign's event log per server process, whatever the number of clients: each
 * campaign being watched has one blocking reader (on its own Redis connection) whose batches
 * fan out to every subscriber. A subscriber that resumes (an SSE client's Last-Event-ID) first
 * catches up with plain, non-blocking reads, then joins the live feed without gaps or repeats.
 */
export class CampaignEventHub {
  private readonly feeds = new Map<string, Feed>();
  private closed = false;

  constructor(
    private readonly store: CampaignStore,
    /** A new connection for one feed's blocking reads. */
    private readonly connect: () => RedisClient,
  ) {}

  /** Subscribers over all campaigns (for /metrics and tests). */
  get subscriberCount(): number {
    let n = 0;
    for (const f of this.feeds.values()) n += f.subscribers.size;
    return n;
  }

  /** Campaigns with a reader (one blocking connection each). */
  get readerCount(): number {
    return this.feeds.size;
  }

  /** Starts delivering a campaign's events after `after` (default: from the first); returns the unsubscribe. */
  async subscribe(
    id: string,
    after: string | undefined,
    subscriber: EventSubscriber,
  ): Promise<() => void> {
    const sub: Subscription = { subscriber, pending: [], delivered: after ?? '0', ended: false };
    const feed = this.feedFor(id);
    feed.subscribers.add(sub);
    const unsubscribe = () => this.leave(id, sub);
    try {
      // Catch up from where the subscriber is, while the feed buffers what arrives meanwhile.
      for (;;) {
        const page = await this.store.readEvents(id, sub.delivered, { count: 1000 });
        if (page.length === 0) break;
        this.deliver(sub, page);
      }
      const buffered = sub.pending ?? [];
      sub.pending = null;
      this.deliver(sub, buffered);
      // A campaign that has ended has nothing live to wait for.
      const campaign = await this.store.getCampaign(id);
      if (!campaign || FINISHED_CAMPAIGN.includes(campaign.status)) this.end(sub);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [id, feed] of this.feeds) {
      feed.stop.abort();
      for (const sub of feed.subscribers) this.end(sub);
      this.feeds.delete(id);
    }
  }

  private deliver(sub: Subscription, events: LoggedEvent[]): void {
    const fresh = events.filter((e) => streamIdAfter(e.id, sub.delivered));
    if (fresh.length === 0 || sub.ended) return;
    sub.delivered = fresh.at(-1)!.id;
    sub.subscriber.onEvents(fresh);
  }

  private end(sub: Subscription): void {
    if (sub.ended) return;
    sub.ended = true;
    sub.subscriber.onEnd();
  }

  private leave(id: string, sub: Subscription): void {
    const feed = this.feeds.get(id);
    if (!feed) return;
    feed.subscribers.delete(sub);
    if (feed.subscribers.size === 0) {
      feed.stop.abort();
      this.feeds.delete(id);
    }
  }

  private feedFor(id: string): Feed {
    const existing = this.feeds.get(id);
    if (existing) return existing;
    const feed: Feed = { subscribers: new Set(), stop: new AbortController() };
    this.feeds.set(id, feed);
    void this.run(id, feed);
    return feed;
  }

  /** The feed's one reader: from the log's end when it starts, until the campaign ends or nobody listens. */
  private async run(id: string, feed: Feed): Promise<void> {
    const blocking = this.connect();
    try {
      const last = await this.store.lastEventId(id);
      for await (const events of followEvents(this.store, id, {
        follow: true,
        blocking,
        after: last ?? '0',
        signal: feed.stop.signal,
      })) {
        for (const sub of feed.subscribers) {
          if (sub.pending) sub.pending.push(...events);
          else this.deliver(sub, events);
        }
      }
      // The campaign ended: subscribers still catching up end once they have caught up.
      for (const sub of feed.subscribers) if (!sub.pending) this.end(sub);
    } catch {
      // Redis went away or the campaign vanished: subscribers end; a client reconnects with its
      // Last-Event-ID and catches up from there.
      for (const sub of feed.subscribers) this.end(sub);
    } finally {
      if (this.feeds.get(id) === feed) this.feeds.delete(id);
      blocking.disconnect();
      if (this.closed) feed.subscribers.clear();
    }
  }
}
