import { createHash } from 'node:crypto';
import type { RedisClient } from '../queue/redis-connection.ts';
import {
  NO_USAGE,
  type AgentName,
  type LlmClient,
  type LlmRequest,
  type LlmResult,
} from './llm-client.ts';
import { redactSecrets } from '../secrets/redact.ts';
import type { LabelDecision, LabelDecisionRequest } from './label-decision.ts';
import { z } from 'zod';

/**
 * A response cache in front of an LlmClient, keyed by endpoint, model, messages, temperature,
 * seed and reply schema: the same question to the same endpoint gets the same answer without a
 * call, which makes a campaign replayable (its prompts depend only on seeded, deterministic
 * results); one endpoint's answers are never replayed as another's. `auto` caches at temperature
 * 0 only, where a model's answer is meant to be repeatable anyway. Entries expire after
 * `ttlSeconds` (0: never).
 */
export class CachedLlmClient implements LlmClient {
  constructor(
    private readonly inner: LlmClient,
    private readonly redis: RedisClient,
    private readonly mode: 'auto' | 'on' | 'off',
    private readonly temperature: number,
    private readonly prefix = 'lgt',
    /** The endpoint's base URL: part of the key. */
    private readonly endpoint = '',
    private readonly ttlSeconds = 0,
    /** What else decides a label decision (the proxy's models and alpha): part of its key. */
    private readonly decisionVariant = '',
  ) {}

  /**
   * A label decision, cached like a reply (decisions are made at temperature 0): the same
   * question, labels and proxy settings give the same choice without a call.
   */
  async decide(request: LabelDecisionRequest): Promise<LabelDecision> {
    if (!this.inner.decide) throw new Error('this LLM client cannot make label decisions');
    if (this.mode === 'off') return this.inner.decide(request);
    const model = request.model ?? this.model(request.agent);
    const key = `${this.prefix}:llm-cache:${createHash('sha256')
      .update(
        JSON.stringify({
          endpoint: this.endpoint,
          model,
          messages: request.messages,
          labels: request.labels,
          variant: this.decisionVariant,
          decision: true,
        }),
      )
      .digest('hex')}`;
    // An entry that is not a decision (another version wrote it, or something else did) is a
    // miss: the decision is asked again and stored over it.
    const stored = parseEntry(await this.redis.get(key), StoredDecisionSchema);
    if (stored && request.labels.includes(stored.label))
      return { ...stored, usage: NO_USAGE, costUsd: 0, cached: true };
    const decision = await this.inner.decide(request);
    const entry = redactSecrets(JSON.stringify(decision));
    if (this.ttlSeconds > 0) await this.redis.set(key, entry, 'EX', this.ttlSeconds);
    else await this.redis.set(key, entry);
    return decision;
  }

  readonly model = (agent: AgentName): string => this.inner.model(agent);

  async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const temperature = request.temperature ?? this.temperature;
    if (this.mode === 'off' || (this.mode === 'auto' && temperature !== 0))
      return this.inner.complete(request);
    const key = `${this.prefix}:llm-cache:${cacheKey(this.endpoint, request.model ?? this.model(request.agent), request, temperature)}`;
    const stored = parseEntry(await this.redis.get(key), StoredCompletionSchema);
    if (stored) {
      const parsed = request.schema.safeParse(stored.value);
      if (parsed.success) {
        return {
          value: parsed.data,
          model: request.model ?? this.model(request.agent),
          usage: NO_USAGE,
          costUsd: 0,
          latencyMs: 0,
          cached: true,
          repaired: false,
          calls: 0,
        };
      }
    }
    const result = await this.inner.complete(request);
    const entry = redactSecrets(
      JSON.stringify({ value: result.value, usage: result.usage, at: Date.now() }),
    );
    if (this.ttlSeconds > 0) await this.redis.set(key, entry, 'EX', this.ttlSeconds);
    else await this.redis.set(key, entry);
    return result;
  }
}

function cacheKey(
  endpoint: string,
  model: string,
  request: LlmRequest<unknown>,
  temperature: number,
): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        endpoint,
        model,
        messages: request.messages,
        temperature,
        seed: request.seed ?? null,
        schema: request.schemaName,
      }),
    )
    .digest('hex');
}

/** A cached label decision as it is stored (usage and cost are not: a hit costs nothing). */
const StoredDecisionSchema = z.looseObject({
  label: z.string(),
  probabilities: z.record(z.string(), z.number()),
  scores: z.record(z.string(), z.number()),
  coverage: z.array(z.object({ endpoint: z.string(), covered: z.number(), of: z.number() })),
});

/** A cached completion: its value is checked against the request's own schema after this. */
const StoredCompletionSchema = z.looseObject({ value: z.unknown() });

/** A cache entry read through its schema; null when absent, not JSON, or not that shape. */
function parseEntry<S extends z.ZodType>(raw: string | null, schema: S): z.infer<S> | null {
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
