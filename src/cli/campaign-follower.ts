import type { Redis } from 'ioredis';
import { FINISHED_CAMPAIGN, type CampaignRecord } from '../campaign/campaign-records.ts';
import type { LoggedEvent } from '../campaign/campaign-events.ts';
import type { CampaignStore } from '../campaign/campaign-store.ts';
import { formatEvent } from './event-format.ts';
import { formatNumber } from '../format/format-number.ts';
import { formatSeconds, StatusLine } from './terminal.ts';

export interface FollowOptions {
  /** Print the events already logged too (else only new ones). */
  fromStart: boolean;
  /** Keep following until the campaign ends (else print what is there and return). */
  follow: boolean;
  /** JSON lines instead of text. */
  json?: boolean;
  /** Print every epoch event (a lot). */
  epochs?: boolean;
  /** A status line on the terminal: trials done, best so far, running trials' epochs. */
  statusLine?: boolean;
  signal?: AbortSignal;
}

/**
 * Prints a campaign's event log as it grows (the `lgt logs` and `lgt run` view) and returns the
 * campaign record once it has ended (or at once, without `follow`).
 */
export async function followCampaign(
  store: CampaignStore,
  blocking: Redis,
  id: string,
  opts: FollowOptions,
): Promise<CampaignRecord> {
  let campaign = await store.requireCampaign(id);
  const metric = campaign.metric.name;
  const status = new StatusLine(process.stderr);
  const progress = new ProgressTracker(campaign);
  let after = opts.fromStart ? '0' : '$';
  if (!opts.fromStart) {
    // '$' would miss what happens before the first read: start from the current last id.
    const last = await lastEventId(store, id);
    after = last ?? '0';
  }
  const started = Date.now();
  for (;;) {
    if (opts.signal?.aborted) return campaign;
    const events = await store.readEvents(id, after, {
      count: 500,
      ...(opts.follow ? { blockMs: 1000, client: blocking } : {}),
    });
    for (const e of events) {
      progress.add(e);
      if (opts.json) {
        status.clear();
        process.stdout.write(`${JSON.stringify(e)}\n`);
        continue;
      }
      const line = formatEvent(e, metric, opts.epochs ? { epochs: true } : {});
      if (line !== null) status.log(line, process.stdout);
    }
    if (events.length > 0) after = events.at(-1)!.id;
    if (opts.statusLine) status.update(progress.summary(Date.now() - started));
    if (!opts.follow && events.length === 0) return store.requireCampaign(id);
    if (events.some((e) => e.type === 'campaign.finished' || e.type === 'campaign.failed')) break;
    if (events.length === 0) {
      campaign = await store.requireCampaign(id);
      if (FINISHED_CAMPAIGN.includes(campaign.status)) break;
    }
  }
  status.clear();
  return store.requireCampaign(id);
}

async function lastEventId(store: CampaignStore, id: string): Promise<string | null> {
  let after = '0';
  let last: string | null = null;
  for (;;) {
    const batch = await store.readEvents(id, after, { count: 1000 });
    if (batch.length === 0) return last;
    last = batch.at(-1)!.id;
    after = last;
  }
}

/** What the status line shows, kept up to date from the events. */
class ProgressTracker {
  private finished = 0;
  private best: { trial: number; value: number } | null;
  private readonly running = new Map<number, string>();

  constructor(private readonly campaign: CampaignRecord) {
    this.best = campaign.best ? { trial: campaign.best.trial, value: campaign.best.value } : null;
  }

  add(e: LoggedEvent): void {
    switch (e.type) {
      case 'trial.started':
        this.running.set(e.trial, 'starting');
        break;
      case 'trial.epoch':
        this.running.set(e.trial, `epoch ${e.epoch}/${e.epochs}`);
        break;
      case 'trial.finished':
      case 'trial.pruned':
      case 'trial.cancelled':
        this.finished++;
        this.running.delete(e.trial);
        break;
      case 'trial.failed':
        if (e.final) {
          this.finished++;
          this.running.delete(e.trial);
        }
        break;
      case 'best.improved':
        this.best = { trial: e.trial, value: e.value };
        break;
    }
  }

  summary(elapsedMs: number): string {
    const parts = [`${this.finished}/${this.campaign.request.maxTrials} trials done`];
    if (this.best)
      parts.push(
        `best ${this.campaign.metric.name} ${formatNumber(this.best.value)} (#${this.best.trial})`,
      );
    const running = [...this.running.entries()].map(([n, what]) => `#${n} ${what}`);
    if (running.length) parts.push(`running ${running.join(', ')}`);
    parts.push(formatSeconds(elapsedMs / 1000));
    return parts.join(' · ');
  }
}
