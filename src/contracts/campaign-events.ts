import { z } from 'zod';
import type { Config } from '../search-space/search-space.ts';
import type { Metrics } from '../trainer/metrics.ts';
import { ConfigSchema, MetricsSchema, TrialNumberSchema } from './campaign-records.ts';

/**
 * Every step of a campaign, in the order it happened: the campaign's log (a Redis Stream, capped),
 * what `lgt logs` prints and what rebuilds a report.
 */
export type CampaignEvent =
  | {
      type: 'campaign.started';
      task: string;
      strategy: string;
      maxTrials: number;
      parallel: number;
      agents?: string;
    }
  | { type: 'campaign.resumed'; by: string }
  /** `--strategy auto` chose (or changed) the sampler, and why. */
  | { type: 'strategy.chosen'; strategy: string; reason: string; fromTrial?: number }
  | { type: 'proposal'; trial: number; config: Config; reason: string; source: string }
  | { type: 'trial.started'; trial: number; attempt: number; worker: string }
  | {
      type: 'trial.epoch';
      trial: number;
      epoch: number;
      epochs: number;
      loss: number;
      validationMetric: number;
    }
  | {
      type: 'trial.finished';
      trial: number;
      value: number | null;
      validation: Metrics;
      seconds: number;
      epochs: number;
      /** The step budget cut the configuration's epochs (see step-budget.ts). */
      epochCap?: { requested: number; allowed: number };
    }
  | { type: 'trial.pruned'; trial: number; epoch: number; value: number; median: number }
  | {
      type: 'trial.failed';
      trial: number;
      attempt: number;
      attempts: number;
      error: string;
      final: boolean;
    }
  | { type: 'trial.cancelled'; trial: number }
  | { type: 'trial.timed-out'; trial: number; seconds: number; epoch: number; limit: number }
  | { type: 'best.improved'; trial: number; value: number; previous: number | null; config: Config }
  | { type: 'campaign.cancelling'; reason: string }
  | {
      type: 'campaign.ensemble';
      members: { trial: number; weight: number }[];
      ships: boolean;
      verdict: string;
    }
  | {
      type: 'campaign.final';
      trial: number;
      validation: Metrics;
      test: Metrics;
      /** The final model is an ensemble of these trials' configurations. */
      members?: number[];
    }
  | {
      type: 'campaign.finished';
      status: string;
      best: { trial: number; value: number } | null;
      reportDir: string | null;
    }
  | { type: 'campaign.failed'; error: string }
  | {
      type: 'agent.message';
      agent: 'advisor' | 'evaluator' | 'optimizer';
      /** A rule-based stand-in answered, not an LLM. */
      rules: boolean;
      model: string;
      promptVersion?: number;
      inputs: string;
      reply: unknown;
      tokens: number;
      costUsd: number;
      latencyMs: number;
      cached: boolean;
      repaired: boolean;
    }
  | { type: 'agent.fallback'; agent: string; reason: string }
  /** An agent call is waiting, and why (no worker serves the agents queue, ...). */
  | { type: 'agent.waiting'; agent: string; reason: string }
  | { type: 'prompt.rewritten'; version: number; parent: number; rationale: string; diff: string }
  | { type: 'prompt.rejected'; reason: string }
  | { type: 'prompt.reverted'; from: number; to: number; reason: string }
  | { type: 'llm.budget'; tokens: number; costUsd: number; limit: string }
  /**
   * In-run (dynamic) mode: a proposed change was trained from the run's checkpoint beside the run
   * without it, and judged on validation. The LLM calls and tokens are this decision's.
   */
  | {
      type: 'inrun.decision';
      run: number;
      epoch: number;
      until: number;
      attempt: number;
      attempts: number;
      change: string;
      reason: string;
      changeTrial: number;
      keepTrial: number;
      changeValue: number | null;
      keepValue: number | null;
      noise: number | null;
      verdict: 'accepted' | 'rejected';
      why: string;
      llmCalls: number;
      tokens: number;
    }
  /** In-run (dynamic) mode: the epoch budget leaves no room for more branches in this run. */
  | { type: 'inrun.budget'; run: number; epoch: number; budget: number }
  /** PBT: a member copies a better member's checkpoint (exploit) and perturbs its settings. */
  | {
      type: 'pbt.exploit';
      generation: number;
      epoch: number;
      member: number;
      value: number | null;
      from: number;
      fromTrial: number;
      fromValue: number;
      change: string;
    };

export type CampaignEventType = CampaignEvent['type'];

/** An event as stored: its stream id and when it happened. */
export type LoggedEvent = CampaignEvent & { id: string; at: number };

// What comes back from the stream is checked against these, as every record is: a log entry
// that is not an lgt event is an error naming its stream and id, not a crash later on. A number
// that may have been NaN (a diverged loss) was written by JSON.stringify as null.
const trial = TrialNumberSchema;
const num = z.number().nullable();
const text = z.string();
const at = { at: z.number() };

const EVENT_FIELDS: { [K in CampaignEventType]: z.ZodRawShape } = {
  'campaign.started': {
    task: text,
    strategy: text,
    maxTrials: z.number(),
    parallel: z.number(),
    agents: text.optional(),
  },
  'campaign.resumed': { by: text },
  'strategy.chosen': { strategy: text, reason: text, fromTrial: trial.optional() },
  proposal: { trial, config: ConfigSchema, reason: text, source: text },
  'trial.started': { trial, attempt: z.number(), worker: text },
  'trial.epoch': { trial, epoch: z.number(), epochs: z.number(), loss: num, validationMetric: num },
  'trial.finished': {
    trial,
    value: num,
    validation: MetricsSchema,
    seconds: z.number(),
    epochs: z.number(),
    epochCap: z.object({ requested: z.number(), allowed: z.number() }).optional(),
  },
  'trial.pruned': { trial, epoch: z.number(), value: num, median: num },
  'trial.failed': {
    trial,
    attempt: z.number(),
    attempts: z.number(),
    error: text,
    final: z.boolean(),
  },
  'trial.cancelled': { trial },
  'trial.timed-out': { trial, seconds: z.number(), epoch: z.number(), limit: z.number() },
  'best.improved': { trial, value: z.number(), previous: num, config: ConfigSchema },
  'campaign.cancelling': { reason: text },
  'campaign.ensemble': {
    members: z.array(z.object({ trial, weight: z.number() })).max(200),
    ships: z.boolean(),
    verdict: text,
  },
  'campaign.final': {
    trial,
    validation: MetricsSchema,
    test: MetricsSchema,
    members: z.array(trial).max(200).optional(),
  },
  'campaign.finished': {
    status: text,
    best: z.object({ trial, value: z.number() }).nullable(),
    reportDir: text.nullable(),
  },
  'campaign.failed': { error: text },
  'agent.message': {
    agent: z.enum(['advisor', 'evaluator', 'optimizer']),
    rules: z.boolean(),
    model: text,
    promptVersion: z.number().optional(),
    inputs: text,
    reply: z.unknown(),
    tokens: z.number(),
    costUsd: z.number(),
    latencyMs: z.number(),
    cached: z.boolean(),
    repaired: z.boolean(),
  },
  'agent.fallback': { agent: text, reason: text },
  'agent.waiting': { agent: text, reason: text },
  'prompt.rewritten': { version: z.number(), parent: z.number(), rationale: text, diff: text },
  'prompt.rejected': { reason: text },
  'prompt.reverted': { from: z.number(), to: z.number(), reason: text },
  'llm.budget': { tokens: z.number(), costUsd: z.number(), limit: text },
  'inrun.decision': {
    run: z.number(),
    epoch: z.number(),
    until: z.number(),
    attempt: z.number(),
    attempts: z.number(),
    change: text,
    reason: text,
    changeTrial: trial,
    keepTrial: trial,
    changeValue: num,
    keepValue: num,
    noise: num,
    verdict: z.enum(['accepted', 'rejected']),
    why: text,
    llmCalls: z.number(),
    tokens: z.number(),
  },
  'inrun.budget': { run: z.number(), epoch: z.number(), budget: z.number() },
  'pbt.exploit': {
    generation: z.number(),
    epoch: z.number(),
    member: z.number(),
    value: num,
    from: z.number(),
    fromTrial: trial,
    fromValue: z.number(),
    change: text,
  },
};

/** An event as the stream holds it (without its id): one schema per type, with its time. */
export const StoredEventSchema = z.discriminatedUnion(
  'type',
  Object.entries(EVENT_FIELDS).map(([type, fields]) =>
    z.looseObject({ type: z.literal(type), ...at, ...fields }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

/**
 * An event as the API gives it: its stream id, type and time, with the type's fields (checked on
 * the way out of Redis by StoredEventSchema; this only describes the envelope).
 */
export const LoggedEventSchema = z.looseObject({
  id: z.string(),
  type: z.enum(Object.keys(EVENT_FIELDS) as [CampaignEventType, ...CampaignEventType[]]),
  at: z.number(),
});
