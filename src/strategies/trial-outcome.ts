import { FINISHED_TRIAL, type TrialRecord } from '../contracts/campaign-records.ts';
import type { MetricSpec } from '../task-kinds/task.ts';

type Direction = MetricSpec['direction'];

/**
 * A metric value as a loss: lower is better whatever the metric's direction, so the samplers'
 * arithmetic is written once, for minimizing.
 */
export function lossOf(value: number, direction: Direction): number {
  return direction === 'maximize' ? -value : value;
}

/** The opposite of lossOf: higher is better (f-DPG's target is a score). */
export function scoreOf(value: number, direction: Direction): number {
  return direction === 'maximize' ? value : -value;
}

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
