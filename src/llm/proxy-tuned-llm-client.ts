import type { ChatModel } from './chat-model.ts';
import { costOf } from './llm-pricing.ts';
import {
  labelLogprobs,
  softmax,
  type LabelCoverage,
  type LabelDecision,
  type LabelDecisionRequest,
} from './label-decision.ts';
import {
  addUsage,
  NO_USAGE,
  type AgentName,
  type LlmClient,
  type LlmRequest,
  type LlmResult,
} from './llm-client.ts';

/** One endpoint and the model asked there. */
export interface DecisionEndpoint {
  chat: ChatModel;
  model: string;
  /** Its base URL, for the coverage log and error messages (never its key). */
  name: string;
  /** USD per million tokens, when the model is not one llm-pricing.ts knows (LGT_LLM_PRICE). */
  price?: { input: number; output: number };
}

/** An agent's proxy-tuning: the expert/anti-expert pair and how hard it steers. */
export interface ProxyTuning {
  expert: DecisionEndpoint;
  anti: DecisionEndpoint;
  /** 0 reproduces the base model's choice; 1 by default. */
  alpha: number;
}

/** Alternatives per token asked of each endpoint (OpenAI's maximum). */
const TOP_LOGPROBS = 20;

/**
 * Proxy-tuning (Liu et al. 2024) for an agent's single-token decisions, as a decorator of the
 * LLM client: `complete` goes to the client it wraps; `decide` asks the base endpoint (the
 * agent's own) and, where the agent has a proxy configured, a small expert and anti-expert for the
 * next-token log-probabilities of the labels, and picks by
 *   log p_base(k) + alpha * (log p_expert(k) - log p_anti(k)),
 * softmax over the labels. With alpha 0, or the same expert and anti-expert, the base model's
 * choice comes out unchanged. How many labels each top-k list held is in the decision.
 */
export class ProxyTunedLlmClient implements LlmClient {
  constructor(
    private readonly inner: LlmClient,
    /** The agents' own endpoint, asked for the base log-probabilities. */
    private readonly base: Omit<DecisionEndpoint, 'model'>,
    private readonly tuning: Partial<Record<AgentName, ProxyTuning>>,
  ) {}

  readonly model = (agent: AgentName): string => this.inner.model(agent);

  complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    return this.inner.complete(request);
  }

  async decide(request: LabelDecisionRequest): Promise<LabelDecision> {
    const base: DecisionEndpoint = {
      ...this.base,
      model: request.model ?? this.model(request.agent),
    };
    const tuning = this.tuning[request.agent];
    const steer = tuning && tuning.alpha !== 0;
    const asked = steer ? [base, tuning.expert, tuning.anti] : [base];
    const replies = await Promise.all(
      asked.map(async (e) => ({
        endpoint: e,
        reply: await e.chat.chat({
          model: e.model,
          messages: request.messages,
          temperature: 0,
          topLogprobs: TOP_LOGPROBS,
          ...(request.signal ? { signal: request.signal } : {}),
          caller: `${request.agent} (decision)`,
        }),
      })),
    );
    const read = replies.map(({ endpoint, reply }) =>
      labelLogprobs(reply, request.labels, `${endpoint.name} (${endpoint.model})`),
    );
    const [b, e, a] = read;
    const alpha = steer ? tuning.alpha : 0;
    const scores = Object.fromEntries(
      request.labels.map((k) => [
        k,
        b!.logprobs[k]! + (steer ? alpha * (e!.logprobs[k]! - a!.logprobs[k]!) : 0),
      ]),
    );
    const probabilities = softmax(scores);
    // The best score wins; a tie goes to the label listed first.
    const label = request.labels.reduce((best, k) => (scores[k]! > scores[best]! ? k : best));
    return {
      label,
      probabilities,
      scores,
      coverage: read.map((r) => r.coverage) satisfies LabelCoverage[],
      usage: replies.reduce((u, r) => addUsage(u, r.reply.usage), NO_USAGE),
      costUsd: replies.reduce(
        (sum, r) => sum + costOf(r.endpoint.model, r.reply.usage, r.endpoint.price),
        0,
      ),
      cached: false,
    };
  }
}
