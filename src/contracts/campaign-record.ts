// A campaign's record in Redis: its request, status, best trial and the ensemble it chose.
import { z } from 'zod';
import { CampaignRequestSchema } from './campaign-request.ts';
import { DirectionSchema } from '../maths/direction.ts';

export const CAMPAIGN_STATUSES = [
  'queued',
  'running',
  'cancelling',
  'cancelled',
  'completed',
  'failed',
] as const;
export const CampaignStatusSchema = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;

export const FINISHED_CAMPAIGN: readonly CampaignStatus[] = ['cancelled', 'completed', 'failed'];

/**
 * What a campaign id may look like (newCampaignId's form): it names a directory and BullMQ job
 * ids, so nothing that could climb out of a directory or split a key.
 */
export const CAMPAIGN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,127}$/;

// Redis content is data, never the operator's word: every record and job is checked on the way
// in with these schemas, bounds included, as the command line checks what a person types. Each
// type below is its schema's: the two cannot drift apart.
export const CampaignIdSchema = z
  .string()
  .regex(CAMPAIGN_ID_PATTERN, 'a campaign id is lower-case letters, digits and dashes');
export const ConfigSchema = z.record(
  z.string().max(200),
  z.union([z.string().max(1000), z.number(), z.boolean()]),
);
export const TrialNumberSchema = z.number().int().min(1).max(10_000_000);
export const SeedSchema = z.number().int().min(0);

/** The campaign's best trial as its record keeps it (and as a finished trial offers itself). */
export const BestTrialSchema = z.object({
  trial: TrialNumberSchema,
  value: z.number(),
  config: ConfigSchema,
  seed: SeedSchema.optional(),
});
export type BestTrial = z.infer<typeof BestTrialSchema>;

/** One configuration in the final ensemble: a search trial's, with its share of the average. */
export const EnsembleMemberSchema = z.strictObject({
  trial: TrialNumberSchema,
  config: ConfigSchema,
  seed: SeedSchema.optional(),
  weight: z.number().min(0).max(1),
});
export type EnsembleMember = z.infer<typeof EnsembleMemberSchema>;

/**
 * The ensemble a campaign selected over its trials' predictions (Caruana's ensemble selection),
 * what it scored, and whether it is the final model.
 */
export const EnsemblePlanSchema = z.object({
  members: z.array(EnsembleMemberSchema).max(200),
  /** Whether the final model is this ensemble (else the campaign's single pick). */
  ships: z.boolean(),
  /** Its score on the predictions it was selected on (optimistic), and the single best's there. */
  selected: z.object({
    value: z.number(),
    bestSingle: z.object({ trial: TrialNumberSchema, value: z.number() }),
  }),
  /**
   * Cross-validated campaigns that re-evaluated their best: the ensemble's mean on the fresh
   * folds, with the same weights, against the default's and the single pick's on the same folds.
   */
  fresh: z
    .object({
      value: z.number(),
      defaultValue: z.number(),
      pickValue: z.number(),
      pickTrial: TrialNumberSchema,
      gain: z.number(),
      pValue: z.number(),
      lowerBound: z.number(),
    })
    .optional(),
  /** In words: what shipped and what the evidence allows one to say. */
  verdict: z.string(),
});
export type EnsemblePlan = z.infer<typeof EnsemblePlanSchema>;

export const STOP_REASONS = [
  'time-limit',
  'llm-budget',
  'trials-failing',
  'llm-unavailable',
] as const;

export const CampaignRecordSchema = z.object({
  id: CampaignIdSchema,
  request: CampaignRequestSchema,
  /** The task's name and metric, for listings that should not load the task. */
  taskName: z.string().max(200),
  metric: z.object({ name: z.string().max(50), direction: DirectionSchema }),
  status: CampaignStatusSchema,
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  best: BestTrialSchema.optional(),
  /**
   * Set when a budget ran out (wall clock, LLM tokens or cost), when the first trials all
   * failed (a broken task or data, not a bad configuration), or when the LLM did not answer a
   * campaign that requires it (llmRequired): running trials stop between epochs.
   */
  stopReason: z.enum(STOP_REASONS).optional(),
  error: z.string().optional(),
  reportDir: z.string().optional(),
  /** The ensemble the campaign considered for its final model (see campaign-ensemble.ts). */
  ensemble: EnsemblePlanSchema.optional(),
});
export type CampaignRecord = z.infer<typeof CampaignRecordSchema>;
