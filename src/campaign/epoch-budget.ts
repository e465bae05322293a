import { FINISHED_TRIAL, type TrialRecord } from '../contracts/campaign-records.ts';
import type { CampaignRequest } from '../contracts/campaign-request.ts';

/** Epochs a trial trains: its stretch in in-run modes, else its configuration's (or --epochs). */
export function plannedEpochs(
  t: TrialRecord,
  request: CampaignRequest,
  byNumber: ReadonlyMap<number, TrialRecord>,
): number {
  if (t.segment) {
    const from = t.segment.from === undefined ? undefined : byNumber.get(t.segment.from);
    return t.segment.until - (from?.segment?.until ?? 0);
  }
  return request.epochs ?? Number(t.config['epochs'] ?? 0);
}

/**
 * Epochs spent and promised: what finished trials trained (rejected branches and pruned trials
 * included), and what the others will train. The epoch budget is checked against this before
 * each proposal, so a campaign never starts what it cannot pay for.
 */
export function epochsCommitted(trials: readonly TrialRecord[], request: CampaignRequest): number {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  let sum = 0;
  for (const t of trials) {
    if (FINISHED_TRIAL.includes(t.state)) sum += t.epochsRun ?? 0;
    else sum += plannedEpochs(t, request, byNumber);
  }
  return sum;
}

/** Epochs trained so far by finished trials (the cost a report shows). */
export function epochsTrained(trials: readonly TrialRecord[]): number {
  return trials.reduce(
    (s, t) => s + (FINISHED_TRIAL.includes(t.state) ? (t.epochsRun ?? 0) : 0),
    0,
  );
}
