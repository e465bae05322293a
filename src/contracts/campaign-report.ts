// What a campaign leaves: its report (report.json), and the head of it Redis keeps.
import { TradeOffReportSchema } from './trade-off.ts';
import { z } from 'zod';
import { EpochRecordSchema, StoredNumberSchema } from '../trainer/epoch-record.ts';
import { DirectionSchema } from '../maths/direction.ts';
import {
  CampaignRecordSchema,
  ConfigSchema,
  EnsemblePlanSchema,
  TrialNumberSchema,
} from './campaign-record.ts';
import { MetricsSchema, ReportTrialSchema } from './trial-record.ts';

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

/**
 * `--strategy hybrid`: the core in control, the share asked of the Advisor after the warm-up, and
 * the share it realized: trials after the warm-up the Advisor proposed (by an LLM or the rules),
 * of all trials after the warm-up (an override slot the core kept counts as the core's).
 */
export const HybridShareSchema = z.object({
  core: z.string(),
  share: z.number(),
  warmup: z.number(),
  eligible: z.number(),
  overridden: z.number(),
});
export type HybridShare = z.infer<typeof HybridShareSchema>;

/** The hybrid share of a campaign's trials, from who proposed each (its `source`). */
export function hybridShareOf(
  request: { strategy: string; core: string; llmShare: number; llmWarmup: number },
  trials: readonly { number: number; source: string }[],
): HybridShare | undefined {
  if (request.strategy !== 'hybrid') return undefined;
  const eligible = trials.filter((t) => t.number > request.llmWarmup);
  return {
    core: request.core,
    share: request.llmShare,
    warmup: request.llmWarmup,
    eligible: eligible.length,
    overridden: eligible.filter((t) => t.source === 'advisor' || t.source === 'rules').length,
  };
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
          value: StoredNumberSchema,
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
  /** `--strategy hybrid`: the share of trials the Advisor proposed, asked and realized. */
  hybrid: HybridShareSchema.optional(),
  /**
   * Objectives that simulate training (surrogate benchmarks such as bench:lcbench) report each
   * epoch's `simulated_seconds`: the sum over the campaign's trials of what their runs, pruned
   * ones as far as they got, would have taken. Absent for anything else.
   */
  simulatedSeconds: z.number().optional(),
  /** A trade-off (several objectives, or constraints): the front, its hypervolume, the pick. */
  tradeOff: TradeOffReportSchema.optional(),
  generatedAt: z.string(),
});
/** The report without its trials: what Redis keeps of it (its size does not grow with them). */
export type CampaignReportHead = z.infer<typeof ReportHeadSchema>;

export const ReportSchema = ReportHeadSchema.extend({ trials: z.array(ReportTrialSchema) });
export type CampaignReport = z.infer<typeof ReportSchema>;
