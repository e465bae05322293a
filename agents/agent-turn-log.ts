import type { StrategyContext } from '../src/strategies/strategy-context.ts';
import type { AgentAnswer } from './agent-types.ts';

/**
 * Logs an agent's turn (what it was given in short, its reply, its model and cost) and counts its
 * tokens against the campaign: rule-based and cached answers cost nothing.
 */
export async function logAgentTurn(
  context: StrategyContext,
  agent: 'advisor' | 'evaluator' | 'optimizer',
  answer: AgentAnswer<unknown>,
  promptVersion?: number,
): Promise<void> {
  const m = answer.meta;
  await context.log({
    type: 'agent.message',
    agent,
    rules: m.rules,
    model: m.model,
    ...(promptVersion !== undefined ? { promptVersion } : {}),
    inputs: answer.summary,
    reply: answer.output,
    tokens: m.usage.totalTokens,
    costUsd: m.costUsd,
    latencyMs: m.latencyMs,
    cached: m.cached,
    repaired: m.repaired,
  });
  if (m.rules || m.cached) return;
  await context.addLlmUsage(m.usage.totalTokens, m.costUsd);
}
