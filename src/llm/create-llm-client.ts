import type { Redis } from 'ioredis';
import { CachedLlmClient } from './cached-llm-client.ts';
import type { ChatModel } from './chat-model.ts';
import type { LlmClient } from './llm-client.ts';
import type { LlmSettings } from './llm-settings.ts';
import { OpenAiChatModel } from './openai-chat-model.ts';
import { StructuredLlmClient } from './structured-llm-client.ts';

/**
 * The LLM client of a process, composed in one place: a chat model (the endpoint), structured
 * replies with validation, repair and pricing on top, then the decorators (today the response
 * cache; a new behaviour is one more wrapper here).
 */
export function createLlmClient(
  settings: LlmSettings,
  redis: Redis,
  prefix: string,
  chat: ChatModel = new OpenAiChatModel(settings),
): LlmClient {
  const structured = new StructuredLlmClient(chat, settings);
  return new CachedLlmClient(
    structured,
    redis,
    settings.cache,
    settings.temperature,
    prefix,
    settings.baseUrl,
    settings.cacheTtlSeconds,
  );
}
