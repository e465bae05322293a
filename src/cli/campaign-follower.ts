import type { RedisClient } from '../queue/redis-connection.ts';
import { campaignOverview } from '../campaign/campaign-overview.ts';
import { followEvents } from '../campaign/campaign-progress.ts';
import type { CampaignOverview } from '../contracts/campaign-overview.ts';
import type { CampaignRecord } from '../contracts/campaign-record.ts';
import type { CampaignStore } from '../campaign/campaign-store.ts';
import { formatEvent } from './event-format.ts';
import { formatNumber } from '../format/display-format.js';
import { formatSeconds, StatusLine } from './terminal.ts';

export interface FollowOptions {
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
  blocking: RedisClient,
  id: string,
  opts: FollowOptions,
): Promise<CampaignRecord> {
  const campaign = await store.requireCampaign(id);
  const metric = campaign.metric.name;
  const status = new StatusLine(process.stderr);
  const started = Date.now();
  // The status line shows the overview that `lgt status`, the API and the dashboard show (the
  // same code, so the same numbers), read again at most once a second.
  const wantStatus = opts.statusLine === true && process.stderr.isTTY === true;
  let overview: CampaignOverview | null = null;
  let readAt = 0;
  // The whole log, from its first event: what `lgt logs` and `lgt run` show.
  for await (const events of followEvents(store, id, {
    follow: opts.follow,
    blocking,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })) {
    for (const e of events) {
      if (opts.json) {
        status.clear();
        process.stdout.write(`${JSON.stringify(e)}\n`);
        continue;
      }
      const line = formatEvent(e, metric, opts.epochs ? { epochs: true } : {});
      if (line !== null) status.log(line, process.stdout);
    }
    if (wantStatus) {
      if (Date.now() - readAt >= 1000) {
        overview = await campaignOverview(store, id);
        readAt = Date.now();
      }
      if (overview) status.update(statusText(overview, Date.now() - started));
    }
  }
  status.clear();
  return opts.signal?.aborted ? campaign : store.requireCampaign(id);
}

/** The status line: trials done, the best so far, the running trials' epochs, the time. */
function statusText(o: CampaignOverview, elapsedMs: number): string {
  const { campaign, budget } = o;
  const max = budget.trials.max === null ? '' : `/${budget.trials.max}`;
  const parts = [`${budget.trials.finished}${max} trials done`];
  if (campaign.best)
    parts.push(
      `best ${campaign.metric.name} ${formatNumber(campaign.best.value)} (#${campaign.best.trial})`,
    );
  const running = o.running.map(
    (r) => `#${r.trial} epoch ${r.epoch}${r.plannedEpochs !== null ? `/${r.plannedEpochs}` : ''}`,
  );
  if (running.length) parts.push(`running ${running.join(', ')}`);
  parts.push(formatSeconds(elapsedMs / 1000));
  return parts.join(' · ');
}
