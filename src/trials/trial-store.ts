import type { z } from 'zod';
import type { CampaignEvent } from '../contracts/campaign-events.ts';
import type { CampaignRecord } from '../contracts/campaign-record.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import type { EpochRecord } from '../trainer/trainer.ts';

/**
 * What running a trial reads and writes of its campaign: the campaign and trial records (read,
 * and changed by compare-and-set), learning curves and the event log. The campaign layer's store
 * implements it; trial execution depends on this contract, not on the store.
 */
export interface TrialStore {
  getCampaign(id: string): Promise<CampaignRecord | null>;
  /** The campaign, or an error that says there is none. */
  requireCampaign(id: string): Promise<CampaignRecord>;
  /** Atomic read-modify-write; `change` returns null to leave the record as it is. */
  updateCampaign(
    id: string,
    change: (c: CampaignRecord) => CampaignRecord | null,
  ): Promise<CampaignRecord | null>;
  getTrial(id: string, n: number): Promise<TrialRecord | null>;
  /** The campaign's `count` latest trials (by number): a bounded read, whatever its length. */
  latestTrials(id: string, count: number): Promise<TrialRecord[]>;
  /** Atomic read-modify-write; `change` returns null to leave the record as it is. */
  updateTrial(
    id: string,
    n: number,
    change: (t: TrialRecord) => TrialRecord | null,
  ): Promise<TrialRecord | null>;
  /** Appends to a trial's curve; false when another attempt (another token) holds the trial. */
  appendEpoch(id: string, n: number, attemptToken: string, record: EpochRecord): Promise<boolean>;
  clearCurve(id: string, n: number): Promise<void>;
  getCurves(id: string, numbers: number[]): Promise<Map<number, EpochRecord[]>>;
  appendEvent(id: string, event: CampaignEvent): Promise<string>;
  /**
   * Keeps a completed trial's predictions (encodePredictions' bytes) for ensemble selection; the
   * driver keeps only the best trials' (see CampaignStore.dropPredictions).
   */
  putPredictions(id: string, n: number, bytes: Buffer): Promise<void>;
  /** A named piece of the campaign's state (the final retrain's result), or null. */
  getState<S extends z.ZodType>(id: string, name: string, schema: S): Promise<z.output<S> | null>;
  /** Atomic read-modify-write of a named piece of state; `change` returns null to leave it. */
  updateState<S extends z.ZodType>(
    id: string,
    name: string,
    schema: S,
    change: (current: z.output<S> | null) => z.output<S> | null,
  ): Promise<z.output<S> | null>;
}
