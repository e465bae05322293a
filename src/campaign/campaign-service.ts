import { randomBytes } from 'node:crypto';
import { ExpectedFailure } from '../errors/expected-failure.ts';
import { jobIds, type LgtQueues } from '../queue/lgt-queues.ts';
import { FINISHED_CAMPAIGN, type CampaignRecord } from '../contracts/campaign-records.ts';
import {
  InvalidCampaignRequestError,
  parseCampaignRequest,
  type CampaignRequest,
  type CampaignRequestInput,
  type FieldProblem,
} from '../contracts/campaign-request.ts';
import { spaceWithEpochs, type AnyTask } from '../tasks/task.ts';
import type { Config } from '../search-space/search-space.ts';
import { isObjectiveTask } from '../tasks/objective.ts';
import type { CampaignStore } from './campaign-store.ts';
import { dropWaitingTrials } from './drop-waiting-trials.ts';
import { loadTask, type LoadTaskOptions } from '../tasks/task-registry.ts';

/**
 * A --csv campaign with fewer training and validation rows than this scores each trial on
 * CV_FOLDS cross-validation folds, unless --cv says otherwise.
 */
export const CV_ROW_THRESHOLD = 1_000;
const CV_FOLDS = 5;

/** e.g. iris-20261123-061502-3fa9: sortable, readable, and without ':' (BullMQ ids). */
export function newCampaignId(taskName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const name =
    taskName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'task';
  return `${name}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export interface PreparedCampaign {
  request: CampaignRequest;
  task: AnyTask;
}

/**
 * Checks a campaign request: its fields, that its task loads (a module only from the allowed
 * directories, see loadTask), that grid dimensions exist.
 */
export async function prepareCampaign(
  input: CampaignRequestInput,
  options: LoadTaskOptions = {},
): Promise<PreparedCampaign> {
  const request = parseCampaignRequest(input);
  const task = await loadTask(request.task, options);
  if (request.task.kind === 'csv' && !isObjectiveTask(task)) {
    // A person's own file: too few rows or a constant target is refused now, with the numbers,
    // not after a campaign of trials that score NaN.
    let data: { split?: { train: ArrayLike<number>; validation: ArrayLike<number> } };
    try {
      data = (await task.load({
        splitSeed: request.splitSeed,
        ...(request.maxTrainRows !== undefined ? { maxTrainRows: request.maxTrainRows } : {}),
      })) as typeof data;
    } catch (error) {
      throw new InvalidCampaignRequestError([
        { field: 'task.file', message: `cannot be used: ${(error as Error).message}` },
      ]);
    }
    // On small data the validation split is too small to pick the best of many configurations
    // on: unless told (--cv), each trial is scored on cross-validation folds instead.
    const rows = (data.split?.train.length ?? 0) + (data.split?.validation.length ?? 0);
    // An in-run stretch trains one run on the validation split (folds would be other runs).
    const search = (request.mode ?? 'search') === 'search';
    if (search && request.cv === undefined && task.folds && rows < CV_ROW_THRESHOLD)
      request.cv = CV_FOLDS;
  }
  checkInRun(request, task);
  if (request.gridParams) {
    const unknown = request.gridParams.filter((p) => !task.space.param(p));
    if (unknown.length) {
      throw new InvalidCampaignRequestError([
        {
          field: 'gridParams',
          message: `names unknown parameters of ${task.name}: ${unknown.join(', ')} (lgt tasks ${task.name} lists them)`,
        },
      ]);
    }
  }
  return { request, task };
}

/**
 * The in-run modes need a model whose state can be checkpointed, and start configurations that
 * fit the task; a pruner or folds have no place in them. Each problem is named by its field.
 */
function checkInRun(request: CampaignRequest, task: AnyTask): void {
  const mode = request.mode ?? 'search';
  const problems: FieldProblem[] = [];
  if (mode === 'search') {
    if (request.inRun?.starts)
      problems.push({ field: 'inRun.starts', message: 'is for --mode dynamic only' });
  } else {
    if (isObjectiveTask(task))
      problems.push({
        field: 'mode',
        message: `needs a model task whose weights lgt trains and checkpoints; ${task.name} is an objective (tune it with --mode search)`,
      });
    if (request.pruner !== 'none')
      problems.push({
        field: 'pruner',
        message: `does not apply to --mode ${mode}: each stretch is judged at its end`,
      });
    if ((request.cv ?? 1) > 1)
      problems.push({ field: 'cv', message: `does not apply to --mode ${mode}: it trains runs` });
    if (mode === 'pbt' && request.inRun?.starts)
      problems.push({ field: 'inRun.starts', message: 'is for --mode dynamic only' });
    request.inRun?.starts?.forEach((config, k) => {
      const checked = spaceWithEpochs(task, request.epochs).validate(config);
      if (!checked.ok)
        problems.push({
          field: `inRun.starts.${k}`,
          message: `does not fit ${task.name}: ${checked.errors.map((e) => e.message).join('; ')}`,
        });
    });
  }
  if (problems.length) throw new InvalidCampaignRequestError(problems);
}

/**
 * The configurations of a campaign's best K completed trials (--continue-best K): where the
 * runs of a dynamic campaign start. Said plainly when the campaign has fewer.
 */
export async function bestConfigsOf(
  store: CampaignStore,
  campaignId: string,
  k: number,
): Promise<Config[]> {
  const campaign = await store.requireCampaign(campaignId);
  const sign = campaign.metric.direction === 'maximize' ? 1 : -1;
  const done = (await store.listTrials(campaignId))
    .filter((t) => t.state === 'completed' && typeof t.value === 'number' && !t.segment)
    .sort((a, b) => sign * (b.value! - a.value!) || a.number - b.number);
  if (done.length === 0)
    throw new Error(`campaign ${campaignId} has no completed trial to carry on`);
  return done.slice(0, k).map((t) => t.config);
}

/** Writes the campaign record and adds its driver job. */
export async function createCampaign(
  store: CampaignStore,
  queues: LgtQueues,
  prepared: PreparedCampaign,
): Promise<CampaignRecord> {
  const { request, task } = prepared;
  const record: CampaignRecord = {
    id: newCampaignId(task.name),
    request,
    taskName: task.name,
    metric: task.metric,
    status: 'queued',
    createdAt: Date.now(),
  };
  await store.createCampaign(record);
  await queues.campaign.add(
    'drive',
    { campaignId: record.id },
    { jobId: jobIds.driver(record.id) },
  );
  return record;
}

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
