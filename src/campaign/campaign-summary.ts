import { existsSync } from 'node:fs';
import path from 'node:path';
import type { StoredMetrics } from '../contracts/trial-record.ts';
import type { CampaignRecord, EnsemblePlan } from '../contracts/campaign-record.ts';
import type { InRunReport } from '../contracts/campaign-report.ts';
import type { TrialState } from '../contracts/trial-record.ts';
import type { CampaignStore } from './campaign-store.ts';
import type { TradeOffReport } from '../contracts/trade-off.ts';

/** The end of a campaign as data: what `lgt run` prints and a service would answer. */
export interface CampaignSummary {
  campaign: CampaignRecord;
  /** Finished trials by state. */
  counts: Record<Extract<TrialState, 'completed' | 'pruned' | 'failed' | 'cancelled'>, number>;
  /** The best configuration's retrain: its validation and (the one time) test metrics. */
  final?: { validation?: StoredMetrics; test?: StoredMetrics };
  /** The best against the default, in words (see default-comparison.ts). */
  againstDefault?: string;
  /** The ensemble the campaign selected: whether it is the final model, and why (campaign-ensemble.ts). */
  ensemble?: Pick<EnsemblePlan, 'ships' | 'verdict' | 'members'> & { value: number };
  /** In-run modes: what the result's run changed, and what it all cost (see in-run-report.ts). */
  inRun?: Pick<InRunReport, 'changes' | 'cost' | 'decisions'>;
  /** A trade-off: its front, hypervolume and pick (see trade-off-report.ts). */
  tradeOff?: TradeOffReport;
  /** Surrogate benchmarks: what the trials' training would have taken (see CampaignReport). */
  simulatedSeconds?: number;
  /**
   * LLM agents only: the calls a model answered and the agent turns the rules answered in its
   * place (see llmSilence), the first one's reason naming the endpoint.
   */
  llm?: { calls: number; fallbacks: number; firstFallback?: string };
  /** Files written, only those that exist (a campaign cancelled early has fewer). */
  files: { report?: string; trialsCsv?: string; model?: string };
}

export async function summarizeCampaign(
  store: CampaignStore,
  campaign: CampaignRecord,
): Promise<CampaignSummary> {
  // The tally and the report's head: neither reads the trials of a long campaign.
  const counts = await store.trialCounts(campaign.id);
  const report = await store.getReportHead(campaign.id);
  const files: CampaignSummary['files'] = {};
  if (campaign.reportDir && existsSync(path.join(campaign.reportDir, 'report.json'))) {
    files.report = path.join(campaign.reportDir, 'report.json');
    files.trialsCsv = path.join(campaign.reportDir, 'trials.csv');
    for (const name of ['ensemble.json', 'model.json']) {
      const model = path.join(campaign.reportDir, 'model', name);
      if (!files.model && existsSync(model)) files.model = model;
    }
  }
  const final = report?.best?.final;
  const against = report?.best?.againstDefault;
  const llm = campaign.request.agents === 'llm' ? await store.getLlmUsage(campaign.id) : undefined;
  const plan = report?.best?.ensemble;
  return {
    campaign,
    counts: {
      completed: counts.completed,
      pruned: counts.pruned,
      failed: counts.failed,
      cancelled: counts.cancelled,
    },
    ...(final ? { final } : {}),
    ...(against ? { againstDefault: against.verdict } : {}),
    ...(plan
      ? {
          ensemble: {
            ships: plan.ships,
            verdict: plan.verdict,
            members: plan.members,
            value: plan.fresh?.value ?? plan.selected.value,
          },
        }
      : {}),
    ...(report?.inRun
      ? {
          inRun: {
            changes: report.inRun.changes,
            cost: report.inRun.cost,
            decisions: report.inRun.decisions,
          },
        }
      : {}),
    ...(report?.tradeOff ? { tradeOff: report.tradeOff } : {}),
    ...(report?.simulatedSeconds !== undefined
      ? { simulatedSeconds: report.simulatedSeconds }
      : {}),
    ...(llm
      ? {
          llm: {
            calls: llm.calls,
            fallbacks: llm.fallbacks,
            ...(llm.firstFallback ? { firstFallback: llm.firstFallback } : {}),
          },
        }
      : {}),
    files,
  };
}

/**
 * What a campaign of LLM agents should say about its LLM, or null when nothing: 'silent' when
 * no call was answered by a model and at least one turn fell back to the rules (a wrong
 * endpoint, a missing key: the campaign ran on the rules alone), 'partial' when some turns fell
 * back. `lgt run` exits 3 on 'silent' (see docs/agents.md).
 */
export function llmSilence(summary: CampaignSummary): 'silent' | 'partial' | null {
  const llm = summary.llm;
  if (!llm || llm.fallbacks === 0) return null;
  return llm.calls === 0 ? 'silent' : 'partial';
}

/**
 * The agent turns the rules answered for the LLM, in words (the summary, `lgt status`; the
 * dashboard says the same): "the LLM never answered: all 2 agent turns fell back to rules", or
 * "3 agent turns fell back to rules (5 answered by the LLM)".
 */
export function describeLlmFallbacks(llm: { calls: number; fallbacks: number }): string {
  return llm.calls === 0
    ? `the LLM never answered: all ${llm.fallbacks} agent turns fell back to rules`
    : `${llm.fallbacks} agent turns fell back to rules (${llm.calls} answered by the LLM)`;
}
