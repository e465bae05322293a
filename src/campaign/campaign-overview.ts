import type {
  CampaignList,
  CampaignOverview,
  RunningTrialView,
  TrialCounts,
} from '../contracts/campaign-overview.ts';
import { AutoStateSchema, hybridShareOf, samplerRunsOf } from '../contracts/campaign-report.ts';
import { type CampaignRecord } from '../contracts/campaign-record.ts';
import { type TrialRecord, type TrialSummary } from '../contracts/trial-record.ts';
import type { CampaignRequest } from '../contracts/campaign-request.ts';
import type { EpochRecord } from '../trainer/trainer.ts';
import type { CampaignStore } from './campaign-store.ts';
import { ObjectiveSet } from '../trade-offs/objective-set.ts';
import { tradeOffReport } from '../trade-offs/trade-off-report.ts';

/**
 * One campaign as a person looks at it, built in one place so that `lgt status`, the API and the
 * dashboard show the same numbers: trials by state, budgets used, the running trials' epochs.
 */
export async function campaignOverview(
  store: CampaignStore,
  id: string,
  now = Date.now(),
): Promise<CampaignOverview> {
  // The log's position first: whatever happens while the rest is read comes after it.
  const lastEventId = await store.lastEventId(id);
  const campaign = await store.requireCampaign(id);
  // The tally the trial writes keep: no trial is read but the running ones.
  return overviewOf(store, campaign, await store.trialTally(id), lastEventId, now);
}

/**
 * The overview and every trial's summary (the dashboard's first look): from the tally and the
 * summaries the trial writes keep.
 */
export async function campaignOverviewWithTrials(
  store: CampaignStore,
  id: string,
  now = Date.now(),
): Promise<{ overview: CampaignOverview; trials: TrialSummary[] }> {
  // The log's position first: whatever happens while the rest is read comes after it.
  const lastEventId = await store.lastEventId(id);
  const campaign = await store.requireCampaign(id);
  const tally = await store.trialTally(id);
  const trials = await store.listTrialSummaries(id);
  return { overview: await overviewOf(store, campaign, tally, lastEventId, now), trials };
}

async function overviewOf(
  store: CampaignStore,
  campaign: CampaignRecord,
  trials: { counts: TrialCounts; running: TrialRecord[]; epochsRun: number },
  lastEventId: string | null,
  now: number,
): Promise<CampaignOverview> {
  const { counts, running } = trials;
  const objectives = ObjectiveSet.of(campaign.request, campaign.metric);
  const [curves, llm, auto, summaries, all] = await Promise.all([
    store.getCurves(
      campaign.id,
      running.map((t) => t.number),
    ),
    store.getLlmUsage(campaign.id),
    campaign.request.strategy === 'auto'
      ? store.getState(campaign.id, 'auto', AutoStateSchema)
      : null,
    // Who proposed each trial, for a hybrid's realized share (the summaries: a tenth of the records).
    campaign.request.strategy === 'hybrid' ? store.listTrialSummaries(campaign.id) : [],
    // A front needs every trial's objectives: read whole, for trade-off campaigns only.
    objectives.isTradeOff ? store.listTrials(campaign.id) : null,
  ]);
  const samplers = samplerRunsOf(auto);
  const hybrid = hybridShareOf(campaign.request, summaries);
  const r = campaign.request;
  return {
    campaign,
    counts,
    budget: {
      trials: { finished: finishedCount(counts), max: trialBudget(r) },
      epochs: {
        trained: trials.epochsRun,
        limit: r.maxEpochs ?? null,
      },
      seconds: {
        elapsed: campaign.startedAt
          ? ((campaign.finishedAt ?? now) - campaign.startedAt) / 1000
          : 0,
        limit: r.timeLimitSeconds ?? null,
      },
      llm: {
        ...llm,
        tokenLimit: r.llmBudget?.tokens ?? null,
        costLimit: r.llmBudget?.costUsd ?? null,
      },
    },
    running: running.map((t) => runningTrialView(t, curves.get(t.number) ?? [], r)),
    lastEventId,
    ...(samplers ? { samplers } : {}),
    ...(hybrid ? { hybrid } : {}),
    ...(all ? { tradeOff: tradeOffReport(objectives, campaign.request, all) } : {}),
  };
}

/**
 * The most recent campaigns with their trials by state (`lgt list`, the dashboard's list), and
 * the index entries skipped as invalid.
 */
export async function listCampaignOverviews(
  store: CampaignStore,
  limit = 50,
): Promise<CampaignList> {
  const { campaigns, invalid } = await store.scanCampaigns(limit);
  const items = await Promise.all(
    campaigns.map(async (campaign) => ({
      campaign,
      counts: await store.trialCounts(campaign.id),
    })),
  );
  return { campaigns: items, invalid };
}

function finishedCount(counts: TrialCounts): number {
  return counts.completed + counts.pruned + counts.failed + counts.cancelled;
}

/**
 * A running trial's planned epochs: what its worker said when it began (the step budget may cut
 * the configuration's), else the campaign's --epochs or the configuration's own.
 */
function plannedEpochs(t: TrialRecord, request: CampaignRequest): number | null {
  const planned = t.progress?.plannedEpochs ?? request.epochs ?? t.config['epochs'];
  return typeof planned === 'number' ? planned : null;
}

export function runningTrialView(
  t: TrialRecord,
  curve: readonly EpochRecord[],
  request: CampaignRequest,
): RunningTrialView {
  return {
    trial: t.number,
    worker: t.worker ?? null,
    // A stretch of an in-run mode counts the run's epochs: it trains epochs 401..800, say.
    epoch: curve.at(-1)?.epoch ?? 0,
    plannedEpochs: t.segment ? t.segment.until : plannedEpochs(t, request),
    ...(t.progress?.folds !== undefined && t.progress.fold !== undefined
      ? { fold: t.progress.fold, folds: t.progress.folds }
      : {}),
    lastValue: curve.at(-1)?.validationMetric ?? null,
  };
}

/** Finished trials over the budget, e.g. "12/20" ("12" in the in-run modes). */
export function trialProgress(campaign: CampaignRecord, counts: TrialCounts): string {
  const max = trialBudget(campaign.request);
  return `${finishedCount(counts)}${max === null ? '' : `/${max}`}`;
}

/** The trial budget; none in the in-run modes (the run's epochs set their stretches). */
function trialBudget(request: CampaignRequest): number | null {
  return request.mode === 'search' ? request.maxTrials : null;
}
