import { LgtError } from '../errors/lgt-error.ts';
import type { ChatReply } from './chat-model.ts';
import type { AgentName, ChatMessage, LlmUsage } from './llm-client.ts';
import { softmax as softmaxOf } from '../maths/softmax.ts';

/**
 * A choice among labelled options (the K candidates of a round, accept or reject) made from the
 * next-token log-probabilities of the labels, not from generated text.
 */
export interface LabelDecisionRequest {
  agent: AgentName;
  /** The model, when the caller chooses it; else the client's for this agent. */
  model?: string;
  /** The question, ending with the instruction to answer with one label. */
  messages: ChatMessage[];
  /** The labels, each one token long in practice ("A", "B", "accept"). */
  labels: readonly string[];
  signal?: AbortSignal;
}

/** How many of the labels one endpoint's top-k list held (the rest were floored). */
export interface LabelCoverage {
  endpoint: string;
  covered: number;
  of: number;
}

export interface LabelDecision {
  label: string;
  /** Softmax over the labels' combined scores. */
  probabilities: Record<string, number>;
  /** log p_base + alpha * (log p_expert - log p_anti), per label. */
  scores: Record<string, number>;
  coverage: LabelCoverage[];
  usage: LlmUsage;
  /** What the calls cost (each endpoint's model priced as llm-pricing.ts says; 0 from the cache). */
  costUsd: number;
  cached: boolean;
}

/** A server that gave no log-probabilities: a decision cannot be made from it, and it says so. */
export class NoLogprobsError extends LgtError {
  constructor(endpoint: string) {
    super(
      'llm-reply',

      `${endpoint} returned no logprobs: proxy-tuned decisions need an OpenAI-compatible endpoint that answers logprobs with top_logprobs (OpenAI, vLLM, llama.cpp); turn them off for this agent or point it elsewhere`,
    );
    this.name = 'NoLogprobsError';
  }
}

/**
 * The labels' log-probabilities at the reply's first token, from its top-k list. Tokens match a
 * label when they are equal after trimming spaces (" A" and "A"). A label missing from the list
 * gets the list's lowest log-probability as a floor (it is at most that likely).
 */
export function labelLogprobs(
  reply: ChatReply,
  labels: readonly string[],
  endpoint: string,
): { logprobs: Record<string, number>; coverage: LabelCoverage } {
  const first = reply.logprobs?.[0];
  if (!first) throw new NoLogprobsError(endpoint);
  const top = first.top.length ? first.top : [{ token: first.token, logprob: first.logprob }];
  const floor = Math.min(...top.map((t) => t.logprob));
  const logprobs: Record<string, number> = {};
  let covered = 0;
  for (const label of labels) {
    // The most likely spelling of the label counts ("A" and " A" may both be listed).
    const matches = top.filter((t) => t.token.trim() === label).map((t) => t.logprob);
    if (matches.length) covered++;
    logprobs[label] = matches.length ? Math.max(...matches) : floor;
  }
  return { logprobs, coverage: { endpoint, covered, of: labels.length } };
}

/** Softmax over the labels' scores (shifted by the largest, so no exponent overflows). */
export function softmax(scores: Record<string, number>): Record<string, number> {
  const labels = Object.keys(scores);
  const p = softmaxOf(labels.map((k) => scores[k]!));
  return Object.fromEntries(labels.map((k, i) => [k, p[i]!]));
}
