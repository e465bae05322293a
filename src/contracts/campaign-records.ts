import { z } from 'zod';
import type { Config } from '../search-space/search-space.ts';
import type { MetricSpec, ModelEncoding } from '../task-kinds/task.ts';
import type { Metrics } from '../trainer/metrics.ts';
import type { EpochRecord, TrialStatus } from '../trainer/trainer.ts';
import { CampaignRequestSchema, type CampaignRequest } from './campaign-request.ts';
import { DirectionSchema } from '../maths/direction.ts';
import { LgtError } from '../errors/lgt-error.ts';

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

/** The campaign's best trial as its record keeps it (and as a finished trial offers itself). */
export interface BestTrial {
  trial: number;
  value: number;
  config: Config;
  seed?: number;
}

export interface CampaignRecord {
  id: string;
  request: CampaignRequest;
  /** The task's name and metric, for listings that should not load the task. */
  taskName: string;
  metric: MetricSpec;
  status: CampaignStatus;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  best?: BestTrial;
  /**
   * Set when a budget ran out (wall clock, LLM tokens or cost), when the first trials all
   * failed (a broken task or data, not a bad configuration), or when the LLM did not answer a
   * campaign that requires it (llmRequired): running trials stop between epochs.
   */
  stopReason?: 'time-limit' | 'llm-budget' | 'trials-failing' | 'llm-unavailable';
  error?: string;
  reportDir?: string;
  /** The ensemble the campaign considered for its final model (see campaign-ensemble.ts). */
  ensemble?: EnsemblePlan;
}

/** One configuration in the final ensemble: a search trial's, with its share of the average. */
export interface EnsembleMember {
  trial: number;
  config: Config;
  seed?: number;
  weight: number;
}

/**
 * The ensemble a campaign selected over its trials' predictions (Caruana's ensemble selection),
 * what it scored, and whether it is the final model.
 */
export interface EnsemblePlan {
  members: EnsembleMember[];
  /** Whether the final model is this ensemble (else the campaign's single pick). */
  ships: boolean;
  /** Its score on the predictions it was selected on (optimistic), and the single best's there. */
  selected: { value: number; bestSingle: { trial: number; value: number } };
  /**
   * Cross-validated campaigns that re-evaluated their best: the ensemble's mean on the fresh
   * folds, with the same weights, against the default's and the single pick's on the same folds.
   */
  fresh?: {
    value: number;
    defaultValue: number;
    pickValue: number;
    pickTrial: number;
    gain: number;
    pValue: number;
    lowerBound: number;
  };
  /** In words: what shipped and what the evidence allows one to say. */
  verdict: string;
}

/**
 * proposed: written, its job maybe not yet added; queued: job added; running: a worker trains it;
 * then one of completed, pruned (stopped by the pruner), failed (every attempt failed or it
 * diverged), cancelled.
 */
/** A trial's states, in the order a trial goes through them (one of the last four ends it). */
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
export interface TrialSegment {
  from?: number;
  until: number;
}

/** Where a segment trial's end state is kept in its campaign's artifact store. */
export function checkpointKey(trial: number): string {
  return `checkpoints/trial-${trial}.ckpt`;
}

/** The source of the default trial in a campaign's history: the control verdicts compare with. */
export const DEFAULT_SOURCE = 'default';

export interface TrialRecord {
  number: number;
  state: TrialState;
  config: Config;
  /** Why the strategy proposed it, and what the proposer expected it to do. */
  reason: string;
  expectedEffect?: string;
  source: string;
  /** Training seed when not the campaign's (the baseline repeat that measures noise). */
  seed?: number;
  /**
   * Cross-validation: the seed of this trial's fold assignment when not the campaign's split
   * seed (a re-evaluation on folds the search did not select on, see ConfirmingStrategy).
   */
  foldSeed?: number;
  /** What the strategy noted when it proposed this trial (see Proposal.meta). */
  meta?: Record<string, unknown>;
  /** In-run modes: the stretch of a run this trial trains. */
  segment?: TrialSegment;
  proposedAt: number;
  startedAt?: number;
  finishedAt?: number;
  attempts: number;
  /** hostname:pid of the worker process that last ran it. */
  worker?: string;
  /**
   * Names the attempt that holds the trial's job (set when it starts running): epochs and the
   * outcome are accepted only from that attempt, so one that lost its job (its lock expired
   * while Redis was away, or its process was paused) cannot write beside its successor.
   */
  attemptToken?: string;
  /** The validation metric (null when it diverged or failed). */
  value?: number | null;
  trainStatus?: TrialStatus;
  validation?: Metrics;
  epochsRun?: number;
  seconds?: number;
  error?: string;
  /** It trained past the trial timeout and was stopped (state failed, value null). */
  timedOut?: boolean;
  /** With cross-validation: the metric on each fold (`value` is their mean). */
  foldValues?: number[];
  /** While it runs: the epochs it plans, and with cross-validation the fold it is on (1-based). */
  progress?: { plannedEpochs?: number; fold?: number; folds?: number };
  /** The step budget cut the configuration's epochs from `requested` to `allowed`. */
  epochCap?: { requested: number; allowed: number };
}

/** What a trial job returns (also what a final, test-scoring job returns). */
export interface TrialJobResult {
  status: TrialStatus;
  value: number | null;
  validation: Metrics;
  test?: Metrics;
  curve: EpochRecord[];
  reportedEpoch: number;
  seconds: number;
  samplesPerSecond: number;
  parameterCount: number;
  backend: string;
  worker: string;
  /** Final jobs only: the trained model in TF.js's format, weights base64-encoded. */
  model?: SavedModel;
  /**
   * Final jobs of an ensemble: each model with its share of the average and its own scores (the
   * job's are the ensemble's); a bagged member has one per fold of the campaign's folds.
   */
  ensemble?: {
    members: (Pick<EnsembleMember, 'trial' | 'weight'> & {
      fold?: number;
    } & EnsembleMemberResult)[];
  };
}

export interface EnsembleMemberResult {
  model: SavedModel;
  validation: Metrics;
  test?: Metrics;
}

export interface SavedModel {
  modelTopology: object;
  weightSpecs: object[];
  weightData: string;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  /** What turns a raw row into the model's input and its output back (preprocessing.json). */
  encoding?: ModelEncoding;
}

export interface TrialJobData {
  campaignId: string;
  trial: number;
  config: Config;
  /** Training seed; the campaign's when absent. */
  seed?: number;
  /** Fold assignment's seed; the campaign's split seed when absent. */
  foldSeed?: number;
  /** A final job retrains the best configuration, scores the test split and returns the model. */
  final?: boolean;
  /** A final job of an ensemble: the configurations it retrains, with their weights. */
  members?: EnsembleMember[];
  /** In-run modes: the stretch of the run to train (a final job: the end state to score). */
  segment?: TrialSegment;
}

/**
 * What a campaign id may look like (newCampaignId's form): it names a directory and BullMQ job
 * ids, so nothing that could climb out of a directory or split a key.
 */
export const CAMPAIGN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,127}$/;

// Redis content is data, never the operator's word: every record and job is checked on the way
// in with these schemas, bounds included, as the command line checks what a person types.
const CampaignIdSchema = z
  .string()
  .regex(CAMPAIGN_ID_PATTERN, 'a campaign id is lower-case letters, digits and dashes');
export const ConfigSchema = z.record(
  z.string().max(200),
  z.union([z.string().max(1000), z.number(), z.boolean()]),
);
export const TrialNumberSchema = z.number().int().min(1).max(10_000_000);
export const MetricsSchema = z.looseObject({ loss: z.number().nullable() });
const TrialSegmentSchema = z.object({
  from: TrialNumberSchema.optional(),
  until: z.number().int().min(1).max(10_000),
});
const finiteOrNull = z.number().nullable();
const EnsembleMemberSchema = z.strictObject({
  trial: TrialNumberSchema,
  config: ConfigSchema,
  seed: z.number().int().min(0).optional(),
  weight: z.number().min(0).max(1),
});

// Typed as the record it checks (zod infers an open object: extra fields are kept, not typed).
export const CampaignRecordSchema = z.looseObject({
  id: CampaignIdSchema,
  request: CampaignRequestSchema,
  taskName: z.string().max(200),
  metric: z.object({ name: z.string().max(50), direction: DirectionSchema }),
  status: CampaignStatusSchema,
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  best: z
    .object({
      trial: TrialNumberSchema,
      value: z.number(),
      config: ConfigSchema,
      seed: z.number().int().min(0).optional(),
    })
    .optional(),
  stopReason: z.enum(['time-limit', 'llm-budget', 'trials-failing', 'llm-unavailable']).optional(),
  error: z.string().optional(),
  reportDir: z.string().optional(),
  ensemble: z
    .looseObject({ members: z.array(EnsembleMemberSchema).max(200), ships: z.boolean() })
    .optional(),
}) as unknown as z.ZodType<CampaignRecord>;

// Typed as the record it checks (zod infers an open object: extra fields are kept, not typed).
export const TrialRecordSchema = z.looseObject({
  number: TrialNumberSchema,
  state: TrialStateSchema,
  config: ConfigSchema,
  reason: z.string(),
  source: z.string().max(200),
  seed: z.number().int().min(0).optional(),
  foldSeed: z.number().int().min(0).optional(),
  segment: TrialSegmentSchema.optional(),
  proposedAt: z.number(),
  attempts: z.number().int().min(0),
  attemptToken: z.string().max(100).optional(),
  value: finiteOrNull.optional(),
  validation: MetricsSchema.optional(),
}) as unknown as z.ZodType<TrialRecord>;

/** One epoch of a trial's learning curve as stored (a diverged loss, NaN, comes back as null). */
export const EpochRecordSchema = z.looseObject({
  epoch: z.number().int().min(1),
  loss: finiteOrNull,
  validationLoss: finiteOrNull,
  validationMetric: finiteOrNull,
  learningRate: z.number(),
  seconds: z.number(),
  samplesPerSecond: z.number(),
}) as unknown as z.ZodType<EpochRecord>;

/**
 * What a long listing needs of each trial (the dashboard's table and chart): the numbers, not
 * the configuration or the reasons. Checked field by field like the whole record.
 */
export const TrialSummarySchema = z.object({
  number: TrialNumberSchema,
  state: TrialStateSchema,
  source: z.string().max(200),
  value: finiteOrNull.optional(),
  seconds: z.number().optional(),
  epochsRun: z.number().optional(),
});
export type TrialSummary = z.infer<typeof TrialSummarySchema>;

export const TrialJobDataSchema = z.strictObject({
  campaignId: CampaignIdSchema,
  trial: TrialNumberSchema,
  config: ConfigSchema,
  seed: z.number().int().min(0).optional(),
  foldSeed: z.number().int().min(0).optional(),
  final: z.boolean().optional(),
  members: z.array(EnsembleMemberSchema).max(200).optional(),
  segment: TrialSegmentSchema.optional(),
});

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
  const wanted = expected as unknown as Record<string, unknown>;
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

/** The campaign's best trial against its default trial, on validation, with the noise if known. */
export interface DefaultComparison {
  defaultTrial: number;
  defaultValue: number;
  bestTrial: number;
  bestValue: number;
  /** How much better the best is (positive = better, in the metric's units). */
  gain: number;
  /**
   * The noise of the difference, when the campaign measured it: with cross-validation, the
   * standard error of the two fold means; else the spread of one configuration trained with two
   * seeds (the lgt strategy's baseline pair). Null otherwise.
   */
  noise: number | null;
  /**
   * What the comparison stands on: the fresh folds of the re-evaluation (values and gain are
   * the fold means there, noise the corrected standard error), or the scores the best was
   * selected by (then no win is claimed as confirmed).
   */
  evidence?: 'fresh-folds' | 'selection';
  /** fresh-folds: the one-sided p-value and 95% lower bound of the gain (Nadeau and Bengio). */
  pValue?: number;
  lowerBound?: number;
  /** In words: what a person should conclude. */
  verdict: string;
}

/** A change the result's run carried on with, at the epoch it took effect after. */
export interface RunChange {
  epoch: number;
  trial: number;
  change: string;
  reason: string;
}

/** What an in-run campaign's report adds: the result's run, its changes, and what it all cost. */
export interface InRunReport {
  mode: 'dynamic' | 'pbt';
  /** The stretches the result's run is made of, first to last. */
  stretches: number[];
  curve: EpochRecord[];
  changes: RunChange[];
  cost: {
    /** Every epoch trained, rejected branches and losing members included. */
    epochs: number;
    /** Epochs of the result's run alone. */
    runEpochs: number;
    trials: number;
    llmCalls: number;
    tokens: number;
  };
  decisions: { accepted: number; rejected: number };
}

/**
 * What a campaign leaves: report.json (this, then the event log), and in Redis its head (all but
 * the trials, which Redis holds already as records and curves) for `lgt run`'s summary and a
 * service's answers; a whole report is put together from the two when asked for.
 */
export interface CampaignReport {
  campaign: CampaignRecord;
  task: { name: string; title: string; kind: string; metric: MetricSpec; description: string };
  best: {
    trial: number;
    config: Config;
    /**
     * The score the campaign chose the best by (see score-names.ts): its name ("accuracy, mean
     * of 5 folds" or "validation accuracy"), its value, and each fold's when cross-validated.
     */
    selectedBy?: { name: string; value: number | null; folds?: number[] };
    /** The trial's own validation metrics (its first fold's when the campaign cross-validates). */
    validation?: Metrics;
    /** The best configuration retrained with the campaign's seed: the one test score. */
    final: {
      validation: Metrics;
      test?: Metrics;
      /**
       * Whether the retrain scored exactly what the trial did (same seed, same split); null when
       * the campaign cross-validated (the trial's value is a mean over folds, the retrain is one
       * model on the training split).
       */
      reproduced: boolean | null;
      seconds: number;
      backend: string;
      /**
       * When the final model is an ensemble: each of its models (a bagged member's one per fold)
       * with its weight and own scores; the scores above are the ensemble's.
       */
      members?: {
        trial: number;
        fold?: number;
        weight: number;
        validation: Metrics;
        test?: Metrics;
      }[];
    } | null;
    finalError?: string;
    againstDefault: DefaultComparison | null;
    /** The ensemble the campaign selected, what it scored, and whether it is the final model. */
    ensemble?: EnsemblePlan;
  } | null;
  trials: ReportTrial[];
  /** The agents' state (lgt, hybrid): prompt versions, rounds, feedback, lessons. */
  agents: unknown;
  /** In-run modes (see in-run-report.ts): the result's run, its accepted changes, the cost. */
  inRun?: InRunReport | null;
  llmUsage: LlmUsageRecord;
  /** Which dimensions mattered (PED-ANOVA over the finished trials); null under 10 of them. */
  importance?: ImportanceReport | null;
  /** `--strategy auto`: the samplers it ran, each from a trial, and why; absent otherwise. */
  samplers?: SamplerRun[];
  /**
   * Objectives that simulate training (surrogate benchmarks such as bench:lcbench) report each
   * epoch's `simulated_seconds`: the sum over the campaign's trials of what their runs, pruned
   * ones as far as they got, would have taken. Absent for anything else.
   */
  simulatedSeconds?: number;
  generatedAt: string;
}

/** A sampler `--strategy auto` ran: from which trial, and why it was chosen. */
export const SamplerRunSchema = z.object({
  strategy: z.string(),
  reason: z.string(),
  fromTrial: z.number().int().min(1),
});
export type SamplerRun = z.infer<typeof SamplerRunSchema>;

/** What the auto strategy keeps beside the campaign: the samplers it ran, in order. */
export const AutoStateSchema = z.object({ ran: z.array(SamplerRunSchema) });
export type AutoState = z.infer<typeof AutoStateSchema>;

/** The samplers an auto campaign ran, from its stored state (none for other strategies). */
export function samplerRunsOf(state: unknown): SamplerRun[] | undefined {
  const parsed = AutoStateSchema.safeParse(state);
  return parsed.success ? parsed.data.ran : undefined;
}

/** How much one dimension mattered, as a share of all (the shares sum to 1). */
export const ParamImportanceSchema = z.object({ name: z.string(), importance: z.number() });
export type ParamImportance = z.infer<typeof ParamImportanceSchema>;

/** Which dimensions mattered in a set of trials, with what the figures rest on. */
export const ImportanceReportSchema = z.object({
  method: z.literal('ped-anova'),
  /** The trials read. */
  trials: z.number(),
  /** Of those, how many counted as good (the best quarter, at least 5). */
  good: z.number(),
  /** Shares that sum to 1, largest first. */
  importances: z.array(ParamImportanceSchema),
});
export type ImportanceReport = z.infer<typeof ImportanceReportSchema>;

/**
 * A campaign's LLM use: calls a model answered (not replayed from the cache), their tokens and
 * cost, and the agent turns the LLM did not answer, which the rules answered instead
 * (`fallbacks`; the first one's reason names the endpoint). Absent counts are 0 (campaigns
 * reported before the fallbacks were counted).
 */
export interface LlmUsageRecord {
  calls?: number;
  tokens: number;
  costUsd: number;
  fallbacks?: number;
  firstFallback?: string;
}

/** A trial as reports and the API show it: its record (less the attempt's token) and its curve. */
export type ReportTrial = PublicTrialRecord & { curve: EpochRecord[] };

/** A trial record as it leaves lgt: the token that fences its attempt stays inside. */
export type PublicTrialRecord = Omit<TrialRecord, 'attemptToken'>;

export function publicTrial(t: TrialRecord): PublicTrialRecord {
  const { attemptToken: _token, ...rest } = t;
  return rest;
}

/** The report without its trials: what Redis keeps of it (its size does not grow with them). */
export type CampaignReportHead = Omit<CampaignReport, 'trials'>;

const reportHeadShape = {
  campaign: CampaignRecordSchema,
  task: z.looseObject({ name: z.string(), kind: z.string() }),
  best: z
    .looseObject({
      trial: TrialNumberSchema,
      config: ConfigSchema,
      final: z
        .looseObject({ validation: MetricsSchema, test: MetricsSchema.optional() })
        .nullable(),
      againstDefault: z.looseObject({ verdict: z.string() }).nullable(),
    })
    .nullable(),
  llmUsage: z.looseObject({
    tokens: z.number(),
    costUsd: z.number(),
    fallbacks: z.number().optional(),
    firstFallback: z.string().optional(),
  }),
  generatedAt: z.string(),
};

// Typed as the record it checks (zod infers an open object: extra fields are kept, not typed).
export const ReportHeadSchema = z.looseObject(
  reportHeadShape,
) as unknown as z.ZodType<CampaignReportHead>;

export const ReportSchema = z.looseObject({
  ...reportHeadShape,
  trials: z.array(TrialRecordSchema),
}) as unknown as z.ZodType<CampaignReport>;

/** Redis held something that is not an lgt record: said with where it was and what is wrong. */
export class InvalidStoredRecordError extends LgtError {
  constructor(what: string, problems: string[]) {
    super(
      'invalid-record',
      `${what} in Redis is not a valid lgt record, so it is refused (was it written by something else?): ${problems.join('; ')}`,
    );
    this.name = 'InvalidStoredRecordError';
  }
}

/** Parses stored JSON with a schema; the error names the record and each bad field. */
export function parseStored<T>(schema: z.ZodType, what: string, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidStoredRecordError(
      what,
      result.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`),
    );
  }
  return result.data as T;
}
