/**
 * Trade-offs on YAHPO Gym's LCBench surrogate, as the YAHPO-MO suite defines them: val_accuracy
 * (max) against val_cross_entropy (min), and val_accuracy against the training time the
 * surrogate predicts (`time`, which lgt's task reports as simulated_seconds). Each campaign is
 * run in this process through lgt's own strategy factory (createStrategy, the code a campaign
 * runs), `--parallel` proposals at a time, every trial answered by the surrogate at its last
 * epoch. Writes one CSV row per trial with both objectives; bench/optuna_multi_objective.py runs
 * Optuna's NSGA-II, multi-objective TPE and random search on the same problems and seeds and
 * prints the hypervolume side by side (normalized objectives, reference point [1, 1]).
 *
 *   LGT_BENCHMARKS_DIR=../shared/benchmarks npx tsx bench/multi-objective.ts \
 *     --instances 167152,167185,189873 --pairs ce,time --strategies random,tpe,nsga2 \
 *     --seeds 20 --budget 100 --out bench/results/multi-objective
 *
 * With --prune each campaign runs again with the multi-objective median rule (--pruner median on
 * a trade-off) until it has spent the same simulated training time; pruning<label>.csv has both,
 * and the Python side tables the hypervolume each reached (docs/trade-offs.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { CampaignRecord } from '../src/contracts/campaign-record.ts';
import { parseCampaignRequest } from '../src/contracts/campaign-request.ts';
import type { TrialRecord } from '../src/contracts/trial-record.ts';
import { createStrategy } from '../src/campaign/create-strategy.ts';
import type { StrategyContext } from '../src/strategies/strategy-context.ts';
import { lcbenchTask } from '../tasks/lcbench.ts';
import type { ObjectiveMetrics } from '../src/task-kinds/objective.ts';
import type { EpochRecord } from '../src/trainer/trainer.ts';
import { createPruner } from '../src/trials/create-pruner.ts';
import { ObjectiveSet } from '../src/trade-offs/objective-set.ts';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '167152,167185,189873' },
    pairs: { type: 'string', default: 'ce,time' },
    strategies: { type: 'string', default: 'random,tpe,nsga2' },
    seeds: { type: 'string', default: '20' },
    budget: { type: 'string', default: '100' },
    parallel: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/results/multi-objective' },
    // TPE's settings when not the defaults, e.g. '{"multivariate":false}' (as bench/tuning.ts).
    'tpe-options': { type: 'string' },
    // A name for this variant's rows (lgt-<strategy><label>).
    label: { type: 'string', default: '' },
    // Also run each campaign again with the multi-objective median rule, until it has spent
    // the simulated training time the campaign without it spent (pruning<label>.csv).
    prune: { type: 'boolean', default: false },
    // Which rule --prune runs: median (the median rule for vectors) or asha (ASHA generalized).
    pruner: { type: 'string', default: 'median' },
  },
});

const benchmarksDir =
  process.env['LGT_BENCHMARKS_DIR'] ?? path.resolve(import.meta.dirname, '../../shared/benchmarks');

/** The second objective of each pair, as lgt's LCBench task reports it. */
const PAIRS = {
  ce: { metric: 'val_cross_entropy', direction: 'minimize' },
  time: { metric: 'simulated_seconds', direction: 'minimize' },
} as const;

/**
 * A strategy's state in memory, as the store keeps it (a change returning null writes nothing):
 * these campaigns live in this process only.
 */
function memoryContext(): StrategyContext {
  let state: unknown = null;
  const read = <S extends z.ZodType>(schema: S): z.output<S> | null =>
    state === null ? null : (schema.parse(state) as z.output<S>);
  return {
    getState: (schema) => Promise.resolve(read(schema)),
    updateState: (schema, change) => {
      const next = change(read(schema));
      if (next !== null) state = structuredClone(next);
      return Promise.resolve(next);
    },
    curves: () => Promise.resolve(new Map()),
    log: () => Promise.resolve(),
    llmUsage: () => Promise.resolve({ tokens: 0, costUsd: 0 }),
    addLlmUsage: () => Promise.resolve({ tokens: 0, costUsd: 0 }),
  };
}

interface Limits {
  /** Stop after this many trials. */
  trials: number;
  /** Or once the trials' simulated training time reaches this. */
  seconds?: number;
  /** The multi-objective median rule (see ParetoMedianPruner), judged epoch by epoch. */
  prune?: boolean;
}

/** One campaign; each trial's record carries its state and `spent`, the simulated time so far. */
async function campaign(
  instance: string,
  pair: keyof typeof PAIRS,
  strategyName: string,
  seed: number,
  limits: Limits,
  parallel: number,
): Promise<(TrialRecord & { spent: number })[]> {
  const task = lcbenchTask(instance);
  const second = PAIRS[pair];
  const record: CampaignRecord = {
    id: `mo-${instance}-${pair}-${strategyName}-${seed}`,
    request: parseCampaignRequest({
      task: { kind: 'builtin', name: task.name },
      strategy: strategyName,
      maxTrials: limits.trials,
      parallel,
      seed,
      outputDir: '/tmp',
      // As Optuna's studies: no default first.
      defaultFirst: false,
      pruner: limits.prune ? prunerName : 'none',
      objectives: [{ metric: 'val_accuracy', direction: 'maximize' }, second],
    }),
    taskName: task.name,
    metric: task.metric,
    status: 'running',
    createdAt: 0,
  };
  const objectives = ObjectiveSet.of(record.request, task.metric);
  const pruner = limits.prune
    ? createPruner(prunerName, task.metric.direction, {}, objectives)
    : null;
  const epochMetrics = [second.metric];
  const contexts = new Map<string, StrategyContext>();
  const strategy = createStrategy(record, task, {
    context: (name) => {
      if (!contexts.has(name)) contexts.set(name, memoryContext());
      return contexts.get(name)!;
    },
    agentsQueue: null as never,
    ...(args['tpe-options'] ? { tpeOptions: JSON.parse(args['tpe-options']) as object } : {}),
  });
  const history: (TrialRecord & { spent: number })[] = [];
  const peers: EpochRecord[][] = [];
  let spent = 0;
  while (history.length < limits.trials && spent < (limits.seconds ?? Infinity)) {
    const proposals = await strategy.propose(
      history,
      Math.min(parallel, limits.trials - history.length),
    );
    if (!proposals.length) throw new Error(`${strategyName} proposed nothing at ${history.length}`);
    for (const p of proposals) {
      const checked = task.space.validate(p.config);
      if (!checked.ok) throw new Error(`${strategyName} proposed an invalid configuration`);
      // Every epoch's metrics, as the trial reports them; a pruned trial ends at its epoch.
      const reported: ObjectiveMetrics[] = [];
      await task.objective(checked.config as never, {
        number: history.length + 1,
        seed,
        signal: new AbortController().signal,
        final: false,
        dataDirs: [benchmarksDir],
        epochs: task.epochs!,
        report: (_epoch, metrics) => {
          reported.push(metrics);
          return Promise.resolve();
        },
        shouldStop: () => false,
      });
      const curve: EpochRecord[] = [];
      let pruned = false;
      for (const [i, m] of reported.entries()) {
        curve.push({
          epoch: i + 1,
          loss: null,
          validationLoss: null,
          validationMetric: m['val_accuracy']!,
          learningRate: 0,
          seconds: 0,
          samplesPerSecond: 0,
          metricOnly: true,
          metrics: Object.fromEntries(epochMetrics.map((k) => [k, m[k]!])),
        });
        // As the trial runner asks: between epochs, never at the last.
        if (pruner && i + 1 < reported.length && pruner.decide(curve, peers).prune) {
          pruned = true;
          break;
        }
      }
      peers.push(curve);
      const metrics = reported[curve.length - 1]!;
      spent += metrics['simulated_seconds']!;
      history.push({
        number: history.length + 1,
        state: pruned ? 'pruned' : 'completed',
        config: p.config,
        reason: p.reason,
        source: p.source ?? strategy.name,
        proposedAt: 0,
        attempts: 1,
        value: metrics['val_accuracy']!,
        validation: { loss: metrics['val_cross_entropy']!, ...metrics },
        ...(p.meta ? { meta: p.meta } : {}),
        spent,
      });
    }
  }
  return history;
}

const prunerName = z.enum(['median', 'asha']).parse(args.pruner);
const instances = args.instances.split(',');
const pairs = args.pairs.split(',') as (keyof typeof PAIRS)[];
const strategies = args.strategies.split(',');
const seeds = Number(args.seeds);
const budget = Number(args.budget);
const parallel = Number(args.parallel);
mkdirSync(args.out, { recursive: true });
const rows = ['problem,strategy,seed,trial,val_accuracy,second,seconds'];
const pruningRows = ['problem,strategy,seed,trial,state,val_accuracy,second,spent'];
for (const instance of instances)
  for (const pair of pairs)
    for (const name of strategies) {
      const started = performance.now();
      for (let seed = 0; seed < seeds; seed++) {
        const t0 = performance.now();
        const h = await campaign(instance, pair, name, seed, { trials: budget }, parallel);
        const each = (performance.now() - t0) / 1000 / h.length;
        for (const t of h)
          rows.push(
            [
              `${instance}/${pair}`,
              `lgt-${name}${args.label}`,
              seed,
              t.number,
              t.validation!['val_accuracy'],
              t.validation![PAIRS[pair].metric],
              each.toFixed(4),
            ].join(','),
          );
        if (!args.prune) continue;
        // The same simulated training time, spent with the pruner: more, shorter trials.
        const pruned = await campaign(
          instance,
          pair,
          name,
          seed,
          { trials: 10 * budget, seconds: h.at(-1)!.spent, prune: true },
          parallel,
        );
        for (const [label, run] of [
          ['', h],
          [`+${prunerName}`, pruned],
        ] as const)
          for (const t of run)
            pruningRows.push(
              [
                `${instance}/${pair}`,
                `lgt-${name}${args.label}${label}`,
                seed,
                t.number,
                t.state,
                t.validation!['val_accuracy'],
                t.validation![PAIRS[pair].metric],
                t.spent,
              ].join(','),
            );
      }
      process.stderr.write(
        `${instance}/${pair} ${name}: ${seeds} seeds in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
const file = path.join(args.out, `lgt${args.label}.csv`);
writeFileSync(file, `${rows.join('\n')}\n`);
process.stderr.write(`wrote ${file}\n`);
if (args.prune) {
  const pruning = path.join(args.out, `pruning${args.label}.csv`);
  writeFileSync(pruning, `${pruningRows.join('\n')}\n`);
  process.stderr.write(`wrote ${pruning}\n`);
}
