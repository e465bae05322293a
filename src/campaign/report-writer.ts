import { z } from 'zod';
import { trialImportance } from '../importance/trial-importance.ts';
import { writeAtomically } from '../files/write-atomically.ts';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AnyTask } from '../task-kinds/task.ts';
import {
  AutoStateSchema,
  hybridShareOf,
  samplerRunsOf,
  type HybridShare,
  type CampaignReportHead,
  type InRunReport,
  type SamplerRun,
} from '../contracts/campaign-report.ts';
import { type CampaignRecord } from '../contracts/campaign-record.ts';
import { type TrialJobResult } from '../contracts/trial-job.ts';
import { type TrialRecord } from '../contracts/trial-record.ts';
import type { LoggedEvent } from '../contracts/campaign-events.ts';
import type { CampaignStore } from './campaign-store.ts';
import { eventPages, reportJson, trialsWithCurves } from './report-stream.ts';
import { compareWithDefault } from './default-comparison.ts';
import { writeEnsemble, writeModel } from '../trials/saved-model.ts';
import { inRunReport } from './in-run-report.ts';
import { selectionScoreName } from './score-names.ts';
import { ObjectiveSet } from '../trade-offs/objective-set.ts';
import { tradeOffReport } from '../trade-offs/trade-off-report.ts';

/**
 * Where a campaign's report goes: <outputDir>/<id> when the request's outputDir lies inside
 * `runsDir` (the runs directory of the worker writing it), else <runsDir>/<id>; without a runs
 * directory, where the request says (tests and tools that write their own reports).
 */
export function reportDirFor(campaign: CampaignRecord, runsDir?: string): string {
  const requested = path.resolve(campaign.request.outputDir);
  if (runsDir === undefined) return path.join(requested, campaign.id);
  // The request (a record in Redis) never chooses a directory outside the writer's runs
  // directory; the campaign id cannot climb out (CAMPAIGN_ID_PATTERN).
  const root = path.resolve(runsDir);
  const inside = requested === root || requested.startsWith(root + path.sep);
  return path.join(inside ? requested : root, campaign.id);
}

/**
 * Writes runs/<campaign>/ (campaign.reportDir): report.json (the campaign, every trial with its
 * configuration, curve and metrics, the final test score, the event log), trials.csv (one row
 * per trial, one column per configuration field), and model/ (the best model in TF.js's file
 * format). Returns the directory. The report's head (all but the trials) is also kept in Redis.
 *
 * Both files are written as streams, a page of trials and events at a time, each under a
 * temporary name first: a long campaign's report is never one string in memory, and a reader
 * never finds half a report.
 */
export async function writeReport(
  store: CampaignStore,
  campaign: CampaignRecord,
  task: AnyTask,
  final: TrialJobResult | null,
  finalError?: string,
): Promise<string> {
  const dir = campaign.reportDir ?? reportDirFor(campaign);
  await mkdir(dir, { recursive: true });
  // The records without their curves: what the comparison with the default reads.
  const trials = await store.listTrials(campaign.id);
  const objectives = ObjectiveSet.of(campaign.request, campaign.metric);
  const bestTrial = campaign.best
    ? trials.find((t) => t.number === campaign.best!.trial)
    : undefined;
  const head: CampaignReportHead = {
    campaign,
    task: {
      name: task.name,
      title: task.title,
      kind: task.kind,
      metric: task.metric,
      description: task.description,
    },
    best: bestTrial
      ? {
          trial: bestTrial.number,
          config: bestTrial.config,
          // The value the campaign chose by, named for what it is (see score-names.ts).
          selectedBy: {
            name: selectionScoreName(campaign.request, campaign.metric.name),
            value: campaign.best?.value ?? bestTrial.value ?? null,
            ...(bestTrial.foldValues ? { folds: bestTrial.foldValues } : {}),
          },
          validation: bestTrial.validation,
          final: final
            ? {
                validation: final.validation,
                test: final.test,
                reproduced: reproducedOf(campaign, bestTrial, final),
                seconds: final.seconds,
                backend: final.backend,
                ...(final.ensemble
                  ? {
                      members: final.ensemble.members.map((m) => ({
                        trial: m.trial,
                        ...(m.fold !== undefined ? { fold: m.fold } : {}),
                        weight: m.weight,
                        validation: m.validation,
                        ...(m.test ? { test: m.test } : {}),
                      })),
                    }
                  : {}),
              }
            : null,
          ...(campaign.ensemble ? { ensemble: campaign.ensemble } : {}),
          ...(finalError ? { finalError } : {}),
          // The best against the default (trial 1), on validation: is tuning worth it here?
          // Several objectives: the default's place against the front is in tradeOff instead.
          againstDefault: objectives.isMulti
            ? null
            : compareWithDefault(trials, campaign.metric, campaign.request, campaign.best?.trial),
        }
      : null,
    // The agents' state (lgt, hybrid): prompt versions with their rationale, rounds, feedback, lessons.
    agents: await store.getState(campaign.id, 'lgt', z.unknown()),
    // In-run modes: the result's run with its accepted changes, and the cost of it all.
    inRun: await inRunReportOf(store, campaign, trials),
    llmUsage: await store.getLlmUsage(campaign.id),
    importance: trialImportance(trials, campaign.metric.direction),
    ...withSamplers(samplerRunsOf(await store.getState(campaign.id, 'auto', AutoStateSchema))),
    ...withHybrid(hybridShareOf(campaign.request, trials)),
    ...simulatedTimeOf(trials),
    ...(objectives.isTradeOff
      ? { tradeOff: tradeOffReport(objectives, campaign.request, trials) }
      : {}),
    generatedAt: new Date().toISOString(),
  };
  await writeAtomically(
    path.join(dir, 'report.json'),
    reportJson(head, trialsWithCurves(store, campaign.id, trials), eventPages(store, campaign.id)),
  );
  await writeAtomically(
    path.join(dir, 'trials.csv'),
    trialsCsvLines(
      trials,
      task.space.params.map((p) => p.name),
    ),
  );
  if (final?.ensemble) await writeEnsemble(path.join(dir, 'model'), final.ensemble.members);
  else if (final?.model) await writeModel(path.join(dir, 'model'), final.model);
  await store.setReport(campaign.id, head);
  return dir;
}

/**
 * Whether the retrain scored exactly what the trial scored (same seed, same split): for an
 * ensemble, the best trial's own member. Null when there is nothing to reproduce: a
 * cross-validated trial's value is a fold mean, and a best outside the ensemble was not retrained.
 */
function reproducedOf(
  campaign: CampaignRecord,
  bestTrial: TrialRecord,
  final: TrialJobResult,
): boolean | null {
  if ((campaign.request.cv ?? 1) > 1 || bestTrial.foldSeed !== undefined) return null;
  if (!final.ensemble) return final.value === bestTrial.value;
  const own = final.ensemble.members.find((m) => m.trial === bestTrial.number);
  const value = own?.validation[campaign.metric.name];
  return value === undefined ? null : value === bestTrial.value;
}

/** Null in search mode; an in-run campaign's few stretches are read whole (see in-run-report.ts). */
async function inRunReportOf(
  store: CampaignStore,
  campaign: CampaignRecord,
  trials: TrialRecord[],
): Promise<InRunReport | null> {
  const mode = campaign.request.mode;
  if (mode !== 'dynamic' && mode !== 'pbt') return null;
  const curves = await store.getCurves(
    campaign.id,
    trials.map((t) => t.number),
  );
  const events: LoggedEvent[] = [];
  for await (const page of eventPages(store, campaign.id)) events.push(...page);
  return inRunReport(campaign, trials, curves, events);
}

/**
 * trials.csv line by line (each with its newline): one row per trial, configuration fields in
 * the search space's order, after the outcome.
 */
function* trialsCsvLines(trials: TrialRecord[], fieldOrder: string[]): Generator<string> {
  const present = new Set(trials.flatMap((t) => Object.keys(t.config)));
  const fields = fieldOrder.filter((f) => present.has(f));
  const header = [
    'trial',
    'state',
    'value',
    'epochs_run',
    'seconds',
    'attempts',
    'source',
    ...fields,
  ];
  const cell = (v: unknown) => {
    if (v === undefined || v === null) return '';
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  yield `${header.join(',')}\n`;
  for (const t of trials)
    yield `${[
      t.number,
      t.state,
      t.value,
      t.epochsRun,
      t.seconds?.toFixed(2),
      t.attempts,
      t.source,
      ...fields.map((f) => t.config[f]),
    ]
      .map(cell)
      .join(',')}\n`;
}

/** The simulated training time of the trials that report one (see CampaignReport.simulatedSeconds). */
function simulatedTimeOf(trials: readonly TrialRecord[]): { simulatedSeconds?: number } {
  const times = trials
    .map((t) => t.validation?.['simulated_seconds'])
    .filter((s): s is number => typeof s === 'number' && Number.isFinite(s));
  return times.length ? { simulatedSeconds: times.reduce((a, b) => a + b, 0) } : {};
}

/** `hybrid` for a hybrid campaign: the share of trials the Advisor proposed, asked and realized. */
function withHybrid(share: HybridShare | undefined): { hybrid?: HybridShare } {
  return share ? { hybrid: share } : {};
}

/** `samplers` when auto ran some (what it chose, and from which trial it handed over). */
function withSamplers(ran: SamplerRun[] | undefined): { samplers?: SamplerRun[] } {
  return ran ? { samplers: ran } : {};
}
