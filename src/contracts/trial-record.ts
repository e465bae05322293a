// A trial's record in Redis: its state, configuration, why it was proposed, and its outcome.
import { z } from 'zod';
import { EpochRecordSchema, StoredNumberSchema } from '../trainer/epoch-record.ts';
import { ConfigSchema, SeedSchema, TrialNumberSchema } from './campaign-record.ts';

const storedNumber = StoredNumberSchema;
/**
 * Metrics as stored: the loss, the task's metrics and an objective's own, each a number or null
 * (NaN as JSON writes it).
 */
export const MetricsSchema = z.object({ loss: storedNumber }).catchall(storedNumber.optional());
export type StoredMetrics = z.infer<typeof MetricsSchema>;

/** A trial's states, in the order a trial goes through them (one of the last four ends it). */
/**
 * proposed: written, its job maybe not yet added; queued: job added; running: a worker trains it;
 * then one of completed, pruned (stopped by the pruner), failed (every attempt failed or it
 * diverged), cancelled.
 */
export const TRIAL_STATES = [
  'proposed',
  'queued',
  'running',
  'completed',
  'pruned',
  'failed',
  'cancelled',
] as const;
export const TrialStateSchema = z.enum(TRIAL_STATES);
export type TrialState = z.infer<typeof TrialStateSchema>;

export const FINISHED_TRIAL: readonly TrialState[] = ['completed', 'pruned', 'failed', 'cancelled'];

/**
 * A trial that trains one stretch of a longer run (in-run modes): from the end state of trial
 * `from` (fresh weights when absent) up to epoch `until` of the run, its own end state kept as
 * a checkpoint (see checkpointKey). Its value is the validation metric at `until`.
 */
export const TrialSegmentSchema = z.object({
  from: TrialNumberSchema.optional(),
  until: z.number().int().min(1).max(10_000),
});
export type TrialSegment = z.infer<typeof TrialSegmentSchema>;

/** Where a segment trial's end state is kept in its campaign's artifact store. */
export function checkpointKey(trial: number): string {
  return `checkpoints/trial-${trial}.ckpt`;
}

/** The source of the default trial in a campaign's history: the control verdicts compare with. */
export const DEFAULT_SOURCE = 'default';

export const TrainStatusSchema = z.enum(['completed', 'stopped', 'aborted', 'diverged']);

export const TrialRecordSchema = z.object({
  number: TrialNumberSchema,
  state: TrialStateSchema,
  config: ConfigSchema,
  /** Why the strategy proposed it, and what the proposer expected it to do. */
  reason: z.string(),
  expectedEffect: z.string().optional(),
  source: z.string().max(200),
  /** Training seed when not the campaign's (the baseline repeat that measures noise). */
  seed: SeedSchema.optional(),
  /**
   * Cross-validation: the seed of this trial's fold assignment when not the campaign's split
   * seed (a re-evaluation on folds the search did not select on, see ConfirmingStrategy).
   */
  foldSeed: SeedSchema.optional(),
  /** What the strategy noted when it proposed this trial (see Proposal.meta). */
  meta: z.record(z.string(), z.unknown()).optional(),
  /** In-run modes: the stretch of a run this trial trains. */
  segment: TrialSegmentSchema.optional(),
  proposedAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  attempts: z.number().int().min(0),
  /** hostname:pid of the worker process that last ran it. */
  worker: z.string().max(300).optional(),
  /**
   * Names the attempt that holds the trial's job (set when it starts running): epochs and the
   * outcome are accepted only from that attempt, so one that lost its job (its lock expired
   * while Redis was away, or its process was paused) cannot write beside its successor.
   */
  attemptToken: z.string().max(100).optional(),
  /** The validation metric (null when it diverged or failed). */
  value: storedNumber.optional(),
  trainStatus: TrainStatusSchema.optional(),
  validation: MetricsSchema.optional(),
  epochsRun: z.number().int().min(0).optional(),
  seconds: z.number().optional(),
  error: z.string().optional(),
  /** It trained past the trial timeout and was stopped (state failed, value null). */
  timedOut: z.boolean().optional(),
  /** With cross-validation: the metric on each fold (`value` is their mean). */
  foldValues: z.array(z.number()).optional(),
  /** While it runs: the epochs it plans, and with cross-validation the fold it is on (1-based). */
  progress: z
    .object({
      plannedEpochs: z.number().optional(),
      fold: z.number().optional(),
      folds: z.number().optional(),
    })
    .optional(),
  /** The step budget cut the configuration's epochs from `requested` to `allowed`. */
  epochCap: z.object({ requested: z.number(), allowed: z.number() }).optional(),
});
export type TrialRecord = z.infer<typeof TrialRecordSchema>;

/**
 * What a long listing needs of each trial (the dashboard's table and chart): the numbers, not
 * the configuration or the reasons. Checked field by field like the whole record.
 */
export const TrialSummarySchema = z.object({
  number: TrialNumberSchema,
  state: TrialStateSchema,
  source: z.string().max(200),
  value: storedNumber.optional(),
  seconds: z.number().optional(),
  epochsRun: z.number().optional(),
});
export type TrialSummary = z.infer<typeof TrialSummarySchema>;

/** A trial record as it leaves lgt: the token that fences its attempt stays inside. */
export const PublicTrialRecordSchema = TrialRecordSchema.omit({ attemptToken: true });
export type PublicTrialRecord = z.infer<typeof PublicTrialRecordSchema>;

export function publicTrial(t: TrialRecord): PublicTrialRecord {
  const { attemptToken: _token, ...rest } = t;
  return rest;
}

/** A trial as reports and the API show it: its record (less the attempt's token) and its curve. */
export const ReportTrialSchema = PublicTrialRecordSchema.extend({
  curve: z.array(EpochRecordSchema),
});
export type ReportTrial = z.infer<typeof ReportTrialSchema>;
