import { z } from 'zod';
import { ConfigSchema, TrialNumberSchema } from './campaign-record.ts';
import { MetricsSchema } from './trial-record.ts';

// Every event is one schema; its type is inferred from it. What comes back from the stream is
// checked against them, as every record is: a log entry that is not an lgt event is an error
// naming its stream and id, not a crash later on. A number that may have been NaN (a diverged
// loss) was written by JSON.stringify as null, so it is typed `number | null`.
const trial = TrialNumberSchema;
const num = z.number().nullable();
const text = z.string();

function event<T extends string, S extends z.ZodRawShape>(type: T, fields: S) {
  return z.object({ type: z.literal(type), ...fields });
}

/**
 * Every step of a campaign, in the order it happened: the campaign's log (a Redis Stream, capped),
 * what `lgt logs` prints and what rebuilds a report.
 */
export const CampaignEventSchema = z.discriminatedUnion('type', [
  event('campaign.started', {
    task: text,
    strategy: text,
    maxTrials: z.number(),
    parallel: z.number(),
    agents: text.optional(),
  }),
  event('campaign.resumed', { by: text }),
  /** `--strategy auto` chose (or changed) the sampler, and why. */
  event('strategy.chosen', { strategy: text, reason: text, fromTrial: trial.optional() }),
  event('proposal', { trial, config: ConfigSchema, reason: text, source: text }),
  event('trial.started', { trial, attempt: z.number(), worker: text }),
  event('trial.epoch', {
    trial,
    epoch: z.number(),
    epochs: z.number(),
    loss: num,
    validationMetric: num,
  }),
  event('trial.finished', {
    trial,
    value: num,
    validation: MetricsSchema,
    seconds: z.number(),
    epochs: z.number(),
    /** The step budget cut the configuration's epochs (see step-budget.ts). */
    epochCap: z.object({ requested: z.number(), allowed: z.number() }).optional(),
  }),
  event('trial.pruned', {
    trial,
    epoch: z.number(),
    value: num,
    median: num,
    /** The multi-objective rule's reason (its `median` is then how many peers beat the trial). */
    reason: text.optional(),
  }),
  event('trial.failed', {
    trial,
    attempt: z.number(),
    attempts: z.number(),
    error: text,
    final: z.boolean(),
  }),
  event('trial.cancelled', { trial }),
  event('trial.timed-out', { trial, seconds: z.number(), epoch: z.number(), limit: z.number() }),
  event('best.improved', { trial, value: z.number(), previous: num, config: ConfigSchema }),
  /** A trade-off campaign chose the trial it ships from its front (see pickTrial). */
  event('campaign.picked', {
    trial: trial.nullable(),
    rule: text,
    reason: text,
    values: z.array(z.number()).max(4).optional(),
  }),
  event('campaign.cancelling', { reason: text }),
  event('campaign.ensemble', {
    members: z.array(z.object({ trial, weight: z.number() })).max(200),
    ships: z.boolean(),
    verdict: text,
  }),
  event('campaign.final', {
    trial,
    validation: MetricsSchema,
    test: MetricsSchema,
    /** The final model is an ensemble of these trials' configurations. */
    members: z.array(trial).max(200).optional(),
  }),
  event('campaign.finished', {
    status: text,
    best: z.object({ trial, value: z.number() }).nullable(),
    reportDir: text.nullable(),
  }),
  event('campaign.failed', { error: text }),
  event('agent.message', {
    agent: z.enum(['advisor', 'evaluator', 'optimizer']),
    /** A rule-based stand-in answered, not an LLM. */
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
  }),
  event('agent.fallback', { agent: text, reason: text }),
  /** An agent call is waiting, and why (no worker serves the agents queue, ...). */
  event('agent.waiting', { agent: text, reason: text }),
  event('prompt.rewritten', {
    version: z.number(),
    parent: z.number(),
    rationale: text,
    diff: text,
  }),
  event('prompt.rejected', { reason: text }),
  event('prompt.reverted', { from: z.number(), to: z.number(), reason: text }),
  event('llm.budget', { tokens: z.number(), costUsd: z.number(), limit: text }),
  /**
   * In-run (dynamic) mode: a proposed change was trained from the run's checkpoint beside the run
   * without it, and judged on validation. The LLM calls and tokens are this decision's.
   */
  event('inrun.decision', {
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
  }),
  /** In-run (dynamic) mode: the epoch budget leaves no room for more branches in this run. */
  event('inrun.budget', { run: z.number(), epoch: z.number(), budget: z.number() }),
  /** PBT: a member copies a better member's checkpoint (exploit) and perturbs its settings. */
  event('pbt.exploit', {
    generation: z.number(),
    epoch: z.number(),
    member: z.number(),
    value: num,
    from: z.number(),
    fromTrial: trial,
    fromValue: z.number(),
    change: text,
  }),
]);
export type CampaignEvent = z.infer<typeof CampaignEventSchema>;

export type CampaignEventType = CampaignEvent['type'];

export const CAMPAIGN_EVENT_TYPES = CampaignEventSchema.options.map(
  (o) => o.shape.type.value,
) as readonly CampaignEventType[];

/** An event as the stream holds it (without its id): the event with its time. */
export const StoredEventSchema = z.intersection(CampaignEventSchema, z.object({ at: z.number() }));
export type StoredEvent = z.infer<typeof StoredEventSchema>;

/** An event as the API gives it: the stored event with its stream id. */
export const LoggedEventSchema = z.intersection(StoredEventSchema, z.object({ id: z.string() }));
export type LoggedEvent = z.infer<typeof LoggedEventSchema>;
