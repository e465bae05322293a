/**
 * Does tuning inside one run pay off, and against what? For each task and seed, from the task's
 * untuned baseline and with the same run length T: the baseline trained plainly for T epochs
 * (and, for comparison, the search space's default configuration, method `default`);
 * `--mode dynamic` (the rule-based agents; no LLM is called here); `--mode pbt`; and static
 * `tpe` and `random` campaigns of T-epoch trials, over the knobs the in-run modes turn (the rest
 * fixed at the baseline's: methods tpe-knobs, random-knobs; see bench/knobs/) and over the whole
 * search space (tpe, random). Every tuned method gets the same epoch budget,
 * B = factor x T (PBT's population is the factor, so it spends exactly B; dynamic stops trying
 * changes when the rest of B is needed to finish its run). All through the real queue, workers
 * and Redis. The validation score drives every decision; the test split is scored once per
 * campaign, on its result.
 *
 *   npx tsx bench/in-run.ts --tasks wine-quality:30:3,fashion-mnist:10:1 --max-train fashion-mnist=6000 \
 *     --seeds 3 --factor 8 [--out bench/results/in-run] [--table-only]
 *
 * A task is name:T:E (E: epochs between decisions, also PBT's interval). Method pbt-N is PBT
 * with N members (N x T epochs, e.g. about what dynamic spends) instead of the budget's. Files are looked for
 * in LGT_DATA_DIR (default ../shared/datasets). Rows are saved after each campaign; --resume
 * goes on with an interrupted run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readReport } from '../src/campaign/report-stream.ts';
import {
  parseCampaignRequest,
  type CampaignRequestInput,
} from '../src/contracts/campaign-request.ts';
import { createCampaign, prepareCampaign } from '../src/campaign/campaign-service.ts';
import { CampaignStore } from '../src/campaign/campaign-store.ts';
import { openQueues, type LgtQueues } from '../src/queue/lgt-queues.ts';
import { createRedis } from '../src/queue/redis-connection.ts';
import { startRedisServer } from '../src/queue/redis-server-process.ts';
import type { Config } from '../src/search-space/search-space.ts';
import { TaskDataCache } from '../src/trials/task-data-cache.ts';
import { TaskTrainer } from '../src/trainer/task-trainer.ts';
import { WorkerService } from '../src/worker/worker-service.ts';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: 'wine-quality:30:3,fashion-mnist:10:1' },
    'max-train': { type: 'string', default: 'fashion-mnist=6000' },
    methods: {
      type: 'string',
      default: 'baseline,default,dynamic,pbt,tpe-knobs,random-knobs,tpe,random',
    },
    seeds: { type: 'string', default: '3' },
    factor: { type: 'string', default: '8' },
    out: { type: 'string', default: 'bench/results/in-run' },
    'table-only': { type: 'boolean', default: false },
    resume: { type: 'boolean', default: false },
  },
});
const dataDir =
  process.env['LGT_DATA_DIR'] ?? path.resolve(import.meta.dirname, '../../shared/datasets');
const factor = Number(args.factor);
const seeds = Number(args.seeds);
const maxTrain = Object.fromEntries(
  args['max-train']
    .split(',')
    .filter(Boolean)
    .map((s) => s.split('=') as [string, string])
    .map(([k, v]) => [k, Number(v)]),
);
mkdirSync(args.out, { recursive: true });
const resultsFile = path.join(args.out, 'in-run.json');
/** Where the tasks with only the in-run knobs free live (methods tpe-knobs, random-knobs). */
const KNOB_TASKS = path.resolve(import.meta.dirname, 'tasks');

interface Row {
  task: string;
  method: string;
  seed: number;
  metric: string;
  direction: 'maximize' | 'minimize';
  validation: number;
  test: number;
  epochs: number;
  runEpochs: number;
  accepted?: number;
  seconds: number;
}
const rows: Row[] =
  args['table-only'] || args.resume ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Row[]) : [];

if (!args['table-only']) await runAll();
printTable();

async function runAll(): Promise<void> {
  const server = await startRedisServer();
  const client = createRedis(server.url);
  const store = new CampaignStore(client);
  const queues = openQueues(server.url);
  const workers = await WorkerService.start({
    redisUrl: server.url,
    concurrency: 2,
    runsDir: args.out,
    taskDirs: [KNOB_TASKS],
    dataDirs: [dataDir],
  });
  try {
    for (const spec of args.tasks.split(',')) {
      const [name, t, e] = spec.split(':') as [string, string, string];
      const T = Number(t);
      const E = Number(e);
      for (const method of args.methods.split(',')) {
        for (let seed = 0; seed < seeds; seed++) {
          if (rows.some((r) => r.task === name && r.method === method && r.seed === seed)) continue;
          const base: CampaignRequestInput = {
            task: { kind: 'builtin', name },
            seed,
            splitSeed: 0,
            parallel: 2,
            epochs: T,
            outputDir: args.out,
            dataDirs: [dataDir],
            ...(maxTrain[name] ? { maxTrainRows: maxTrain[name] } : {}),
          };
          const started = Date.now();
          const row =
            method === 'baseline' || method === 'default'
              ? await plain(base, name, seed, method)
              : await campaign(store, queues, method, base, T, E, name, seed);
          rows.push({ ...row, seconds: (Date.now() - started) / 1000 });
          writeFileSync(resultsFile, `${JSON.stringify(rows, null, 1)}\n`);
          console.error(
            `${name} ${method} seed ${seed}: validation ${row.validation.toFixed(4)}, test ${row.test.toFixed(4)}, ${row.epochs} epochs`,
          );
        }
      }
    }
  } finally {
    await workers.close();
    await queues.close();
    client.disconnect();
    await server.stop();
  }
}

/**
 * A configuration trained plainly for T epochs, validation and test once: the untuned baseline
 * (where every method starts), or the search space's default (a sensible configuration).
 */
async function plain(
  input: CampaignRequestInput,
  name: string,
  seed: number,
  method: 'baseline' | 'default',
): Promise<Omit<Row, 'seconds'>> {
  const request = parseCampaignRequest(input);
  const { task, data } = await new TaskDataCache().load(request);
  const start = method === 'baseline' ? task.baseline : task.space.defaults();
  const result = await new TaskTrainer().train({
    task,
    data,
    config: { ...(start as Config), epochs: request.epochs! },
    seed,
    epochs: request.epochs!,
    scoreTest: true,
  });
  const metric = task.metric.name;
  return {
    task: name,
    method,
    seed,
    metric,
    direction: task.metric.direction,
    validation: result.metric.value!,
    test: result.test![metric]!,
    epochs: request.epochs!,
    runEpochs: request.epochs!,
  };
}

/** One campaign of the method with the epoch budget; its result's validation and test. */
async function campaign(
  store: CampaignStore,
  queues: LgtQueues,
  method: string,
  base: CampaignRequestInput,
  T: number,
  E: number,
  name: string,
  seed: number,
): Promise<Omit<Row, 'seconds'>> {
  const budget = factor * T;
  // tpe-knobs: TPE over the knobs the in-run modes turn, the rest fixed at the baseline's.
  const knobs = method.endsWith('-knobs');
  const strategy = method.replace('-knobs', '') as 'tpe' | 'random';
  const request: CampaignRequestInput =
    method === 'dynamic'
      ? { ...base, mode: 'dynamic', inRun: { decideEvery: E }, maxEpochs: budget }
      : method.startsWith('pbt')
        ? // pbt: a population of `factor` (the budget); pbt-N: N members (N x T epochs).
          { ...base, mode: 'pbt', inRun: { decideEvery: E, population: populationOf(method) } }
        : {
            ...base,
            ...(knobs
              ? { task: { kind: 'module', path: path.join(KNOB_TASKS, `${name}-knobs.ts`) } }
              : {}),
            strategy,
            maxTrials: 100_000,
            maxEpochs: budget,
            defaultFirst: false,
          };
  const prepared = await prepareCampaign(request, { taskDirs: [KNOB_TASKS] });
  const created = await createCampaign(store, queues, prepared);
  for (;;) {
    const c = await store.requireCampaign(created.id);
    if (['completed', 'failed', 'cancelled'].includes(c.status)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const report = await readReport(store, created.id);
  const final = report?.best?.final;
  const metric = prepared.task.metric.name;
  if (!final?.test) throw new Error(`campaign ${created.id} ended without a scored result`);
  const trials = report!.trials;
  return {
    task: name,
    method,
    seed,
    metric,
    direction: prepared.task.metric.direction,
    validation: final.validation[metric]!,
    test: final.test[metric]!,
    epochs: trials.reduce((s, t) => s + (t.epochsRun ?? 0), 0),
    runEpochs: T,
    ...(method === 'dynamic' ? { accepted: report!.inRun?.decisions.accepted ?? 0 } : {}),
  };
}

/** The table's order: the baseline, the in-run modes, then static search. */
function rank(method: string): number {
  const order = [
    'baseline',
    'default',
    'dynamic',
    'pbt-',
    'pbt',
    'tpe-knobs',
    'random-knobs',
    'tpe',
    'random',
  ];
  const exact = order.indexOf(method);
  return exact >= 0 ? exact : method.startsWith('pbt-') ? order.indexOf('pbt-') : order.length;
}

function populationOf(method: string): number {
  return method === 'pbt' ? factor : Number(method.slice('pbt-'.length));
}

function printTable(): void {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) =>
    xs.length < 2
      ? 0
      : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
  const fmt = (xs: number[]) => `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)}`;
  const lines = [
    '| task | method | validation | test | epochs trained (mean) |',
    '|---|---|---|---|---|',
  ];
  const tasks = [...new Set(rows.map((r) => r.task))];
  for (const task of tasks) {
    const methods = [...new Set(rows.filter((r) => r.task === task).map((r) => r.method))];
    for (const method of methods.sort((a, b) => rank(a) - rank(b))) {
      const rs = rows.filter((r) => r.task === task && r.method === method);
      const label =
        method === 'dynamic'
          ? `dynamic (rules; ${mean(rs.map((r) => r.accepted ?? 0)).toFixed(1)} changes kept)`
          : method.endsWith('-knobs')
            ? `${method.replace('-knobs', '')}, the in-run knobs only`
            : ['tpe', 'random'].includes(method)
              ? `${method}, the whole space`
              : method.startsWith('pbt')
                ? // Every member trains the run's T epochs: the population is epochs / T.
                  `pbt, population ${Math.round(mean(rs.map((r) => r.epochs / r.runEpochs)))}`
                : method;
      lines.push(
        `| ${task} (${rs[0]!.metric}, ${rs[0]!.direction === 'maximize' ? 'higher' : 'lower'} is better) | ${label} | ${fmt(rs.map((r) => r.validation))} | ${fmt(rs.map((r) => r.test))} | ${Math.round(mean(rs.map((r) => r.epochs)))} |`,
      );
    }
  }
  console.log(lines.join('\n'));
}
