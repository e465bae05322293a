import type { ChatMessage, LlmUsage } from './llm-client.ts';

/** One turn asked of a chat model: the messages and, when wanted, the reply's JSON schema. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  seed?: number;
  /** Structured output: the server is asked for JSON of this schema (it may ignore it). */
  responseSchema?: { name: string; jsonSchema: Record<string, unknown> };
  /** Ask for the next tokens' log-probabilities (this many alternatives per token). */
  topLogprobs?: number;
  /** Ends the turn (and the transport's retries) when aborted. */
  signal?: AbortSignal;
  /** Who asks, for error messages. */
  caller: string;
}

/** A token's log-probability, with the most likely alternatives at its place. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top: { token: string; logprob: number }[];
}

export interface ChatReply {
  text: string;
  usage: LlmUsage;
  /** Only when asked for and the server gave them. */
  logprobs?: TokenLogprob[];
}

/**
 * The bottom layer of the LLM client: text in, text out, with usage (and log-probabilities when
 * the server gives them). It knows nothing of schemas, repair or prices: StructuredLlmClient
 * adds those on top, and decorators (the cache) wrap the whole.
 */
export interface ChatModel {
  chat(request: ChatRequest): Promise<ChatReply>;
}
