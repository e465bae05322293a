import type { CampaignEvent } from '../src/contracts/campaign-events.ts';
import { z } from 'zod';
import { PromptVersionSchema } from '../src/contracts/prompt-history.ts';
import type { CampaignRecord } from '../src/contracts/campaign-record.ts';
import type { StrategyContext } from '../src/strategies/strategy-context.ts';
import type { Strategy } from '../src/strategies/strategy.ts';
import type { AnyTask } from '../src/task-kinds/task.ts';
import { EvaluatorReplySchema } from './agent-schemas.ts';
import type { AgentAnswer, Advisor, Evaluator, PromptOptimizer } from './agent-types.ts';
import type { LlmCandidateChooser } from './llm-agents.ts';

/** The agents a campaign talks to; the rule-based stand-ins when no LLM is configured. */
export interface LgtAgents {
  advisor: Advisor;
  evaluator: Evaluator;
  /** Absent without an LLM: rules do not rewrite prompts. */
  optimizer?: PromptOptimizer;
  /** hybrid with proxy-tuned Advisor decisions: picks among the candidates by label logprobs. */
  chooser?: LlmCandidateChooser;
  /** Used when an LLM agent fails (or its replies stay invalid): the answer comes from rules. */
  fallbackAdvisor: Advisor;
  fallbackEvaluator: Evaluator;
}

export interface LgtOptions {
  /** Rewrite the Advisor's prompt every this many evaluated rounds (or on stagnation). */
  optimizeEvery: number;
  /** Advisor turns per round when proposals are invalid, before numeric ones replace them. */
  maxAdvisorTurns: number;
  /** Numeric candidates the Advisor chooses among and edits (the `hybrid` strategy). */
  candidates?: Strategy;
  /** Numeric proposals that replace invalid ones. */
  numericFallback: Strategy;
}

export const RoundSchema = z.object({
  index: z.number(),
  firstTrial: z.number(),
  size: z.number(),
  promptVersion: z.number(),
  evaluated: z.boolean(),
  /** Mean validation metric of the round's trials, once evaluated (for prompt rollbacks). */
  score: z.number().nullable().optional(),
  improvedBest: z.boolean().optional(),
});
export type Round = z.infer<typeof RoundSchema>;

/** All the Language-Guided Tuning state of a campaign, kept in Redis so a driver can resume. */
export const LgtStateSchema = z.object({
  rounds: z.array(RoundSchema),
  feedback: EvaluatorReplySchema.nullable(),
  lessons: z.array(z.string()),
  prompts: z.array(PromptVersionSchema),
  activePrompt: z.number(),
  /** Index of the round when the active prompt was set. */
  activeSince: z.number(),
});
export type LgtState = z.infer<typeof LgtStateSchema>;

/**
 * What the parts of the LGT loop share (the loop itself, the Advisor's turns, the prompt
 * versions): the campaign's task and request, its narrow context, the agents, and how an agent's
 * turn is logged and counted.
 */
export interface LgtSession {
  readonly name: 'lgt' | 'hybrid';
  readonly task: AnyTask;
  readonly campaign: CampaignRecord;
  readonly context: StrategyContext;
  readonly agents: LgtAgents;
  readonly options: LgtOptions;
  log(event: CampaignEvent): Promise<void>;
  /** Logs an agent's turn and counts its tokens. */
  record(
    agent: 'advisor' | 'evaluator' | 'optimizer',
    answer: AgentAnswer<unknown>,
    promptVersion?: number,
  ): Promise<void>;
  /** True once the LLM budget is spent: no agent is asked again. */
  budgetSpent(): Promise<boolean>;
}

/** Mean score of evaluated rounds (null when none has one). */
export function meanScore(rounds: Round[]): number | null {
  const scores = rounds.map((r) => r.score).filter((v): v is number => typeof v === 'number');
  return scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
}
