import type { TrialRecord } from '../contracts/trial-record.ts';
import { jobIds, type LgtQueues } from '../queue/lgt-queues.ts';
import type { CampaignStore } from './campaign-store.ts';

/** Waiting trials dropped at once on a cancellation (their jobs removed in parallel). */
const DROP_BATCH = 200;

/**
 * Cancels a campaign's trials that have not started, in parallel batches (thousands of waiting
 * trials go in seconds): each one's job is removed unless a worker has just taken it, and the
 * trial is cancelled, with its event. Running trials stop between epochs by themselves. Used by
 * the driver that carries out a cancel, and by a cancel that no driver will ever see.
 */
export async function dropWaitingTrials(
  store: CampaignStore,
  queues: LgtQueues,
  campaignId: string,
  trials: readonly TrialRecord[],
): Promise<void> {
  const waiting = trials.filter((t) => t.state === 'queued' || t.state === 'proposed');
  for (let i = 0; i < waiting.length; i += DROP_BATCH) {
    await Promise.all(
      waiting.slice(i, i + DROP_BATCH).map((t) => dropWaiting(store, queues, campaignId, t)),
    );
  }
}

async function dropWaiting(
  store: CampaignStore,
  queues: LgtQueues,
  campaignId: string,
  t: TrialRecord,
): Promise<void> {
  const job = await queues.trials.getJob(jobIds.trial(campaignId, t.number));
  const state = job ? await job.getState() : 'missing';
  if (state === 'active') return;
  if (job) await job.remove().catch(() => {});
  if (
    await store.transitionTrial(campaignId, t.number, ['queued', 'proposed'], 'cancelled', {
      finishedAt: Date.now(),
    })
  ) {
    await store.appendEvent(campaignId, { type: 'trial.cancelled', trial: t.number });
  }
}
