import type { RedisClient } from '../queue/redis-connection.ts';
import { CachedLlmClient } from './cached-llm-client.ts';
import type { ChatModel } from './chat-model.ts';
import type { LlmClient } from './llm-client.ts';
import type { LlmSettings } from './llm-settings.ts';
import { OpenAiChatModel } from './openai-chat-model.ts';
import { StructuredLlmClient } from './structured-llm-client.ts';
import { ProxyTunedLlmClient, type DecisionEndpoint } from './proxy-tuned-llm-client.ts';

/**
 * The LLM client of a process, composed in one place: a chat model (the endpoint), structured
 * replies with validation, repair and pricing on top, then the decorators (today the response
 * cache; a new behaviour is one more wrapper here).
 */
export function createLlmClient(
  settings: LlmSettings,
  redis: RedisClient,
  prefix: string,
  chat: ChatModel = new OpenAiChatModel(settings),
): LlmClient {
  const structured = new StructuredLlmClient(chat, settings);
  // Label decisions from logprobs, steered where an agent has an expert/anti-expert pair.
  const tuning = Object.fromEntries(
    Object.entries(settings.proxyTuning ?? {}).map(([agent, t]) => [
      agent,
      {
        expert: endpointOf(t.expert, settings),
        anti: endpointOf(t.anti, settings),
        alpha: t.alpha,
      },
    ]),
  );
  const decisions = new ProxyTunedLlmClient(
    structured,
    // LGT_LLM_PRICE prices the agents' own model; the pair's models are priced when known.
    { chat, name: settings.baseUrl, ...(settings.price ? { price: settings.price } : {}) },
    tuning,
  );
  return new CachedLlmClient(
    decisions,
    redis,
    settings.cache,
    settings.temperature,
    prefix,
    settings.baseUrl,
    settings.cacheTtlSeconds,
    // The proxy's endpoints, models and alpha (no keys) decide a decision too.
    JSON.stringify(settings.proxyTuning ?? {}, (k, v) => (k === 'apiKeyEnv' ? undefined : v)),
  );
}

function endpointOf(
  e: { baseUrl: string; model: string; apiKeyEnv?: string | undefined },
  settings: LlmSettings,
): DecisionEndpoint {
  return {
    chat: new OpenAiChatModel({
      baseUrl: e.baseUrl,
      apiKey: (e.apiKeyEnv && process.env[e.apiKeyEnv]) || 'not-needed',
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
    }),
    model: e.model,
    name: e.baseUrl,
  };
}
