/**
 * What a strategy's proposal costs by itself, apart from the queue, the driver and Redis: the
 * time of `propose(history, 8)` on histories of 100 to 10,000 finished trials (random
 * configurations of a benchmark function's space, scored by the function), median of 5 calls
 * after one to warm up. bench/scale.ts measures the whole loop; this says which part of it is
 * the strategy's.
 *
 *   npx tsx bench/strategy-cost.ts [--strategies random,tpe,gp] [--at 100,1000,5000,10000]
 *     [--task bench:hartmann6]
 *
 * Strategies that learn from their own proposals (cmaes, zo and fdpg, which store what they need
 * beside each proposal) would read such a history as someone else's trials and do little work;
 * bench/scale.ts measures them in a real campaign instead.
 */
import { parseArgs } from 'node:util';
import type { TrialRecord } from '../src/contracts/trial-record.ts';
import { findBuiltInTask } from '../src/catalog/task-registry.ts';
import { isObjectiveTask } from '../src/task-kinds/objective.ts';
import { RandomStrategy } from '../src/strategies/random-strategy.ts';
import type { Strategy } from '../src/strategies/strategy.ts';
import { TpeStrategy } from '../src/strategies/tpe-strategy.ts';
import { GpStrategy } from '../src/strategies/gp-strategy.ts';

const { values: args } = parseArgs({
  options: {
    strategies: { type: 'string', default: 'random,tpe' },
    at: { type: 'string', default: '100,1000,5000,10000' },
    task: { type: 'string', default: 'bench:hartmann6' },
  },
});
const task = findBuiltInTask(args.task);
if (!task || !isObjectiveTask(task)) throw new Error(`${args.task} is not a benchmark function`);
const lengths = args.at.split(',').map(Number);
const direction = task.metric.direction;

// One history for all: random configurations, scored by the function.
const random = new RandomStrategy(task.space, 7);
const history: TrialRecord[] = [];
while (history.length < Math.max(...lengths)) {
  for (const p of await random.propose(history, 100)) {
    const number = history.length + 1;
    const outcome = await task.objective(p.config, {
      number,
      seed: number,
      signal: new AbortController().signal,
      final: false,
      dataDirs: [],
      report: async () => {},
      shouldStop: () => false,
    });
    const value = typeof outcome === 'number' ? outcome : outcome?.[task.metric.name];
    if (typeof value !== 'number') throw new Error(`${task.name} returned no ${task.metric.name}`);
    history.push({
      number,
      state: 'completed',
      config: p.config,
      reason: p.reason,
      source: 'random',
      proposedAt: number,
      attempts: 1,
      value,
    });
  }
}

const make: Record<string, () => Strategy> = {
  random: () => new RandomStrategy(task.space, 1),
  tpe: () => new TpeStrategy(task.space, 1, direction),
  gp: () =>
    new GpStrategy(task.space, 1, direction, { deterministic: task.deterministic === true }),
};
console.log(`| strategy | ${lengths.map((n) => `ms per propose(8) at ${n}`).join(' | ')} |`);
console.log(`|${' --- |'.repeat(lengths.length + 1)}`);
for (const name of args.strategies.split(',')) {
  if (!make[name])
    throw new Error(`unknown strategy ${name}; this bench knows ${Object.keys(make).join(', ')}`);
  const cells: string[] = [];
  for (const n of lengths) {
    const h = history.slice(0, n);
    const strategy = make[name]();
    await strategy.propose(h, 8);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await strategy.propose(h, 8);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    cells.push(times[2]!.toFixed(1));
  }
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
console.log(
  `\nnpx tsx bench/strategy-cost.ts --strategies ${args.strategies} --at ${args.at} --task ${args.task}`,
);
