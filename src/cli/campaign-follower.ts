import type { Redis } from 'ioredis';
import { CampaignProgress, followEvents } from '../campaign/campaign-progress.ts';
import type { CampaignRecord } from '../contracts/campaign-records.ts';
import type { CampaignStore } from '../campaign/campaign-store.ts';
import { formatEvent } from './event-format.ts';
import { formatNumber } from '../format/format-number.ts';
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
  blocking: Redis,
  id: string,
  opts: FollowOptions,
): Promise<CampaignRecord> {
  const campaign = await store.requireCampaign(id);
  const metric = campaign.metric.name;
  const status = new StatusLine(process.stderr);
  const progress = new CampaignProgress(campaign);
  const started = Date.now();
  // The whole log, from its first event: what `lgt logs` and `lgt run` show.
  for await (const events of followEvents(store, id, {
    follow: opts.follow,
    blocking,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })) {
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
    if (opts.statusLine) status.update(statusText(progress, Date.now() - started));
  }
  status.clear();
  return opts.signal?.aborted ? campaign : store.requireCampaign(id);
}

/** The status line: trials done, the best so far, the running trials' epochs, the time. */
function statusText(progress: CampaignProgress, elapsedMs: number): string {
  const { campaign } = progress;
  const parts = [`${progress.finished}/${campaign.request.maxTrials} trials done`];
  if (progress.best)
    parts.push(
      `best ${campaign.metric.name} ${formatNumber(progress.best.value)} (#${progress.best.trial})`,
    );
  const running = progress.running.map(
    (r) => `#${r.trial} ${r.phase === 'starting' ? 'starting' : `epoch ${r.epoch}/${r.epochs}`}`,
  );
  if (running.length) parts.push(`running ${running.join(', ')}`);
  parts.push(formatSeconds(elapsedMs / 1000));
  return parts.join(' · ');
}
