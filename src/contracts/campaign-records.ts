import { z } from 'zod';
import { CampaignRequestSchema } from './campaign-request.ts';
import { EpochRecordSchema, StoredNumberSchema } from '../trainer/epoch-record.ts';
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

/**
 * What a campaign id may look like (newCampaignId's form): it names a directory and BullMQ job
 * ids, so nothing that could climb out of a directory or split a key.
 */
export const CAMPAIGN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,127}$/;

// Redis content is data, never the operator's word: every record and job is checked on the way
// in with these schemas, bounds included, as the command line checks what a person types. Each
// type below is its schema's: the two cannot drift apart.
const CampaignIdSchema = z
  .string()
  .regex(CAMPAIGN_ID_PATTERN, 'a campaign id is lower-case letters, digits and dashes');
export const ConfigSchema = z.record(
  z.string().max(200),
  z.union([z.string().max(1000), z.number(), z.boolean()]),
);
export const TrialNumberSchema = z.number().int().min(1).max(10_000_000);
const storedNumber = StoredNumberSchema;
/**
 * Metrics as stored: the loss, the task's metrics and an objective's own, each a number or null
 * (NaN as JSON writes it).
 */
export const MetricsSchema = z.object({ loss: storedNumber }).catchall(storedNumber.optional());
export { EpochRecordSchema };
export type StoredMetrics = z.infer<typeof MetricsSchema>;
const SeedSchema = z.number().int().min(0);

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
  value: storedNumber,
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

/** The campaign's best trial against its default trial, on validation, with the noise if known. */
export const DefaultComparisonSchema = z.object({
  defaultTrial: TrialNumberSchema,
  defaultValue: z.number(),
  bestTrial: TrialNumberSchema,
  bestValue: z.number(),
  /** How much better the best is (positive = better, in the metric's units). */
  gain: z.number(),
  /**
   * The noise of the difference, when the campaign measured it: with cross-validation, the
   * standard error of the two fold means; else the spread of one configuration trained with two
   * seeds (the lgt strategy's baseline pair). Null otherwise.
   */
  noise: z.number().nullable(),
  /**
   * What the comparison stands on: the fresh folds of the re-evaluation (values and gain are
   * the fold means there, noise the corrected standard error), or the scores the best was
   * selected by (then no win is claimed as confirmed).
   */
  evidence: z.enum(['fresh-folds', 'selection']).optional(),
  /** fresh-folds: the one-sided p-value and 95% lower bound of the gain (Nadeau and Bengio). */
  pValue: z.number().optional(),
  lowerBound: z.number().optional(),
  /** In words: what a person should conclude. */
  verdict: z.string(),
});
export type DefaultComparison = z.infer<typeof DefaultComparisonSchema>;

/** A change the result's run carried on with, at the epoch it took effect after. */
export const RunChangeSchema = z.object({
  epoch: z.number(),
  trial: TrialNumberSchema,
  change: z.string(),
  reason: z.string(),
});
export type RunChange = z.infer<typeof RunChangeSchema>;

/** What an in-run campaign's report adds: the result's run, its changes, and what it all cost. */
export const InRunReportSchema = z.object({
  mode: z.enum(['dynamic', 'pbt']),
  /** The stretches the result's run is made of, first to last. */
  stretches: z.array(TrialNumberSchema),
  curve: z.array(EpochRecordSchema),
  changes: z.array(RunChangeSchema),
  cost: z.object({
    /** Every epoch trained, rejected branches and losing members included. */
    epochs: z.number(),
    /** Epochs of the result's run alone. */
    runEpochs: z.number(),
    trials: z.number(),
    llmCalls: z.number(),
    tokens: z.number(),
  }),
  decisions: z.object({ accepted: z.number(), rejected: z.number() }),
});
export type InRunReport = z.infer<typeof InRunReportSchema>;

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
export function samplerRunsOf(state: AutoState | null): SamplerRun[] | undefined {
  return state?.ran;
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
export const LlmUsageRecordSchema = z.object({
  calls: z.number().optional(),
  tokens: z.number(),
  costUsd: z.number(),
  fallbacks: z.number().optional(),
  firstFallback: z.string().optional(),
});
export type LlmUsageRecord = z.infer<typeof LlmUsageRecordSchema>;

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

/** The best configuration retrained with the campaign's seed: the one test score. */
const FinalScoresSchema = z.object({
  validation: MetricsSchema,
  test: MetricsSchema.optional(),
  /**
   * Whether the retrain scored exactly what the trial did (same seed, same split); null when
   * the campaign cross-validated (the trial's value is a mean over folds, the retrain is one
   * model on the training split).
   */
  reproduced: z.boolean().nullable(),
  seconds: z.number(),
  backend: z.string(),
  /**
   * When the final model is an ensemble: each of its models (a bagged member's one per fold)
   * with its weight and own scores; the scores above are the ensemble's.
   */
  members: z
    .array(
      z.object({
        trial: TrialNumberSchema,
        fold: z.number().int().optional(),
        weight: z.number(),
        validation: MetricsSchema,
        test: MetricsSchema.optional(),
      }),
    )
    .optional(),
});

/**
 * What a campaign leaves: report.json (this, then the event log), and in Redis its head (all but
 * the trials, which Redis holds already as records and curves) for `lgt run`'s summary and a
 * service's answers; a whole report is put together from the two when asked for.
 */
export const ReportHeadSchema = z.object({
  campaign: CampaignRecordSchema,
  task: z.object({
    name: z.string(),
    title: z.string(),
    kind: z.string(),
    metric: z.object({ name: z.string(), direction: DirectionSchema }),
    description: z.string(),
  }),
  best: z
    .object({
      trial: TrialNumberSchema,
      config: ConfigSchema,
      /**
       * The score the campaign chose the best by (see score-names.ts): its name ("accuracy, mean
       * of 5 folds" or "validation accuracy"), its value, and each fold's when cross-validated.
       */
      selectedBy: z
        .object({
          name: z.string(),
          value: storedNumber,
          folds: z.array(z.number()).optional(),
        })
        .optional(),
      /** The trial's own validation metrics (its first fold's when the campaign cross-validates). */
      validation: MetricsSchema.optional(),
      final: FinalScoresSchema.nullable(),
      finalError: z.string().optional(),
      againstDefault: DefaultComparisonSchema.nullable(),
      /** The ensemble the campaign selected, what it scored, and whether it is the final model. */
      ensemble: EnsemblePlanSchema.optional(),
    })
    .nullable(),
  /** The agents' state (lgt, hybrid): prompt versions, rounds, feedback, lessons. */
  agents: z.unknown(),
  /** In-run modes (see in-run-report.ts): the result's run, its accepted changes, the cost. */
  inRun: InRunReportSchema.nullable().optional(),
  llmUsage: LlmUsageRecordSchema,
  /** Which dimensions mattered (PED-ANOVA over the finished trials); null under 10 of them. */
  importance: ImportanceReportSchema.nullable().optional(),
  /** `--strategy auto`: the samplers it ran, each from a trial, and why; absent otherwise. */
  samplers: z.array(SamplerRunSchema).optional(),
  /**
   * Objectives that simulate training (surrogate benchmarks such as bench:lcbench) report each
   * epoch's `simulated_seconds`: the sum over the campaign's trials of what their runs, pruned
   * ones as far as they got, would have taken. Absent for anything else.
   */
  simulatedSeconds: z.number().optional(),
  generatedAt: z.string(),
});
/** The report without its trials: what Redis keeps of it (its size does not grow with them). */
export type CampaignReportHead = z.infer<typeof ReportHeadSchema>;

export const ReportSchema = ReportHeadSchema.extend({ trials: z.array(ReportTrialSchema) });
export type CampaignReport = z.infer<typeof ReportSchema>;

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

/**
 * Parses stored JSON with a schema; the error names the record and each bad field. What comes
 * back is the schema's type, never one a caller chooses.
 */
export function parseStored<S extends z.ZodType>(
  schema: S,
  what: string,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidStoredRecordError(
      what,
      result.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`),
    );
  }
  return result.data;
}
