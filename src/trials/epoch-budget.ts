import { FINISHED_TRIAL, type TrialRecord } from '../contracts/trial-record.ts';

/**
 * Epochs a trial trains: its stretch in in-run modes, else its configuration's (or `pinned`,
 * the campaign's --epochs).
 */
export function plannedEpochs(
  t: Pick<TrialRecord, 'config' | 'segment'>,
  pinned: number | undefined,
  byNumber: ReadonlyMap<number, Pick<TrialRecord, 'segment'>>,
): number {
  if (t.segment) {
    const from = t.segment.from === undefined ? undefined : byNumber.get(t.segment.from);
    return t.segment.until - (from?.segment?.until ?? 0);
  }
  return pinned ?? Number(t.config['epochs'] ?? 0);
}

/**
 * Epochs spent and promised: what finished trials trained (rejected branches and pruned trials
 * included), and what the others will train. The epoch budget is checked against this before
 * each proposal, so a campaign never starts what it cannot pay for.
 */
export function epochsCommitted(
  trials: readonly TrialRecord[],
  pinned: number | undefined,
): number {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  let sum = 0;
  for (const t of trials) {
    if (FINISHED_TRIAL.includes(t.state)) sum += t.epochsRun ?? 0;
    else sum += plannedEpochs(t, pinned, byNumber);
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
