import type { StrategyContext } from '../strategies/strategy-context.ts';
import type { CampaignStore } from './campaign-store.ts';

/**
 * The narrow views a campaign's strategies get of it (see StrategyContext), backed by the store:
 * one per state name, so a strategy and the ones it wraps keep their states apart.
 */
export function strategyContextsOf(
  store: CampaignStore,
  id: string,
): (stateName: string) => StrategyContext {
  return (stateName) => ({
    getState: (schema) => store.getState(id, stateName, schema),
    updateState: (schema, change) => store.updateState(id, stateName, schema, change),
    curves: (trials) => store.getCurves(id, [...trials]),
    log: async (event) => {
      await store.appendEvent(id, event);
      // Counted apart from the log (which keeps only its latest events): the driver and the
      // summary ask whether the LLM ever answered.
      if (event.type === 'agent.fallback') await store.addLlmFallback(id, event.reason);
    },
    llmUsage: () => store.getLlmUsage(id),
    addLlmUsage: (tokens, costUsd) => store.addLlmUsage(id, tokens, costUsd),
  });
}
