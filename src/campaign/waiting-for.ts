import type { RedisClient } from '../queue/redis-connection.ts';
import { FINISHED_CAMPAIGN, type CampaignRecord } from '../contracts/campaign-record.ts';
import type { LgtQueues } from '../queue/lgt-queues.ts';
import { liveWorkers, type LiveWorker } from '../queue/worker-registry.ts';
import { flagToRun, refusalOf } from '../task-kinds/task-permissions.ts';
import { describeTaskSpec, type TaskSpec } from '../task-kinds/task-spec.ts';

/**
 * Whether a connected worker may run a task: by what it advertised, and yes for one that
 * advertised nothing (an lgt older than the adverts, which tries, as it did).
 */
export function mayRun(worker: LiveWorker, spec: TaskSpec): boolean {
  return !worker.advert || refusalOf(spec, worker.advert) === undefined;
}

/**
 * The connected workers that may drive a campaign of this task and run its trials, how many are
 * connected in all, and how many of those may not run it (they leave its jobs alone).
 */
export async function workersFor(
  queues: LgtQueues,
  redis: RedisClient,
  spec: TaskSpec,
): Promise<{ drivers: number; trials: number; connected: number; refusing: number }> {
  const live = await liveWorkers(queues, redis);
  const all = [...live.campaign, ...live.trials];
  return {
    drivers: live.campaign.filter((w) => mayRun(w, spec)).length,
    trials: live.trials.filter((w) => mayRun(w, spec)).length,
    connected: new Set(all.map((w) => w.name)).size,
    refusing: new Set(all.filter((w) => !mayRun(w, spec)).map((w) => w.name)).size,
  };
}

/**
 * What an unfinished campaign waits for when no worker that may run it serves a queue it needs:
 * its driver (the campaign queue) or its trials (the trials queue), as a sentence that says what
 * to start. Workers that may not run its task (a command, module or data directory their operator
 * did not allow) leave its jobs alone, so they do not count. Undefined when workers serve both,
 * and for a campaign that has ended. A queued campaign would otherwise sit "queued" with nothing
 * to say why (`lgt run --detach`).
 */
export async function waitingFor(
  queues: LgtQueues,
  redis: RedisClient,
  campaign: CampaignRecord,
): Promise<string | undefined> {
  if (FINISHED_CAMPAIGN.includes(campaign.status)) return undefined;
  const spec = campaign.request.task;
  const { drivers, trials, connected, refusing } = await workersFor(queues, redis, spec);
  if (connected === 0)
    return `no worker serves this Redis, so nothing carries the campaign on: start \`lgt worker\` with the same Redis (or \`lgt resume ${campaign.id}\`, which starts its own)`;
  const flag = flagToRun(spec);
  if (flag && (drivers === 0 || trials === 0)) {
    const where =
      drivers === 0 && trials === 0
        ? ''
        : drivers === 0
          ? ' on the campaign queue'
          : ' on the trials queue';
    return `no worker that may run ${describeTaskSpec(spec)} is connected${where} (${refusing} connected may not, and leave it alone): start one with \`lgt worker ${flag}\`${drivers === 0 && trials > 0 ? ' (all queues, or --queues campaign)' : drivers > 0 ? ' (all queues, or --queues trials)' : ''}`;
  }
  if (drivers === 0)
    return 'no worker serves the campaign queue, so no driver carries the campaign on: start `lgt worker` (all queues, or --queues campaign)';
  if (trials === 0)
    return 'no worker serves the trials queue, so its trials wait: start `lgt worker` (all queues, or --queues trials)';
  return undefined;
}
