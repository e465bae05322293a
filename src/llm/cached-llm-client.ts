import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  NO_USAGE,
  type AgentName,
  type LlmClient,
  type LlmRequest,
  type LlmResult,
} from './llm-client.ts';

/**
 * A response cache in front of an LlmClient, keyed by model, messages, temperature, seed and
 * reply schema: the same question gets the same answer without a call, which makes a campaign
 * replayable (its prompts depend only on seeded, deterministic results). `auto` caches at
 * temperature 0 only, where a model's answer is meant to be repeatable anyway.
 */
export class CachedLlmClient implements LlmClient {
  constructor(
    private readonly inner: LlmClient,
    private readonly redis: Redis,
    private readonly mode: 'auto' | 'on' | 'off',
    private readonly temperature: number,
    private readonly prefix = 'lgt',
  ) {}

  readonly model = (agent: AgentName): string => this.inner.model(agent);

  async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const temperature = request.temperature ?? this.temperature;
    if (this.mode === 'off' || (this.mode === 'auto' && temperature !== 0))
      return this.inner.complete(request);
    const key = `${this.prefix}:llm-cache:${cacheKey(request.model ?? this.model(request.agent), request, temperature)}`;
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
    await this.redis.set(
      key,
      JSON.stringify({ value: result.value, usage: result.usage, at: Date.now() }),
    );
    return result;
  }
}

export function cacheKey(model: string, request: LlmRequest<unknown>, temperature: number): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        model,
        messages: request.messages,
        temperature,
        seed: request.seed ?? null,
        schema: request.schemaName,
      }),
    )
    .digest('hex');
}
