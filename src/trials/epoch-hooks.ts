import type { EpochDecision, EpochRecord } from '../trainer/trainer.ts';

/**
 * One concern of a running trial between two epochs: keep the curve, tell the log, stop on a
 * cancel, prune, ... (and, for an in-run mode, change the training plan). It answers 'stop' to
 * end the trial, or nothing to let the next hook speak.
 */
export type EpochHook = (
  record: EpochRecord,
  plannedEpochs: number,
) => EpochDecision | void | Promise<EpochDecision | void>;

/**
 * Hooks in order as the trainer's one onEpoch: the first that says 'stop' ends the trial and
 * the hooks after it are not asked (a superseded attempt writes nothing more, not even an event).
 */
export function epochHooks(
  ...hooks: EpochHook[]
): (record: EpochRecord, plannedEpochs: number) => Promise<EpochDecision> {
  return async (record, plannedEpochs) => {
    for (const hook of hooks) if ((await hook(record, plannedEpochs)) === 'stop') return 'stop';
    return 'continue';
  };
}
