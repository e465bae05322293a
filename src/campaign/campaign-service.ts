import { randomBytes } from 'node:crypto';
import { jobIds, type LgtQueues } from '../queue/lgt-queues.ts';
import type { CampaignRecord } from '../contracts/campaign-record.ts';
import {
  InvalidCampaignRequestError,
  parseCampaignRequest,
  TRADE_OFF_CORE_NAMES,
  TRADE_OFF_STRATEGY_NAMES,
  type CampaignRequest,
  type CampaignRequestInput,
  type FieldProblem,
} from '../contracts/campaign-request.ts';
import { reportedMetrics, spaceWithEpochs, type AnyTask } from '../task-kinds/task.ts';
import type { Config } from '../search-space/search-space.ts';
import { isObjectiveTask } from '../task-kinds/objective.ts';
import type { CampaignStore } from './campaign-store.ts';
import { loadTask, type LoadTaskOptions } from '../catalog/task-registry.ts';
import { gainSign } from '../maths/direction.ts';

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
    const search = request.mode === 'search';
    if (search && request.cv === undefined && task.folds && rows < CV_ROW_THRESHOLD)
      request.cv = CV_FOLDS;
  }
  checkInRun(request, task);
  checkLlmRequired(request);
  checkTradeOff(request, task);
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
 * Requiring an LLM that no agent asks would promise a check that never happens: the agents
 * speak in the lgt and hybrid strategies and in the dynamic mode only.
 */
function checkLlmRequired(request: CampaignRequest): void {
  if (!request.llmRequired) return;
  const mode = request.mode;
  const asks =
    mode === 'dynamic' ||
    (mode === 'search' && (request.strategy === 'lgt' || request.strategy === 'hybrid'));
  if (!asks)
    throw new InvalidCampaignRequestError([
      {
        field: 'llmRequired',
        message: `has nothing to require: ${mode === 'search' ? `--strategy ${request.strategy}` : `--mode ${mode}`} asks no agent; the agents speak in --strategy lgt or hybrid and in --mode dynamic`,
      },
    ]);
}

/**
 * A trade-off (objectives, constraints, a pick) is tuned by the strategies that read more than
 * one number, in search mode (the pruners judge vectors there: see create-pruner.ts); every
 * metric it names must be one the task reports, where that is known before anything runs.
 */
function checkTradeOff(request: CampaignRequest, task: AnyTask): void {
  const problems: FieldProblem[] = [];
  const named: { field: string; metric: string }[] = [
    ...(request.objectives ?? []).map((o, i) => ({
      field: `objectives.${i}.metric`,
      metric: o.metric,
    })),
    ...(request.constraints ?? []).map((c, i) => ({
      field: `constraints.${i}.metric`,
      metric: c.metric,
    })),
    ...(request.pick?.kind === 'best'
      ? [
          { field: 'pick.metric', metric: request.pick.metric },
          ...request.pick.where.map((c, i) => ({
            field: `pick.where.${i}.metric`,
            metric: c.metric,
          })),
        ]
      : []),
  ];
  if (!named.length && !request.pick) return;
  if (request.pick && !request.objectives)
    problems.push({
      field: 'pick',
      message: 'chooses among the front of several objectives: give --objective at least twice',
    });
  const tradeOff = request.objectives !== undefined || (request.constraints?.length ?? 0) > 0;
  if (tradeOff && !(TRADE_OFF_STRATEGY_NAMES as readonly string[]).includes(request.strategy))
    problems.push({
      field: 'strategy',
      message: `${request.strategy} tunes one number and would ignore the other objectives and the constraints; use one of ${TRADE_OFF_STRATEGY_NAMES.join(', ')}`,
    });
  if (
    tradeOff &&
    request.strategy === 'hybrid' &&
    !(TRADE_OFF_CORE_NAMES as readonly string[]).includes(request.core)
  )
    problems.push({
      field: 'core',
      message: `${request.core} tunes one number; a trade-off's hybrid needs one of ${TRADE_OFF_CORE_NAMES.join(', ')} in control`,
    });
  if (tradeOff && request.mode !== 'search')
    problems.push({ field: 'mode', message: 'must be search to tune a trade-off' });
  const seen = new Set<string>();
  request.objectives?.forEach((o, i) => {
    if (seen.has(o.metric))
      problems.push({ field: `objectives.${i}.metric`, message: `repeats ${o.metric}` });
    seen.add(o.metric);
  });
  const known = reportedMetrics(task);
  if (known)
    for (const { field, metric } of named)
      if (!known.includes(metric))
        problems.push({
          field,
          message: `names ${metric}, which ${task.name} does not report; it reports ${known.join(', ')}`,
        });
  if (problems.length) throw new InvalidCampaignRequestError(problems);
}

/**
 * The in-run modes need a model whose state can be checkpointed, and start configurations that
 * fit the task; a pruner or folds have no place in them. Each problem is named by its field.
 */
function checkInRun(request: CampaignRequest, task: AnyTask): void {
  const mode = request.mode;
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
  const sign = gainSign(campaign.metric.direction);
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
