import type { TrialRecord } from '../contracts/trial-record.ts';
import { median } from '../stats/median.ts';

/** Without --trial-timeout: this many times the campaign's median, and at least this long. */
const TYPICAL_TIMEOUT_FACTOR = 20;
const TYPICAL_TIMEOUT_MIN_S = 120;

/** How long a trial may take in all, and each of its epochs (null: no limit per epoch). */
export interface TimeLimits {
  trial: number;
  epoch: number | null;
}

/**
 * The limits for a trial when the campaign set none, from its completed trials (once 3 have
 * completed; none before): until its first epoch a trial may take 20 times their median time
 * (at least 2 minutes); after each epoch, the next must end within 20 times their median time
 * per epoch (at least 2 minutes). So a trial whose epochs keep coming, on a machine that got
 * slower, runs to its end; one stuck in an epoch, or whose epochs are twenty times the usual,
 * stops. (A fixed 20 times the median trial once ended a trial at epoch 57 of 60 on a loaded
 * machine.)
 */
export function typicalTimeLimits(trials: readonly TrialRecord[]): TimeLimits | null {
  const done = trials.filter((t) => t.state === 'completed' && typeof t.seconds === 'number');
  if (done.length < 3) return null;
  // A cross-validated trial's time covers its folds; its curve is the first fold's epochs.
  const perEpoch = done
    .filter((t) => (t.epochsRun ?? 0) > 0)
    .map((t) => t.seconds! / (t.epochsRun! * Math.max(1, t.foldValues?.length ?? 1)));
  return {
    trial: Math.max(
      TYPICAL_TIMEOUT_MIN_S,
      TYPICAL_TIMEOUT_FACTOR * median(done.map((t) => t.seconds!)),
    ),
    epoch: perEpoch.length
      ? Math.max(TYPICAL_TIMEOUT_MIN_S, TYPICAL_TIMEOUT_FACTOR * median(perEpoch))
      : null,
  };
}
