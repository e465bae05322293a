import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';

/**
 * Runs a strategy against a cheap synthetic objective, the way the campaign driver would: asks
 * for up to `parallel` proposals, "trains" them (evaluates the objective), records the results,
 * and repeats until `budget` trials. Returns the trials and the best value after each trial.
 */
export async function runSynthetic(
  strategy: Strategy,
  objective: (config: Config) => number,
  opts: { budget: number; parallel?: number; direction?: 'maximize' | 'minimize' },
): Promise<{ trials: TrialRecord[]; bestAfter: number[] }> {
  const trials: TrialRecord[] = [];
  const parallel = opts.parallel ?? 1;
  const better = (a: number, b: number) => (opts.direction === 'maximize' ? a > b : a < b);
  while (trials.length < opts.budget) {
    const proposals = await strategy.propose(
      trials,
      Math.min(parallel, opts.budget - trials.length),
    );
    if (proposals.length === 0) break;
    // Proposed together, they "run" at the same time: record all before any result is known.
    const batch = proposals.map((p, i) => ({
      number: trials.length + i + 1,
      state: 'running' as const,
      config: p.config,
      reason: p.reason,
      // As the driver records it: the proposer's own source (the default, a fallback) first.
      source: p.source ?? strategy.name,
      proposedAt: 0,
      attempts: 1,
      ...(p.meta ? { meta: p.meta } : {}),
    }));
    trials.push(...batch);
    for (const t of batch) Object.assign(t, { state: 'completed', value: objective(t.config) });
  }
  const bestAfter: number[] = [];
  let best = NaN;
  for (const t of trials) {
    const v = t.value as number;
    if (Number.isNaN(best) || better(v, best)) best = v;
    bestAfter.push(best);
  }
  return { trials, bestAfter };
}
