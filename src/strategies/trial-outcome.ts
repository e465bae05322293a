import { FINISHED_TRIAL, type TrialRecord } from '../contracts/trial-record.ts';
import { lossOf, type Direction } from '../maths/direction.ts';

/**
 * What a trial says to a strategy that waits for whole generations (CMA-ES, ZO): pending until
 * it finishes; then its loss, or null when it failed or was cancelled (no value to learn from;
 * each strategy decides what a failure counts as).
 */
export type TrialOutcome = { kind: 'pending' } | { kind: 'finished'; loss: number | null };

export function trialOutcome(trial: TrialRecord, direction: Direction): TrialOutcome {
  if (!FINISHED_TRIAL.includes(trial.state)) return { kind: 'pending' };
  if (trial.state === 'failed' || trial.state === 'cancelled' || typeof trial.value !== 'number')
    return { kind: 'finished', loss: null };
  return { kind: 'finished', loss: lossOf(trial.value, direction) };
}
