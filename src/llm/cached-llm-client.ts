import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  NO_USAGE,
  type AgentName,
  type LlmClient,
  type LlmRequest,
  type LlmResult,
} from './llm-client.ts';
import { redactSecrets } from '../secrets/redact.ts';
import type { LabelDecision, LabelDecisionRequest } from './label-decision.ts';

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
    private readonly redis: Redis,
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
    const hit = await this.redis.get(key);
    if (hit) {
      const stored = JSON.parse(hit) as LabelDecision;
      if (request.labels.includes(stored.label))
        return { ...stored, usage: NO_USAGE, costUsd: 0, cached: true };
    }
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
    const hit = await this.redis.get(key);
    if (hit) {
      const stored = JSON.parse(hit) as { value: unknown };
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
