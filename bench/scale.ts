/**
 * How lgt's cost per trial grows with a campaign's length. Trivial trials (a benchmark function,
 * microseconds of work) go through the real queue, driver, trial runner and Redis, so what is
 * left is lgt's own overhead: the driver reading the campaign and asking its strategy, the
 * queue's round trips, the store's writes.
 *
 *   npx tsx bench/scale.ts [--trials 10000] [--strategies random,tpe,cmaes] [--parallel 8]
 *     [--at 100,1000,5000,10000] [--task bench:hartmann6]
 *     [--workers 200] [--processes 4] [--fleet-trials 4000] [--fleet-only] [--cluster]
 *
 * Prints, per strategy, the wall time per trial around trials 100, 1,000, 5,000 and 10,000
 * (the median gap between consecutive finishes in a window of 101 trials around each: the
 * overhead per trial at that length of history), and Redis memory per trial at the end. The
 * driver and the trial workers run in this process (BullMQ workers with an in-process
 * processor: a benchmark function needs no sandbox), against a redis-server started here.
 *
 * Part 2, the fleet: `--workers` trial slots (BullMQ concurrency) spread over `--processes`
 * worker processes (bench/scale-worker.ts) on one random campaign of `--fleet-trials` trials,
 * then on ten campaigns sharing them: trials per second, queue latency (proposed to started),
 * Redis memory, commands and CPU time per trial, and the trials lost (not completed) or started
 * twice (counted from the event log). With --cluster, all of it on a Redis Cluster of three
 * nodes on this machine (started here), the figures summed over the nodes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCampaign, prepareCampaign } from '../src/campaign/campaign-service.ts';
import { CampaignStore } from '../src/campaign/campaign-store.ts';
import { campaignOverview, listCampaignOverviews } from '../src/campaign/campaign-overview.ts';
import { summarizeCampaign } from '../src/campaign/campaign-summary.ts';
import { writeReport } from '../src/campaign/report-writer.ts';
import { reportStream } from '../src/campaign/report-stream.ts';
import { STRATEGY_NAMES } from '../src/contracts/campaign-request.ts';
import { openQueues, queuePrefix } from '../src/queue/lgt-queues.ts';
import { createRedis } from '../src/queue/redis-connection.ts';
import { startRedisCluster } from '../src/queue/redis-cluster-process.ts';
import { startRedisServer } from '../src/queue/redis-server-process.ts';
import { WorkerService } from '../src/worker/worker-service.ts';
import { inProcessTrialWorker } from './in-process-trials.ts';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '10000' },
    strategies: { type: 'string', default: 'random,tpe,cmaes' },
    parallel: { type: 'string', default: '8' },
    at: { type: 'string', default: '100,1000,5000,10000' },
    task: { type: 'string', default: 'bench:hartmann6' },
    // Part 2: a fleet of `workers` trial slots over `processes` processes, on one campaign and
    // on ten at once (0 workers: skip it).
    workers: { type: 'string', default: '200' },
    processes: { type: 'string', default: '4' },
    'fleet-trials': { type: 'string', default: '4000' },
    // Skip part 1 (the long single campaigns).
    'fleet-only': { type: 'boolean', default: false },
    // A Redis Cluster of three nodes instead of one redis-server.
    cluster: { type: 'boolean', default: false },
  },
});
const trials = Number(args.trials);
const parallel = Number(args.parallel);
const checkpoints = args.at
  .split(',')
  .map(Number)
  .filter((k) => k <= trials);
const WINDOW = 50;

// One redis-server, or with --cluster a Redis Cluster of three (all on this machine).
const server = args.cluster ? await startRedisCluster(3) : await startRedisServer();
const nodeUrls = 'nodes' in server ? server.nodes.map((n) => n.url) : [server.url];
// Each node's own figures (INFO) are read from it directly and summed.
const nodeClients = nodeUrls.map((url) => createRedis(url));
const redis = createRedis(server.url);
const store = new CampaignStore(redis, queuePrefix(server.url));
const queues = openQueues(server.url);
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-bench-scale-'));
// The driver as a worker runs it; the trials in this process, `parallel` at a time.
const drivers = await WorkerService.start({
  redisUrl: server.url,
  queues: ['campaign'],
  runsDir: out,
});
const trialWorker = inProcessTrialWorker(server.url, parallel);

const rows: string[] = [];
const statusMs: string[] = [];
for (const strategy of args['fleet-only'] ? [] : args.strategies.split(',')) {
  const memoryBefore = await usedMemory();
  const started = performance.now();
  const prepared = await prepareCampaign({
    task: { kind: 'builtin', name: args.task },
    strategy: strategy as (typeof STRATEGY_NAMES)[number],
    maxTrials: trials,
    parallel,
    seed: 1,
    pruner: 'none',
    outputDir: out,
  });
  const campaign = await createCampaign(store, queues, prepared);
  let last = 0;
  for (;;) {
    const c = await store.requireCampaign(campaign.id);
    if (['completed', 'failed', 'cancelled'].includes(c.status)) {
      if (c.status !== 'completed')
        throw new Error(`${strategy}: campaign ${c.status}: ${c.error ?? ''}`);
      break;
    }
    // The latest trial's number: one read, so the bench's polling costs the same at any length.
    const done = (await store.latestTrials(campaign.id, 1))[0]?.number ?? 0;
    if (done >= last + 500) {
      last = done - (done % 500);
      process.stderr.write(
        `  ${strategy}: ${done} trials in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const seconds = (performance.now() - started) / 1000;
  const records = await store.listTrials(campaign.id);
  const finished = records
    .filter((t) => t.state === 'completed' && t.finishedAt !== undefined)
    .map((t) => t.finishedAt!)
    .sort((a, b) => a - b);
  const perTrial = checkpoints.map((k) => {
    const from = Math.max(1, k - WINDOW);
    const to = Math.min(finished.length - 1, k + WINDOW);
    const gaps: number[] = [];
    for (let i = from; i <= to; i++) gaps.push(finished[i]! - finished[i - 1]!);
    gaps.sort((a, b) => a - b);
    return gaps.length ? gaps[Math.floor(gaps.length / 2)]! : NaN;
  });
  // The mean over the window says more than the median when the gaps come in bursts.
  const meanPerTrial = checkpoints.map((k) => {
    const from = Math.max(0, k - WINDOW - 1);
    const to = Math.min(finished.length - 1, k + WINDOW);
    return (finished[to]! - finished[from]!) / (to - from);
  });
  const memory = (await usedMemory()) - memoryBefore;
  // What a person waits for: `lgt status` (the overview) and `lgt list` on this campaign.
  const t0 = performance.now();
  await campaignOverview(store, campaign.id);
  const t1 = performance.now();
  await listCampaignOverviews(store, 1);
  const t2 = performance.now();
  const ended = await store.requireCampaign(campaign.id);
  await summarizeCampaign(store, ended);
  // The report again (the driver wrote it already): its time, its size, the heap it needed,
  // and the API's answer streamed to the end.
  const t3 = performance.now();
  // The heap's peak while it is written, sampled every 10 ms.
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 10);
  const dir = await writeReport(
    store,
    { ...ended, reportDir: path.join(out, 'again') },
    prepared.task,
    null,
  );
  clearInterval(sampler);
  const t4 = performance.now();
  let bytes = 0;
  for await (const piece of (await reportStream(store, campaign.id))!) bytes += piece.length;
  statusMs.push(
    `${strategy}: lgt status ${(t1 - t0).toFixed(0)} ms, lgt list ${(t2 - t1).toFixed(0)} ms, lgt run's summary ${(t3 - t2).toFixed(0)} ms, report.json written in ${((t4 - t3) / 1000).toFixed(1)} s (${(statSync(path.join(dir, 'report.json')).size / 2 ** 20).toFixed(0)} MiB, heap at most ${(heapPeak / 2 ** 20).toFixed(0)} MiB while writing, ${(heapBefore / 2 ** 20).toFixed(0)} MiB before), API report streamed in ${((performance.now() - t4) / 1000).toFixed(1)} s (${(bytes / 2 ** 20).toFixed(0)} MiB)`,
  );
  rows.push(
    `| ${strategy} | ${records.length} | ${seconds.toFixed(0)} | ${meanPerTrial.map((v) => v.toFixed(1)).join(' | ')} | ${perTrial.map((v) => v.toFixed(1)).join(' | ')} | ${(meanPerTrial.at(-1)! / meanPerTrial[0]!).toFixed(2)} | ${(memory / records.length / 1024).toFixed(1)} |`,
  );
  process.stderr.write(`${strategy}: ${records.length} trials in ${seconds.toFixed(0)} s\n`);
}

console.log(
  `\n${args.task}, ${trials} trials, ${parallel} at a time, trials and driver in one process (2-core machine)\n`,
);
console.log(
  `| strategy | trials | seconds | ${checkpoints.map((k) => `ms/trial at ${k} (mean)`).join(' | ')} | ${checkpoints.map((k) => `at ${k} (median)`).join(' | ')} | last/first | Redis KiB/trial |`,
);
console.log(`|${' --- |'.repeat(4 + checkpoints.length * 2 + 1)}`);
for (const r of rows) console.log(r);
console.log(`\nread at the end (${trials} trials): ${statusMs.join('; ')}`);
console.log(
  `\nnpx tsx bench/scale.ts --trials ${trials} --strategies ${args.strategies} --parallel ${parallel} --at ${args.at} --task ${args.task}`,
);

const fleetWorkers = Number(args.workers);
if (fleetWorkers > 0) {
  // The in-process trial slots step aside: the fleet alone runs trials now.
  await trialWorker.close();
  const processes = Number(args.processes);
  const fleet = Array.from({ length: processes }, () =>
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'scale-worker.ts'),
        server.url,
        String(Math.ceil(fleetWorkers / processes)),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  await Promise.all(fleet.map((p) => new Promise((resolve) => p.stdout!.once('data', resolve))));
  const fleetRows: string[] = [];
  for (const campaignCount of [1, 10]) {
    const perCampaign = Math.floor(Number(args['fleet-trials']) / campaignCount);
    const memoryBefore = await usedMemory();
    const redisBefore = await redisWork();
    const started = performance.now();
    const ids = await Promise.all(
      Array.from(
        { length: campaignCount },
        async (_, i) =>
          (
            await createCampaign(
              store,
              queues,
              await prepareCampaign({
                task: { kind: 'builtin', name: args.task },
                strategy: 'random',
                maxTrials: perCampaign,
                parallel: fleetWorkers,
                seed: i,
                pruner: 'none',
                outputDir: out,
              }),
            )
          ).id,
      ),
    );
    for (;;) {
      const done = await Promise.all(ids.map((id) => store.requireCampaign(id)));
      if (done.every((c) => ['completed', 'failed', 'cancelled'].includes(c.status))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    const redisAfter = await redisWork();
    let completed = 0;
    let total = 0;
    let duplicated = 0;
    const latencies: number[] = [];
    for (const id of ids) {
      const trials = await store.listTrials(id);
      total += trials.length;
      completed += trials.filter((t) => t.state === 'completed').length;
      for (const t of trials)
        if (t.startedAt !== undefined) latencies.push(t.startedAt - t.proposedAt);
      // A trial started twice (two workers on one job) shows as two trial.started events.
      const starts = new Map<number, number>();
      let after = '0';
      for (;;) {
        const batch = await store.readEvents(id, after, { count: 1000 });
        if (batch.length === 0) break;
        for (const e of batch)
          if (e.type === 'trial.started') starts.set(e.trial, (starts.get(e.trial) ?? 0) + 1);
        after = batch.at(-1)!.id;
      }
      duplicated += [...starts.values()].filter((n) => n > 1).length;
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))] ?? NaN;
    const memory = (await usedMemory()) - memoryBefore;
    // Redis's own work per trial: commands, and CPU time of the redis-server process (which
    // shares the 2 cores with everything else here, so it is its work, not its limit).
    const commandsPerTrial = (redisAfter.commands - redisBefore.commands) / completed;
    const cpuMsPerTrial = ((redisAfter.cpuSeconds - redisBefore.cpuSeconds) * 1000) / completed;
    fleetRows.push(
      `| ${campaignCount} | ${perCampaign * campaignCount} | ${completed} | ${perCampaign * campaignCount - completed} | ${duplicated} | ${seconds.toFixed(1)} | ${(completed / seconds).toFixed(0)} | ${at(0.5)} | ${at(0.95)} | ${(memory / Math.max(1, total) / 1024).toFixed(1)} | ${commandsPerTrial.toFixed(0)} | ${cpuMsPerTrial.toFixed(2)} | ${(1000 / cpuMsPerTrial).toFixed(0)} |`,
    );
    process.stderr.write(`fleet: ${campaignCount} campaign(s) done in ${seconds.toFixed(0)} s\n`);
  }
  for (const p of fleet) p.kill('SIGTERM');
  console.log(
    `\n${fleetWorkers} trial slots over ${processes} worker processes, random on ${args.task}, drivers in one process\n`,
  );
  console.log(
    '| campaigns | trials asked | completed | lost | started twice | seconds | trials/s | queue latency p50 (ms) | p95 (ms) | Redis KiB/trial | Redis commands/trial | Redis CPU ms/trial | trials/s one Redis core could take |',
  );
  console.log(`|${' --- |'.repeat(13)}`);
  for (const r of fleetRows) console.log(r);
} else {
  await trialWorker.close();
}
await drivers.close();
await queues.close();
redis.disconnect();
for (const node of nodeClients) node.disconnect();
await server.stop();

/** Commands Redis has processed and the CPU time its processes have used, so far (all nodes). */
async function redisWork(): Promise<{ commands: number; cpuSeconds: number }> {
  let commands = 0;
  let cpuSeconds = 0;
  for (const node of nodeClients) {
    const stats = await node.info('stats');
    const cpu = await node.info('cpu');
    const field = (text: string, name: string) =>
      Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? NaN);
    commands += field(stats, 'total_commands_processed');
    cpuSeconds += field(cpu, 'used_cpu_sys') + field(cpu, 'used_cpu_user');
  }
  return { commands, cpuSeconds };
}

async function usedMemory(): Promise<number> {
  let bytes = 0;
  for (const node of nodeClients)
    bytes += Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1] ?? NaN);
  return bytes;
}
