import type { EpochRecord } from '../trainer/trainer.ts';
import type { EpochHook } from './epoch-hooks.ts';
import type { OwnedTrial } from './owned-trial.ts';
import type { PeerCurves } from './peer-curves.ts';
import type { Pruner } from './pruner.ts';
import { stopRequested } from './stop-requested.ts';
import type { TrialStore } from './trial-store.ts';

/** Epoch events are written at most this often (and at a trial's last epoch). */
const EPOCH_EVENT_EVERY_MS = 500;

/** Where and why a trial was pruned, as its event says. */
export interface PrunedAt {
  epoch: number;
  value: number;
  median: number;
  reason?: string;
}

/**
 * What a running attempt does between epochs, one concern per hook (epoch-hooks.ts), and what
 * they saw: the curve, whether the attempt lost its trial (superseded), whether it was pruned.
 * With cross-validation the first fold is the trial's visible run (its curve, events and
 * pruning); the others only report progress and stop on request.
 */
export class AttemptHooks {
  readonly curve: EpochRecord[] = [];
  superseded = false;
  pruned: PrunedAt | null = null;
  private lastEvent = 0;

  constructor(
    private readonly store: TrialStore,
    private readonly attempt: OwnedTrial,
    private readonly folds: number,
    private readonly abort: AbortController,
    private readonly pruning: { pruner: Pruner; peers: PeerCurves } | null,
  ) {}

  /** Keeps the epoch in the trial's curve; an attempt that no longer holds the trial stops. */
  readonly keepCurve: EpochHook = async (record) => {
    this.curve.push(record);
    const { campaignId, trial, attemptToken } = this.attempt;
    if (!(await this.store.appendEpoch(campaignId, trial, attemptToken, record))) {
      this.superseded = true;
      return 'stop';
    }
  };

  /**
   * What `lgt status` shows of a running trial: its planned epochs (the step budget may cut the
   * configuration's) and, with folds, which fold it is on. Written once per fold, and that write
   * doubles as the check that this attempt still holds the trial.
   */
  sayProgress(fold: number): EpochHook {
    return async (record, planned) => {
      if (record.epoch !== 1) return;
      const shown = await this.attempt.transition(['running'], 'running', {
        progress: {
          ...(planned > 0 ? { plannedEpochs: planned } : {}),
          ...(this.folds > 1 ? { fold: fold + 1, folds: this.folds } : {}),
        },
      });
      if (!shown) {
        this.superseded = true;
        return 'stop';
      }
    };
  }

  /** Tells the log how the trial goes, at most every EPOCH_EVENT_EVERY_MS and at its end. */
  readonly tellLog: EpochHook = async (record, planned) => {
    if (Date.now() - this.lastEvent <= EPOCH_EVENT_EVERY_MS && record.epoch !== planned) return;
    this.lastEvent = Date.now();
    await this.store.appendEvent(this.attempt.campaignId, {
      type: 'trial.epoch',
      trial: this.attempt.trial,
      epoch: record.epoch,
      epochs: planned,
      loss: record.loss,
      validationMetric: record.validationMetric,
    });
  };

  /**
   * A cancel or a stop reaches a trial between epochs, in every fold: it aborts the run, which
   * the trainer ends as aborted (not pruned), so no pruning after it.
   */
  readonly stopOnRequest: EpochHook = async () => {
    const now = await this.store.getCampaign(this.attempt.campaignId);
    if (now && stopRequested(now)) this.abort.abort();
  };

  /** Asks the pruner, against the peers' curves; the last epoch is not pruned. */
  readonly prune: EpochHook = async (record, planned) => {
    // 0 planned: an objective that did not say how many.
    if (!this.pruning || this.abort.signal.aborted || (planned > 0 && record.epoch >= planned))
      return;
    const decision = this.pruning.pruner.decide(this.curve, await this.pruning.peers.get());
    if (!decision.prune) return;
    this.pruned = {
      epoch: record.epoch,
      value: decision.value,
      median: decision.median!,
      ...(decision.reason ? { reason: decision.reason } : {}),
    };
    return 'stop';
  };
}
