import { TradeOffReportSchema } from './trade-off.ts';
import { z } from 'zod';
import { CampaignRecordSchema, TrialNumberSchema } from './campaign-record.ts';
import { SamplerRunSchema, HybridShareSchema } from './campaign-report.ts';

/** Trials by state (what `lgt status`, `lgt list` and the dashboard count). */
export const TrialCountsSchema = z.object({
  proposed: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  completed: z.number().int(),
  pruned: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type TrialCounts = z.infer<typeof TrialCountsSchema>;

/** A running trial: where it is in its plan and its last validation metric. */
export const RunningTrialViewSchema = z.object({
  trial: TrialNumberSchema,
  worker: z.string().nullable(),
  /** Epochs trained so far (of the first fold, with cross-validation). */
  epoch: z.number().int(),
  plannedEpochs: z.number().int().nullable(),
  fold: z.number().int().optional(),
  folds: z.number().int().optional(),
  lastValue: z.number().nullable(),
});
export type RunningTrialView = z.infer<typeof RunningTrialViewSchema>;

/** How much of each budget the campaign has used (null: that budget is not set). */
export const BudgetUsedSchema = z.object({
  /** max is null in the in-run modes: they decide their own number of stretches. */
  trials: z.object({ finished: z.number().int(), max: z.number().int().nullable() }),
  /** Epochs trained by finished trials (rejected branches included), and --max-epochs. */
  epochs: z.object({ trained: z.number(), limit: z.number().nullable() }),
  seconds: z.object({ elapsed: z.number(), limit: z.number().nullable() }),
  llm: z.object({
    /** Calls answered by a model (not the rule-based stand-ins, not replayed from the cache). */
    calls: z.number(),
    tokens: z.number(),
    costUsd: z.number(),
    /** Agent turns the rule-based stand-ins answered because the LLM did not; the first's reason. */
    fallbacks: z.number(),
    firstFallback: z.string().optional(),
    tokenLimit: z.number().nullable(),
    costLimit: z.number().nullable(),
  }),
});
export type BudgetUsed = z.infer<typeof BudgetUsedSchema>;

/** One campaign as a person looks at it: the record, trials by state, budgets used, what runs. */
export const CampaignOverviewSchema = z.object({
  campaign: CampaignRecordSchema,
  counts: TrialCountsSchema,
  budget: BudgetUsedSchema,
  running: z.array(RunningTrialViewSchema),
  /**
   * The campaign's last event when the overview was read (null: none yet): a page that follows
   * the event stream from here misses nothing that happened after these numbers were read.
   */
  lastEventId: z.string().nullable(),
  /**
   * What an unfinished campaign waits for when no worker serves a queue it needs (a sentence
   * that says what to start); absent while workers serve them, and once it has ended.
   */
  waitingFor: z.string().optional(),
  /** `--strategy auto`: the samplers it has run so far, each from a trial, and why. */
  samplers: z.array(SamplerRunSchema).optional(),
  /** `--strategy hybrid`: the share of trials the Advisor proposed so far, asked and realized. */
  hybrid: HybridShareSchema.optional(),
  /** A trade-off (objectives, constraints): its front so far, the hypervolume and the pick. */
  tradeOff: TradeOffReportSchema.optional(),
});
export type CampaignOverview = z.infer<typeof CampaignOverviewSchema>;

/** A line of the campaign list. */
export const CampaignListItemSchema = z.object({
  campaign: CampaignRecordSchema,
  counts: TrialCountsSchema,
});
export type CampaignListItem = z.infer<typeof CampaignListItemSchema>;

/** An entry of the campaign index that is not a valid campaign: skipped by every listing. */
export const InvalidCampaignEntrySchema = z.object({
  id: z.string(),
  /** What is wrong with it (never the record's content). */
  problem: z.string(),
});
export type InvalidCampaignEntry = z.infer<typeof InvalidCampaignEntrySchema>;

/** The campaign list: the valid campaigns, and the index entries skipped as invalid. */
export const CampaignListSchema = z.object({
  campaigns: z.array(CampaignListItemSchema),
  invalid: z.array(InvalidCampaignEntrySchema),
});
export type CampaignList = z.infer<typeof CampaignListSchema>;
