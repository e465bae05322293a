import { FINISHED_CAMPAIGN, type CampaignRecord } from '../contracts/campaign-records.ts';
import type { LgtQueues } from '../queue/lgt-queues.ts';

/**
 * What an unfinished campaign waits for when no worker serves a queue it needs: its driver
 * (the campaign queue) or its trials (the trials queue), as a sentence that says what to start.
 * Undefined when workers serve both, and for a campaign that has ended. A queued campaign with
 * no worker would otherwise sit "queued" with nothing to say why (`lgt run --detach`).
 */
export async function waitingFor(
  queues: LgtQueues,
  campaign: CampaignRecord,
): Promise<string | undefined> {
  if (FINISHED_CAMPAIGN.includes(campaign.status)) return undefined;
  const [drivers, trials] = await Promise.all([
    queues.campaign.getWorkersCount(),
    queues.trials.getWorkersCount(),
  ]);
  if (drivers === 0 && trials === 0)
    return `no worker serves this Redis, so nothing carries the campaign on: start \`lgt worker\` with the same Redis (or \`lgt resume ${campaign.id}\`, which starts its own)`;
  if (drivers === 0)
    return 'no worker serves the campaign queue, so no driver carries the campaign on: start `lgt worker` (all queues, or --queues campaign)';
  if (trials === 0)
    return 'no worker serves the trials queue, so its trials wait: start `lgt worker` (all queues, or --queues trials)';
  return undefined;
}
