import type { z } from 'zod';
import type { CampaignEvent } from '../contracts/campaign-events.ts';
import type { EpochRecord } from '../trainer/trainer.ts';

export interface LlmUsage {
  tokens: number;
  costUsd: number;
}

/**
 * What a strategy may see and write of its campaign, and no more: its own state (kept with the
 * campaign, so a driver that takes over resumes it), the trials' learning curves, the event log,
 * and the LLM usage so far. Not the store: the driver alone moves the campaign (budgets, stops).
 */
export interface StrategyContext {
  /** The strategy's state, parsed by the schema it is kept by (an error names what is wrong). */
  getState<S extends z.ZodType>(schema: S): Promise<z.output<S> | null>;
  /** Atomic read-modify-write of the state; `change` returns null to leave it as it is. */
  updateState<S extends z.ZodType>(
    schema: S,
    change: (current: z.output<S> | null) => z.output<S> | null,
  ): Promise<z.output<S> | null>;
  curves(trials: readonly number[]): Promise<Map<number, EpochRecord[]>>;
  log(event: CampaignEvent): Promise<void>;
  llmUsage(): Promise<LlmUsage>;
  /** Counts an LLM call's tokens and cost; returns the campaign's totals. */
  addLlmUsage(tokens: number, costUsd: number): Promise<LlmUsage>;
}

/** An LLM budget (tokens, dollars, or both) as a campaign request gives it. */
export interface LlmBudget {
  tokens?: number | undefined;
  costUsd?: number | undefined;
}

/** Whether usage has reached a budget (either of its limits). */
export function llmBudgetSpent(budget: LlmBudget, spent: LlmUsage): boolean {
  return (
    (budget.tokens !== undefined && spent.tokens >= budget.tokens) ||
    (budget.costUsd !== undefined && spent.costUsd >= budget.costUsd)
  );
}
