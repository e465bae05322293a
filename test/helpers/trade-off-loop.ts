import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';

/**
 * A campaign's loop without the queue: `batch` proposals at a time, each evaluated at once into
 * a completed trial whose validation holds the metrics `evaluate` returns (its `value` the
 * metric named `metric`). What sampler tests run strategies on.
 */
export async function runTradeOffLoop(
  strategy: Strategy,
  evaluate: (config: Config) => Record<string, number>,
  opts: { trials: number; batch?: number; metric: string },
): Promise<TrialRecord[]> {
  const history: TrialRecord[] = [];
  while (history.length < opts.trials) {
    const proposals = await strategy.propose(
      history,
      Math.min(opts.batch ?? 1, opts.trials - history.length),
    );
    if (!proposals.length)
      throw new Error(`${strategy.name} proposed nothing at ${history.length} trials`);
    for (const p of proposals) {
      const metrics = evaluate(p.config);
      history.push({
        number: history.length + 1,
        state: 'completed',
        config: p.config,
        reason: p.reason,
        source: strategy.name,
        proposedAt: 0,
        attempts: 1,
        value: metrics[opts.metric]!,
        validation: { loss: 0, ...metrics },
        ...(p.meta ? { meta: p.meta } : {}),
      });
    }
  }
  return history;
}
