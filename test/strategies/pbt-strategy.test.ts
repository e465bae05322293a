import { describe, expect, it } from 'vitest';
import type { CampaignEvent } from '../../src/contracts/campaign-events.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import { inRunParams } from '../../src/strategies/in-run-params.ts';
import { PbtStrategy } from '../../src/strategies/pbt-strategy.ts';
import type { Proposal } from '../../src/strategies/strategy.ts';
import type { StrategyContext } from '../../src/strategies/strategy-context.ts';
import iris from '../../tasks/iris.ts';

/** What PBT writes to its campaign: events only (it keeps no state of its own). */
function eventLog(): { context: StrategyContext; events: CampaignEvent[] } {
  const events: CampaignEvent[] = [];
  const context: StrategyContext = {
    getState: async () => null,
    updateState: async () => null,
    curves: async () => new Map(),
    log: async (e) => void events.push(e),
    llmUsage: async () => ({ tokens: 0, costUsd: 0 }),
    addLlmUsage: async () => ({ tokens: 0, costUsd: 0 }),
  };
  return { context, events };
}

const start: Config = { ...(iris.baseline as Config), epochs: 6 };
const options = {
  totalEpochs: 6,
  interval: 2,
  population: 4,
  start,
  seed: 3,
  direction: 'maximize' as const,
};

/** The proposals as finished trials, numbered after `history`, with the given values. */
function finish(history: TrialRecord[], proposals: Proposal[], values: number[]): TrialRecord[] {
  return [
    ...history,
    ...proposals.map((p, k) => ({
      number: history.length + k + 1,
      state: 'completed' as const,
      config: p.config,
      reason: p.reason,
      source: 'pbt',
      proposedAt: 0,
      attempts: 1,
      value: values[k]!,
      ...(p.meta ? { meta: p.meta } : {}),
      ...(p.segment ? { segment: p.segment } : {}),
    })),
  ];
}

describe('PbtStrategy', () => {
  it('starts a population from the start configuration, perturbing only what may change mid-run', async () => {
    const pbt = new PbtStrategy(iris.space, eventLog().context, options);
    const first = await pbt.propose([], 10);
    expect(first).toHaveLength(4);
    expect(first[0]!.config).toEqual(start);
    expect(first.every((p) => p.segment!.until === 2 && p.segment!.from === undefined)).toBe(true);
    const mutable = new Set(inRunParams(iris.space).map((p) => p.name));
    for (const p of first)
      for (const [k, v] of Object.entries(p.config)) if (!mutable.has(k)) expect(v).toBe(start[k]);
    expect(first.slice(1).some((p) => JSON.stringify(p.config) !== JSON.stringify(start))).toBe(
      true,
    );
  });

  it('has the worst quarter copy the best quarter and explore; the others go on from their own', async () => {
    const { context, events } = eventLog();
    const pbt = new PbtStrategy(iris.space, context, options);
    let history = finish([], await pbt.propose([], 4), [0.5, 0.9, 0.7, 0.3]);
    // Nothing more while a generation is unfinished.
    const waiting = history.map((t, k) => (k === 0 ? { ...t, state: 'running' as const } : t));
    expect(await pbt.propose(waiting, 4)).toEqual([]);
    const second = await pbt.propose(history, 4);
    expect(second.map((p) => p.segment)).toEqual([
      { from: 1, until: 4 },
      { from: 2, until: 4 },
      { from: 3, until: 4 },
      // Member 3 (0.3, the worst) copies member 1 (0.9, the best).
      { from: 2, until: 4 },
    ]);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'pbt.exploit',
        generation: 1,
        member: 3,
        from: 1,
        fromTrial: 2,
      }),
    ]);
    // The same history gives the same plan (a driver that takes over proposes the same).
    const again = new PbtStrategy(iris.space, eventLog().context, options);
    expect(await again.propose(history, 4)).toEqual(second);
    history = finish(history, second, [0.6, 0.8, 0.95, 0.4]);
    history = finish(history, await pbt.propose(history, 4), [0.6, 0.85, 0.97, 0.5]);
    // The run's length is reached: nothing more, and the result is the best of the last generation.
    expect(await pbt.propose(history, 4)).toEqual([]);
    expect(await pbt.resultTrial(history)).toBe(11);
  });

  it('proposes no more than it is asked for, and the rest at the next look', async () => {
    const pbt = new PbtStrategy(iris.space, eventLog().context, options);
    const two = await pbt.propose([], 2);
    expect(two.map((p) => p.meta!['member'])).toEqual([0, 1]);
    const history = finish([], two, [0.5, 0.6]).map((t) => ({ ...t, state: 'running' as const }));
    expect((await pbt.propose(history, 2)).map((p) => p.meta!['member'])).toEqual([2, 3]);
  });
});
