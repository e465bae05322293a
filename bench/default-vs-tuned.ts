/**
 * Does tuning pay off on small data lgt has never seen? For each CSV file (as `lgt run --csv`
 * would read it), strategy, cross-validation setting and seed, a real campaign of equal trial
 * budget through the queue and workers, with the default configuration as trial 1. Then, once,
 * on the test split: the campaign's best (retrained on the training split, as every campaign
 * does) against the default configuration trained the same way with the same seed. Prints mean
 * +- std over seeds of both test scores, how often tuning beat the default on the test split,
 * and how often the campaign itself said its gain was within the noise.
 *
 *   npx tsx bench/default-vs-tuned.ts --sets iris.csv:Species,winequality-red.csv:quality:regression \
 *     --strategies random,tpe --cv 1,5 --seeds 5 --budget 20 --epochs 10 [--out bench/results-default]
 *     [--resume: go on with an interrupted run in the same --out]
 *
 * Files are looked for in LGT_DATA_DIR (default ../shared/datasets). Needs a redis-server
 * binary (started here on a free port). The test split is never used for a tuning decision: the
 * campaigns pick on validation (or folds); test scores are computed after they end.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CampaignRecord } from '../src/contracts/campaign-record.ts';
import { createCampaign, prepareCampaign } from '../src/campaign/campaign-service.ts';
import { CampaignStore } from '../src/campaign/campaign-store.ts';
import type { Metrics } from '../src/trainer/metrics.ts';
import { openQueues } from '../src/queue/lgt-queues.ts';
import { createRedis } from '../src/queue/redis-connection.ts';
import { startRedisServer } from '../src/queue/redis-server-process.ts';
import { spaceWithEpochs, type AnyModelTask, type TaskKind } from '../src/task-kinds/task.ts';
import { TfjsTrainer } from '../src/trainer/tfjs-trainer.ts';
import { WorkerService } from '../src/worker/worker-service.ts';
import { farWorse, subsample } from './small-data.ts';

const { values: args } = parseArgs({
  options: {
    sets: {
      type: 'string',
      default:
        'iris.csv:Species,winequality-red.csv:quality:regression,water-potability.csv:Potability',
    },
    strategies: { type: 'string', default: 'random,tpe' },
    cv: { type: 'string', default: '1,5' },
    seeds: { type: 'string', default: '5' },
    budget: { type: 'string', default: '20' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench/results-default' },
    // Only print the table of an earlier (maybe interrupted) run's <out>/default-vs-tuned.json.
    'table-only': { type: 'boolean', default: false },
    // Go on with an interrupted run: campaigns whose row <out>/default-vs-tuned.json has are skipped.
    resume: { type: 'boolean', default: false },
  },
});
const dataDir =
  process.env['LGT_DATA_DIR'] ?? path.resolve(import.meta.dirname, '../../shared/datasets');
const seeds = Number(args.seeds);
const budget = Number(args.budget);
const epochs = Number(args.epochs);
mkdirSync(args.out, { recursive: true });
// Subsamples (name.csv@N) are written beside the results: this process reads data there too.
process.env['LGT_DATA_DIR'] = [dataDir, path.resolve(args.out)].join(path.delimiter);

interface Row {
  set: string;
  strategy: string;
  cv: number;
  seed: number;
  metric: string;
  direction: 'maximize' | 'minimize';
  tunedTest: number;
  defaultTest: number;
  bestIsDefault: boolean;
  withinNoise: boolean;
  /** The campaign said it beat the default (on fresh folds, where it re-evaluated). */
  claimed?: boolean;
  /**
   * The pick before the re-evaluation existed: the best search trial by its own score (a fold
   * mean), retrained like the final; and whether the old rule (gain over the standard error of
   * the difference of the two fold means) would have claimed a win with it.
   */
  naiveTest?: number;
  naiveClaimed?: boolean;
  /** The final model was an ensemble (issue 27), and it was said to beat the default. */
  ensembleShipped?: boolean;
  ensembleClaimed?: boolean;
  /** Search trials (the default's excluded) far worse than the default on their own score (see farWorse). */
  farWorse?: number;
  searchTrials?: number;
}
const rows: Row[] =
  args['table-only'] || args.resume
    ? (JSON.parse(readFileSync(path.join(args.out, 'default-vs-tuned.json'), 'utf8')) as Row[])
    : [];

if (!args['table-only']) await runAll();

async function finished(store: CampaignStore, id: string): Promise<CampaignRecord> {
  for (;;) {
    const c = await store.requireCampaign(id);
    if (['completed', 'failed', 'cancelled'].includes(c.status)) return c;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every campaign of the grid, its row saved as soon as it is known. */
async function runAll(): Promise<void> {
  const server = await startRedisServer();
  const client = createRedis(server.url);
  const store = new CampaignStore(client);
  const queues = openQueues(server.url);
  const workers = await WorkerService.start({
    redisUrl: server.url,
    concurrency: 2,
    runsDir: args.out,
    // Workers read data only where their operator allows: the data sets' directory, and the
    // results' (where subsamples are written).
    dataDirs: [dataDir, path.resolve(args.out)],
  });
  const trainer = new TfjsTrainer();

  for (const spec of args.sets.split(',')) {
    const [named, target, kind] = spec.split(':') as [string, string, TaskKind | undefined];
    // name.csv@1000: a fixed random 1,000 rows of it (california-housing's 20,640 are too many
    // for "small data"), written beside the results.
    const file = named.includes('@') ? subsample(dataDir, named, args.out) : named;
    for (const cv of args.cv.split(',').map(Number)) {
      for (const strategy of args.strategies.split(',')) {
        for (let seed = 0; seed < seeds; seed++) {
          const measured = (r: Row) =>
            r.set === path.basename(file) &&
            r.strategy === strategy &&
            r.cv === cv &&
            r.seed === seed;
          if (rows.some(measured)) continue;
          const prepared = await prepareCampaign({
            task: {
              kind: 'csv',
              file: path.isAbsolute(file) ? file : path.join(dataDir, file),
              target,
              ...(kind ? { problem: kind } : {}),
            },
            strategy: strategy as never,
            maxTrials: budget,
            parallel: 2,
            seed,
            splitSeed: 0,
            pruner: 'none',
            epochs,
            cv,
            outputDir: args.out,
          });
          const started = Date.now();
          const campaign = await createCampaign(store, queues, prepared);
          const done = await finished(store, campaign.id);
          const best = (await store.getReportHead(campaign.id))?.best;
          if (!best?.final?.test || !best.againstDefault)
            throw new Error(`campaign ${campaign.id} ended without a scored best: ${done.error}`);
          const against = best.againstDefault;
          const task = prepared.task;
          const metric = task.metric.name;
          // The default, trained as the best was retrained: training split, campaign seed, test once.
          const data = await (task as AnyModelTask).load({ splitSeed: 0 });
          const defaults = spaceWithEpochs(task, epochs).defaults();
          const byDefault = await trainer.train({
            task,
            data,
            config: defaults,
            seed,
            epochs,
            scoreTest: true,
          });
          // The pick without the re-evaluation: the best search trial by the score it was chosen on.
          const trials = await store.listTrials(campaign.id);
          const sign = task.metric.direction === 'maximize' ? 1 : -1;
          const search = trials.filter(
            (t) =>
              t.source !== 'confirm' && typeof t.value === 'number' && Number.isFinite(t.value),
          );
          const naive = search.reduce((a, b) => (sign * (b.value! - a.value!) > 0 ? b : a));
          const byDefaultTrial = search.find((t) => t.source === 'default')!;
          // The final model is the naive pick's own retrain only when no ensemble shipped.
          const naiveResult =
            naive.number === done.best?.trial && !best.ensemble?.ships
              ? null
              : await trainer.train({
                  task,
                  data,
                  config: naive.config,
                  seed: naive.seed ?? seed,
                  epochs,
                  scoreTest: true,
                });
          const se = (v: number[]) => {
            const m = v.reduce((a, b) => a + b, 0) / v.length;
            return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) / v.length);
          };
          const oldNoise =
            naive.foldValues && byDefaultTrial.foldValues && naive.foldValues.length > 1
              ? Math.hypot(se(naive.foldValues), se(byDefaultTrial.foldValues))
              : null;
          const oldGain = sign * (naive.value! - byDefaultTrial.value!);
          const plan = best.ensemble;
          const byDefaultValue = byDefaultTrial.value!;
          const searchOnly = search.filter((t) => t !== byDefaultTrial);
          const row: Row = {
            set: path.basename(file),
            strategy,
            cv,
            seed,
            metric,
            direction: task.metric.direction,
            tunedTest: best.final.test[metric as keyof Metrics]!,
            defaultTest: byDefault.test![metric as keyof Metrics]!,
            bestIsDefault: done.best?.trial === against.defaultTrial,
            withinNoise: against.verdict.startsWith('no configuration beat'),
            claimed: /beat the default by/.test(against.verdict),
            naiveTest: naiveResult
              ? naiveResult.test![metric as keyof Metrics]!
              : best.final.test[metric as keyof Metrics]!,
            naiveClaimed: naive !== byDefaultTrial && (oldNoise === null || oldGain > oldNoise),
            ensembleShipped: plan?.ships ?? false,
            ensembleClaimed: plan?.ships === true && /beat the default/.test(plan.verdict),
            farWorse: searchOnly.filter((t) => farWorse(t.value!, byDefaultValue, task.metric))
              .length,
            searchTrials: searchOnly.length,
          };
          rows.push(row);
          process.stderr.write(
            `${file} ${strategy} cv=${cv} seed ${seed}: tuned test ${metric} ${row.tunedTest.toFixed(4)}, default ${row.defaultTest.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
          );
          writeFileSync(
            path.join(args.out, 'default-vs-tuned.json'),
            JSON.stringify(rows, null, 2),
          );
        }
      }
    }
  }
  await workers.close();
  await queues.close();
  client.disconnect();
  await server.stop();
}

const stats = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
};
const lines = [
  `| data set | metric | strategy | cv | final (test) | default (test) | final better / equal / worse | the default shipped | an ensemble shipped | "beat" said, right on test | naive pick (test) | naive better / equal / worse | naive "beat" said, right | trials far worse than the default |`,
  `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
];
const groups = new Map<string, Row[]>();
for (const r of rows) {
  const key = `${r.set}|${r.strategy}|${r.cv}`;
  groups.set(key, [...(groups.get(key) ?? []), r]);
}
for (const group of groups.values()) {
  const r0 = group[0]!;
  const sign = r0.direction === 'maximize' ? 1 : -1;
  const tally = (value: (r: Row) => number) => {
    const d = group.map((r) => sign * (value(r) - r.defaultTest));
    return `${d.filter((x) => x > 0).length} / ${d.filter((x) => x === 0).length} / ${d.filter((x) => x < 0).length}`;
  };
  const claims = (said: (r: Row) => boolean | undefined, value: (r: Row) => number) => {
    const made = group.filter((r) => said(r));
    return `${made.length}, ${made.filter((r) => sign * (value(r) - r.defaultTest) > 0).length}`;
  };
  const naive = (r: Row) => r.naiveTest ?? r.tunedTest;
  lines.push(
    `| ${r0.set} | ${r0.metric} | ${r0.strategy} | ${r0.cv} | ${stats(group.map((r) => r.tunedTest))} | ${stats(group.map((r) => r.defaultTest))} | ${tally((r) => r.tunedTest)} | ${group.filter((r) => r.bestIsDefault && !r.ensembleShipped).length}/${group.length} | ${group.filter((r) => r.ensembleShipped).length}/${group.length} | ${claims(
      (r) => (r.ensembleShipped ? r.ensembleClaimed : r.claimed),
      (r) => r.tunedTest,
    )} | ${stats(group.map(naive))} | ${tally(naive)} | ${claims((r) => r.naiveClaimed, naive)} | ${farWorseShare(group)} |`,
  );
}
function farWorseShare(group: Row[]): string {
  const counted = group.filter((r) => r.searchTrials !== undefined);
  if (counted.length === 0) return '-';
  const far = counted.reduce((a, r) => a + r.farWorse!, 0);
  const all = counted.reduce((a, r) => a + r.searchTrials!, 0);
  return `${far}/${all} (${Math.round((100 * far) / all)}%)`;
}
const command = `npx tsx bench/default-vs-tuned.ts --sets ${args.sets} --strategies ${args.strategies} --cv ${args.cv} --seeds ${seeds} --budget ${budget} --epochs ${epochs}`;
const text = `${command}\n\n${lines.join('\n')}\n`;
writeFileSync(path.join(args.out, 'default-vs-tuned.md'), text);
process.stdout.write(text);
