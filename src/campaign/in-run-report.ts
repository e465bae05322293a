import type { LoggedEvent } from '../contracts/campaign-events.ts';
import type { CampaignRecord } from '../contracts/campaign-record.ts';
import type { InRunReport, RunChange } from '../contracts/campaign-report.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { describeChange } from '../strategies/in-run-params.ts';
import type { EpochRecord } from '../trainer/trainer.ts';
import { epochsTrained } from '../trials/epoch-budget.ts';

/** The stretches from the first to `last`, following each one's parent. */
export function runOf(last: number, trials: readonly TrialRecord[]): TrialRecord[] {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const chain: TrialRecord[] = [];
  for (
    let t = byNumber.get(last);
    t;
    t = t.segment?.from === undefined ? undefined : byNumber.get(t.segment.from)
  )
    chain.unshift(t);
  return chain;
}

/** Null for a campaign in search mode. */
export function inRunReport(
  campaign: CampaignRecord,
  trials: readonly TrialRecord[],
  curves: ReadonlyMap<number, EpochRecord[]>,
  events: readonly LoggedEvent[],
): InRunReport | null {
  const mode = campaign.request.mode;
  if (mode !== 'dynamic' && mode !== 'pbt') return null;
  const chain = campaign.best ? runOf(campaign.best.trial, trials) : [];
  const changes: RunChange[] = [];
  for (let k = 1; k < chain.length; k++) {
    const before = chain[k - 1]!;
    const t = chain[k]!;
    const change = describeChange(before.config, t.config);
    if (change !== 'no change')
      changes.push({ epoch: before.segment!.until, trial: t.number, change, reason: t.reason });
  }
  const decisions = events.filter(
    (e): e is Extract<LoggedEvent, { type: 'inrun.decision' }> => e.type === 'inrun.decision',
  );
  return {
    mode,
    stretches: chain.map((t) => t.number),
    curve: chain.flatMap((t) => curves.get(t.number) ?? []),
    changes,
    cost: {
      epochs: epochsTrained(trials),
      runEpochs: chain.reduce((s, t) => s + (t.epochsRun ?? 0), 0),
      trials: trials.length,
      llmCalls: decisions.reduce((s, e) => s + e.llmCalls, 0),
      tokens: decisions.reduce((s, e) => s + e.tokens, 0),
    },
    decisions: {
      accepted: decisions.filter((e) => e.verdict === 'accepted').length,
      rejected: decisions.filter((e) => e.verdict === 'rejected').length,
    },
  };
}
