import { LgtError } from '../errors/lgt-error.ts';
import type { z } from 'zod';
import type { LabelDecision, LabelDecisionRequest } from './label-decision.ts';

export type AgentName = 'advisor' | 'evaluator' | 'optimizer';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest<T> {
  agent: AgentName;
  /** The model, when the caller chooses it (a campaign's); else the client's for this agent. */
  model?: string;
  messages: ChatMessage[];
  /** The reply's shape: sent as a structured-output JSON schema, and checked on the way back. */
  schema: z.ZodType<T>;
  schemaName: string;
  temperature?: number;
  seed?: number;
  /** Ends the call (the endpoint's retries included) when aborted: the caller's deadline. */
  signal?: AbortSignal;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface LlmResult<T> {
  value: T;
  model: string;
  usage: LlmUsage;
  costUsd: number;
  latencyMs: number;
  /** Served from the response cache (no call made). */
  cached: boolean;
  /** The first reply was not valid and a repair turn fixed it. */
  repaired: boolean;
  /** Model turns this result took (0 when cached, 2 with a repair turn; SDK retries not counted). */
  calls: number;
}

/** What the agents need from a language model; tests and the cache wrap or replace it. */
export interface LlmClient {
  readonly model: (agent: AgentName) => string;
  complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>>;
  /**
   * A choice among labelled options from the labels' next-token log-probabilities (see
   * proxy-tuned-llm-client.ts); absent on clients that cannot make one.
   */
  decide?(request: LabelDecisionRequest): Promise<LabelDecision>;
}

/** The model's reply could not be made to fit the schema, even after a repair turn. */
export class LlmReplyError extends LgtError {
  constructor(
    message: string,
    readonly usage: LlmUsage,
  ) {
    super('llm-reply', message);
    this.name = 'LlmReplyError';
  }
}

export const NO_USAGE: LlmUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

export function addUsage(a: LlmUsage, b: LlmUsage): LlmUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}
