import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { CachedLlmClient } from '../../src/llm/cached-llm-client.ts';
import type { LlmClient, LlmRequest, LlmResult } from '../../src/llm/llm-client.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';

/**
 * The cache in front of a client, on a real redis-server. The client behind it is not an LLM but
 * a counter that answers in the reply's shape: what is under test is what the cache keeps and
 * reads back, not a model.
 */
let server: RedisServerProcess;
let redis: RedisClient;
beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const Reply = z.object({ answer: z.number() });

function counting(): LlmClient & { calls: number } {
  const client = {
    calls: 0,
    model: () => 'counted',
    async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
      client.calls++;
      return {
        value: request.schema.parse({ answer: client.calls }),
        model: 'counted',
        usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
        costUsd: 0.001,
        latencyMs: 1,
        cached: false,
        repaired: false,
        calls: 1,
      };
    },
  };
  return client;
}

const request = (text: string): LlmRequest<{ answer: number }> => ({
  agent: 'advisor',
  messages: [{ role: 'user', content: text }],
  schema: Reply,
  schemaName: 'reply',
  temperature: 0,
});

describe('the LLM cache', () => {
  it('answers a repeated question from Redis, and asks again over an entry that is not one', async () => {
    const inner = counting();
    const cache = new CachedLlmClient(inner, redis, 'auto', 0, 'cache-test');
    const first = await cache.complete(request('same question'));
    const again = await cache.complete(request('same question'));
    expect(inner.calls).toBe(1);
    expect(again).toMatchObject({ value: first.value, cached: true, costUsd: 0 });

    // Every stored entry overwritten with what is not a cache entry: not JSON, then JSON of
    // another shape. Each is a miss (a new call), never a crash or a reply of the wrong shape.
    const keys = await redis.keys('cache-test:llm-cache:*');
    expect(keys).toHaveLength(1);
    for (const junk of ['not json {', JSON.stringify({ something: 'else' })]) {
      await redis.set(keys[0]!, junk);
      const calls = inner.calls;
      const answer = await cache.complete(request('same question'));
      expect(inner.calls).toBe(calls + 1);
      expect(answer.cached).toBe(false);
      expect(Reply.parse(answer.value)).toEqual({ answer: calls + 1 });
    }
  });
});
