// What a trial's job carries to a worker, and what the worker returns.
import { z } from 'zod';
import { EpochRecordSchema, StoredNumberSchema } from '../trainer/epoch-record.ts';
import {
  CampaignIdSchema,
  ConfigSchema,
  EnsembleMemberSchema,
  SeedSchema,
  TrialNumberSchema,
  type BestTrial,
  type EnsemblePlan,
} from './campaign-record.ts';
import {
  MetricsSchema,
  TrainStatusSchema,
  TrialSegmentSchema,
  type TrialRecord,
} from './trial-record.ts';

/** A trained model in TF.js's format, weights base64-encoded. */
export const SavedModelSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightSpecs: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number()),
      dtype: z.string(),
      group: z.string().optional(),
      quantization: z.unknown().optional(),
    }),
  ),
  weightData: z.string(),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  /** What turns a raw row into the model's input and its output back (preprocessing.json). */
  encoding: z.looseObject({ format: z.string() }).optional(),
});
export type SavedModel = z.infer<typeof SavedModelSchema>;

export const EnsembleMemberResultSchema = z.object({
  model: SavedModelSchema,
  validation: MetricsSchema,
  test: MetricsSchema.optional(),
});
export type EnsembleMemberResult = z.infer<typeof EnsembleMemberResultSchema>;

/** What a trial job returns (also what a final, test-scoring job returns). */
export const TrialJobResultSchema = z.object({
  status: TrainStatusSchema,
  value: StoredNumberSchema,
  validation: MetricsSchema,
  test: MetricsSchema.optional(),
  curve: z.array(EpochRecordSchema),
  reportedEpoch: z.number(),
  seconds: z.number(),
  samplesPerSecond: z.number(),
  parameterCount: z.number(),
  backend: z.string(),
  worker: z.string(),
  /** Final jobs only: the trained model. */
  model: SavedModelSchema.optional(),
  /**
   * Final jobs of an ensemble: each model with its share of the average and its own scores (the
   * job's are the ensemble's); a bagged member has one per fold of the campaign's folds.
   */
  ensemble: z
    .object({
      members: z.array(
        EnsembleMemberResultSchema.extend({
          trial: TrialNumberSchema,
          weight: z.number(),
          fold: z.number().int().optional(),
        }),
      ),
    })
    .optional(),
});
export type TrialJobResult = z.infer<typeof TrialJobResultSchema>;

export const TrialJobDataSchema = z.strictObject({
  campaignId: CampaignIdSchema,
  trial: TrialNumberSchema,
  config: ConfigSchema,
  /** Training seed; the campaign's when absent. */
  seed: SeedSchema.optional(),
  /** Fold assignment's seed; the campaign's split seed when absent. */
  foldSeed: SeedSchema.optional(),
  /** A final job retrains the best configuration, scores the test split and returns the model. */
  final: z.boolean().optional(),
  /**
   * A retrain job (`lgt retrain`): a finished campaign's completed trial trained again and its
   * model returned, to save a front member other than the pick. It scores no test split.
   */
  retrain: z.boolean().optional(),
  /** A final job of an ensemble: the configurations it retrains, with their weights. */
  members: z.array(EnsembleMemberSchema).max(200).optional(),
  /** In-run modes: the stretch of the run to train (a final job: the end state to score). */
  segment: TrialSegmentSchema.optional(),
});
export type TrialJobData = z.infer<typeof TrialJobDataSchema>;

/** The job a trial's record makes: the only job a worker accepts for that trial. */
export function trialJobDataOf(
  campaignId: string,
  trial: Pick<TrialRecord, 'number' | 'config' | 'seed' | 'foldSeed' | 'segment'>,
): TrialJobData {
  return {
    campaignId,
    trial: trial.number,
    config: trial.config,
    ...(trial.seed !== undefined ? { seed: trial.seed } : {}),
    ...(trial.foldSeed !== undefined ? { foldSeed: trial.foldSeed } : {}),
    ...(trial.segment ? { segment: trial.segment } : {}),
  };
}

/** The retrain job of a trial (see TrialJobData.retrain): its configuration and seed. */
export function retrainJobDataOf(
  campaignId: string,
  trial: Pick<TrialRecord, 'number' | 'config' | 'seed'>,
): TrialJobData {
  return {
    campaignId,
    trial: trial.number,
    config: trial.config,
    ...(trial.seed !== undefined ? { seed: trial.seed } : {}),
    retrain: true,
  };
}

/**
 * The final job of a campaign whose best is `best`: the best configuration scored on the test
 * split; an in-run result is the run's end state, scored from its checkpoint.
 */
export function finalJobDataOf(
  campaignId: string,
  best: Pick<BestTrial, 'trial' | 'config' | 'seed'>,
  trial: Pick<TrialRecord, 'segment'> | null,
  ensemble?: Pick<EnsemblePlan, 'members' | 'ships'>,
): TrialJobData {
  return {
    campaignId,
    trial: best.trial,
    config: best.config,
    ...(best.seed !== undefined ? { seed: best.seed } : {}),
    final: true,
    ...(ensemble?.ships ? { members: ensemble.members } : {}),
    ...(trial?.segment ? { segment: { from: best.trial, until: trial.segment.until } } : {}),
  };
}

/** Whether two jobs' data are the same, whatever the order of their keys. */
export function sameJobData(a: unknown, b: TrialJobData): boolean {
  return differingJobFields(a, b).length === 0;
}

/**
 * The fields in which a job's data (anything read from the queue) differs from `expected`,
 * named (never their values); key order does not count.
 */
export function differingJobFields(job: unknown, expected: TrialJobData): string[] {
  const given = (job && typeof job === 'object' ? job : {}) as Record<string, unknown>;
  const wanted: Record<string, unknown> = expected;
  return [...new Set([...Object.keys(given), ...Object.keys(wanted)])].filter(
    (k) => canonicalJson(given[k] ?? null) !== canonicalJson(wanted[k] ?? null),
  );
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
