import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/create-llm-client.ts';
import type { LabelDecisionRequest } from '../../src/llm/label-decision.ts';
import type { LlmClient } from '../../src/llm/llm-client.ts';
import { llmSettingsFromEnv } from '../../src/llm/llm-settings.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { logprobServer, ScriptedLlmServer } from '../helpers/scripted-llm-server.ts';

/**
 * Proxy-tuned label decisions through the real `openai` client against three scripted
 * OpenAI-compatible servers (test doubles that answer next-token logprobs from a script, not
 * LLMs): the base endpoint, an expert and an anti-expert.
 */
let redisServer: RedisServerProcess;
let redis: RedisClient;
const servers: ScriptedLlmServer[] = [];

/** A started logprob server, stopped after the test. */
async function serverOf(top: Record<string, number>): Promise<ScriptedLlmServer> {
  const server = await logprobServer(top);
  servers.push(server);
  return server;
}

function client(
  base: ScriptedLlmServer,
  proxy?: { expert: ScriptedLlmServer; anti: ScriptedLlmServer; alpha?: number },
  cache: 'on' | 'off' = 'off',
): LlmClient {
  const settings = llmSettingsFromEnv({
    LGT_LLM_BASE_URL: base.url,
    OPENAI_API_KEY: 'sk-proxy-test-not-real',
    LGT_LLM_CACHE: cache,
    LGT_LLM_MAX_RETRIES: '0',
    ...(proxy
      ? {
          LGT_PROXY_TUNING: JSON.stringify({
            evaluator: {
              expert: { baseUrl: proxy.expert.url, model: 'small-tuned' },
              anti: { baseUrl: proxy.anti.url, model: 'small-base' },
              ...(proxy.alpha !== undefined ? { alpha: proxy.alpha } : {}),
            },
          }),
        }
      : {}),
  })!;
  return createLlmClient(settings, redis, `proxy-test-${Math.random().toString(36).slice(2)}`);
}

const question: LabelDecisionRequest = {
  agent: 'evaluator',
  messages: [
    { role: 'system', content: 'Three candidate configurations, A, B and C.' },
    {
      role: 'user',
      content: 'Which one should be trained next? Answer with one label: A, B or C.',
    },
  ],
  labels: ['A', 'B', 'C'],
};

beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = createRedis(redisServer.url);
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  redis.disconnect();
  await redisServer.stop();
});

describe('proxy-tuned label decisions', () => {
  it('alpha 0, or the same expert and anti-expert, reproduce the base model exactly', async () => {
    const base = await serverOf({ B: -0.5, A: -1.2, C: -2 });
    const alone = await client(base).decide!(question);
    expect(alone.label).toBe('B');
    // The base's own distribution, renormalized over the labels.
    const z = Math.exp(-0.5) + Math.exp(-1.2) + Math.exp(-2);
    expect(alone.probabilities['B']).toBeCloseTo(Math.exp(-0.5) / z, 12);
    const expert = await serverOf({ C: -0.1, A: -3, B: -3 });
    const anti = await serverOf({ B: -0.2, A: -3, C: -3 });
    const zero = await client(base, { expert, anti, alpha: 0 }).decide!(question);
    expect(zero.label).toBe('B');
    expect(zero.scores).toEqual(alone.scores);
    // alpha 0 asks the pair nothing.
    expect(expert.requests).toHaveLength(0);
    const twin = await serverOf({ C: -0.1, A: -3, B: -3 });
    const same = await client(base, { expert, anti: twin }).decide!(question);
    expect(same.label).toBe('B');
    expect(same.probabilities).toEqual(alone.probabilities);
    // Every endpoint was asked for logprobs of the next token, through the openai client.
    expect(expert.requests[0]!.body).toMatchObject({ logprobs: true, top_logprobs: 20 });
    expect(expert.requests[0]!.body.model).toBe('small-tuned');
  });

  it('an expert that prefers C moves the choice to C when its margin beats the base', async () => {
    const base = await serverOf({ B: -0.5, A: -1.2, C: -2 });
    const expert = await serverOf({ C: -0.1, A: -3, B: -3 });
    const anti = await serverOf({ B: -0.2, A: -3, C: -3 });
    const steered = await client(base, { expert, anti }).decide!(question);
    // C: -2 + (-0.1 - -3) = 0.9; B: -0.5 + (-3 - -0.2) = -3.3; A: -1.2 + 0 = -1.2.
    expect(steered.label).toBe('C');
    expect(steered.scores['C']).toBeCloseTo(0.9, 12);
    expect(steered.scores['B']).toBeCloseTo(-3.3, 12);
    expect(steered.usage.totalTokens).toBe(450);
    // Priced per endpoint: the base's gpt-4o-mini (100 in, 50 out) at $0.15/$0.60 per million;
    // the pair's own small models have no known price.
    expect(steered.costUsd).toBeCloseTo((100 * 0.15 + 50 * 0.6) / 1e6, 15);
    // A gentle alpha leaves the base's choice: 0.1 x the expert's margin is not enough.
    const gentle = await client(base, { expert, anti, alpha: 0.1 }).decide!(question);
    expect(gentle.label).toBe('B');
  });

  it('floors a label missing from a top-k list at its lowest logprob, and reports the coverage', async () => {
    const base = await serverOf({ B: -0.4, A: -1.5, ' A': -2.5 });
    const decision = await client(base).decide!(question);
    expect(decision.coverage).toEqual([
      { endpoint: `${base.url} (gpt-4o-mini)`, covered: 2, of: 3 },
    ]);
    // C is floored at the list's lowest (-2.5); " A" counts as A (its likelier spelling wins).
    expect(decision.scores).toEqual({ A: -1.5, B: -0.4, C: -2.5 });
  });

  it('says at the first call that a server gives no logprobs, naming it', async () => {
    const plain = new ScriptedLlmServer({
      advisor: () => ({ content: 'B' }),
      evaluator: () => ({ content: 'B' }),
      optimizer: () => ({ content: 'B' }),
    });
    await plain.start();
    servers.push(plain);
    await expect(client(plain).decide!(question)).rejects.toThrow(
      new RegExp(`${plain.url.replace(/[.]/g, '\\.')} \\(gpt-4o-mini\\) returned no logprobs`),
    );
  });

  it('composes with the cache: the same question is decided once', async () => {
    const base = await serverOf({ B: -0.5, A: -1.2, C: -2 });
    const expert = await serverOf({ C: -0.1, A: -3, B: -3 });
    const anti = await serverOf({ B: -0.2, A: -3, C: -3 });
    const cached = client(base, { expert, anti }, 'on');
    const first = await cached.decide!(question);
    const again = await cached.decide!(question);
    expect(again).toEqual({ ...first, usage: again.usage, costUsd: 0, cached: true });
    expect(again.usage.totalTokens).toBe(0);
    expect(first.costUsd).toBeGreaterThan(0);
    expect(base.requests).toHaveLength(1);
  });

  it('refuses a malformed LGT_PROXY_TUNING, naming the field', () => {
    expect(() =>
      llmSettingsFromEnv({
        OPENAI_API_KEY: 'k',
        LGT_PROXY_TUNING: JSON.stringify({ evaluator: { expert: { baseUrl: 'nope' } } }),
      }),
    ).toThrow(/LGT_PROXY_TUNING is invalid: evaluator\.expert\.baseUrl: must be a URL/);
  });
});
