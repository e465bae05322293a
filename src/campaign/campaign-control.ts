import { ExpectedFailure } from '../errors/expected-failure.ts';
import { FINISHED_CAMPAIGN, type CampaignRecord } from '../contracts/campaign-record.ts';
import { jobIds, type LgtQueues } from '../queue/lgt-queues.ts';
import type { CampaignStore } from './campaign-store.ts';
import { dropWaitingTrials } from './drop-waiting-trials.ts';

// What changes a campaign's course once it exists (cancel, fail, resume): apart from
// campaign-service.ts, which creates campaigns and so loads tasks, so that `lgt cancel` and
// `lgt resume` load no task, model or data code.

/**
 * Asks a campaign to stop: waiting trials are dropped, running ones stop between epochs. A
 * campaign no driver has started (no worker may be running) is cancelled at once, its driver
 * job removed, so it does not wait as "cancelling" for a worker to appear. So is a started one
 * when no worker serves the campaign queue (its driver died with its worker): no driver would
 * ever finish the cancel, so it ends here, without the report a driver writes.
 */
export async function cancelCampaign(
  store: CampaignStore,
  id: string,
  reason = 'cancelled by request',
  queues?: LgtQueues,
): Promise<CampaignRecord> {
  const campaign = await store.requireCampaign(id);
  const never = await store.setCampaignStatus(id, 'cancelled', ['queued'], {
    finishedAt: Date.now(),
  });
  if (never) {
    const job = await queues?.campaign.getJob(jobIds.driver(id));
    // A driver that took the job meanwhile finds the campaign cancelled and stops at once.
    await job?.remove().catch(() => {});
    await store.appendEvent(id, { type: 'campaign.cancelling', reason });
    await store.appendEvent(id, {
      type: 'campaign.finished',
      status: 'cancelled',
      best: null,
      reportDir: null,
    });
    return never;
  }
  const updated = await store.setCampaignStatus(id, 'cancelling', ['queued', 'running']);
  if (!updated) {
    throw new ExpectedFailure(
      `campaign ${id} is ${campaign.status}; only a queued or running campaign can be cancelled`,
      'not-running',
    );
  }
  await store.appendEvent(id, { type: 'campaign.cancelling', reason });
  if (queues && (await queues.campaign.getWorkersCount()) === 0)
    return closeWithoutDriver(store, queues, id);
  return updated;
}

/**
 * Ends a cancelling campaign that no driver serves (none alive, or none that may run its task):
 * its waiting trials and its driver job are dropped, and it is cancelled. A trial still running on
 * a trials-only worker sees the status between epochs and stops; a worker that starts later finds
 * the campaign ended.
 */
export async function closeWithoutDriver(
  store: CampaignStore,
  queues: LgtQueues,
  id: string,
  why = 'no worker served the campaign queue',
): Promise<CampaignRecord> {
  const job = await queues.campaign.getJob(jobIds.driver(id));
  await job?.remove().catch(() => {});
  await dropWaitingTrials(store, queues, id, await store.listTrials(id));
  const closed = await store.setCampaignStatus(id, 'cancelled', ['cancelling'], {
    finishedAt: Date.now(),
    error: `${why}, so it ended at the cancel, without a report`,
  });
  if (!closed) return store.requireCampaign(id);
  await store.appendEvent(id, {
    type: 'campaign.finished',
    status: 'cancelled',
    best: closed.best ? { trial: closed.best.trial, value: closed.best.value } : null,
    reportDir: null,
  });
  return closed;
}

/** Ends a campaign that cannot go on, with the reason in its record and its log. */
export async function failCampaign(store: CampaignStore, id: string, error: string): Promise<void> {
  const failed = await store.setCampaignStatus(id, 'failed', ['queued', 'running', 'cancelling'], {
    finishedAt: Date.now(),
    error,
  });
  if (failed) await store.appendEvent(id, { type: 'campaign.failed', error });
}

/**
 * Makes sure a campaign that has not ended is carried on: its driver job is queued again when
 * it is gone (removed, or finished while the campaign was left unfinished); a driver already
 * waiting or running is left alone. Null when the campaign has ended (nothing to resume).
 */
export async function resumeCampaign(
  store: CampaignStore,
  queues: LgtQueues,
  id: string,
): Promise<CampaignRecord | null> {
  const campaign = await store.requireCampaign(id);
  if (FINISHED_CAMPAIGN.includes(campaign.status)) return null;
  const job = await queues.campaign.getJob(jobIds.driver(id));
  const state = job ? await job.getState() : 'missing';
  if (state === 'completed' || state === 'failed') await job?.remove();
  if (state === 'completed' || state === 'failed' || state === 'missing' || state === 'unknown') {
    await queues.campaign.add('drive', { campaignId: id }, { jobId: jobIds.driver(id) });
  }
  return campaign;
}
