import type { Proposal } from '../src/strategies/strategy.ts';
import type { AnyTask } from '../src/task-kinds/task.ts';
import { NO_USAGE, type LlmResult } from '../src/llm/llm-client.ts';
import type { AdvisorReply, EvaluatorReply, OptimizerReply } from './agent-schemas.ts';
import type { TrialView } from './campaign-digest.ts';

/** How an agent's answer was obtained: by an LLM (with its cost) or by the rule-based stand-in. */
export interface AgentMeta extends Pick<
  LlmResult<unknown>,
  'model' | 'usage' | 'costUsd' | 'latencyMs' | 'cached' | 'repaired'
> {
  rules: boolean;
}

/** How a rule-based stand-in's answers are labelled: no model, no tokens, no cost. */
export const RULES_META: AgentMeta = {
  rules: true,
  model: 'rules',
  usage: NO_USAGE,
  costUsd: 0,
  latencyMs: 0,
  cached: false,
  repaired: false,
};

export interface AgentAnswer<T> {
  output: T;
  meta: AgentMeta;
  /** The inputs in a line or two, for the agent log. */
  summary: string;
}

export interface AdvisorInput {
  task: AnyTask;
  trials: TrialView[];
  feedback: EvaluatorReply | null;
  lessons: string[];
  count: number;
  budget: string;
  template: string;
  /** Candidates from a numeric strategy the Advisor may choose among and edit (hybrid). */
  candidates?: Proposal[];
  candidatesState?: string;
  /** Why the previous proposals of this turn were refused (fields and ranges). */
  rejected?: string;
}

export interface EvaluatorInput {
  task: AnyTask;
  trials: TrialView[];
  /** The trials of the round under judgement. */
  round: TrialView[];
  lessons: string[];
}

export interface OptimizerInput {
  version: number;
  template: string;
  requiredVariables: string[];
  /** Per prompt version: its proposals and their outcomes, in words. */
  history: string;
}

export interface Advisor {
  advise(input: AdvisorInput): Promise<AgentAnswer<AdvisorReply>>;
}

export interface Evaluator {
  evaluate(input: EvaluatorInput): Promise<AgentAnswer<EvaluatorReply>>;
}

export interface PromptOptimizer {
  optimize(input: OptimizerInput): Promise<AgentAnswer<OptimizerReply>>;
}
