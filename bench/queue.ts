/**
 * The queue's cost and its parallelism, against a redis-server this script starts:
 *  1. overhead per trial for trivial trials (iris, 1 epoch), one trial at a time on one worker
 *     process: enqueue -> training starts, and training finished -> the driver acts on the result
 *     (its next proposal);
 *  2. the speed-up of 2 worker processes over 1 on real trials: the same 8 wine-quality
 *     configurations both times, of equal cost (a grid over the learning rate, the rest at the
 *     defaults), so the figure is about the workers, not about one slow trial.
 *
 *   npx tsx bench/queue.ts [--trivial 30] [--real 8] [--epochs 150]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoggedEvent } from '../src/contracts/campaign-events.ts';
import type { CampaignRequestInput } from '../src/contracts/campaign-request.ts';
import { createCampaign, prepareCampaign } from '../src/campaign/campaign-service.ts';
import { CampaignStore } from '../src/campaign/campaign-store.ts';
import { openQueues } from '../src/queue/lgt-queues.ts';
import { createRedis } from '../src/queue/redis-connection.ts';
import { startRedisServer } from '../src/queue/redis-server-process.ts';

const { values } = parseArgs({
  options: {
    trivial: { type: 'string', default: '30' },
    real: { type: 'string', default: '8' },
    epochs: { type: 'string', default: '150' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const dataDir = process.env['LGT_DATA_DIR'] ?? path.resolve(root, '../shared/datasets');
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-bench-queue-'));

const server = await startRedisServer();
const redis = createRedis(server.url);
const store = new CampaignStore(redis);
const queues = openQueues(server.url);

function workers(n: number): ChildProcess[] {
  return Array.from({ length: n }, () =>
    spawn(
      process.execPath,
      [path.join(root, 'bin/lgt.js'), 'worker', '--redis-url', server.url, '--concurrency', '1'],
      {
        env: { ...process.env, LGT_DATA_DIR: dataDir, LGT_LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      },
    ),
  );
}

async function runCampaign(
  request: Partial<CampaignRequestInput>,
  workerCount: number,
): Promise<{ seconds: number; events: LoggedEvent[] }> {
  const procs = workers(workerCount);
  const campaign = await createCampaign(
    store,
    queues,
    await prepareCampaign({
      task: { kind: 'builtin', name: 'iris' },
      strategy: 'random',
      maxTrials: 8,
      parallel: 1,
      seed: 0,
      splitSeed: 0,
      pruner: 'none',
      outputDir: out,
      dataDirs: [dataDir],
      ...request,
    }),
  );
  for (;;) {
    const c = await store.getCampaign(campaign.id);
    if (c && ['completed', 'failed', 'cancelled'].includes(c.status)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const p of procs) p.kill('SIGKILL');
  const events = await store.readEvents(campaign.id, '0', { count: 100_000 });
  const started = events.find((e) => e.type === 'campaign.started')!.at;
  const lastTrial = events.filter((e) => e.type === 'trial.finished').at(-1)!.at;
  return { seconds: (lastTrial - started) / 1000, events };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

// 1. Overhead on trivial trials.
const trivial = Number(values.trivial);
const { events } = await runCampaign({ maxTrials: trivial, epochs: 1 }, 1);
const at = (type: string, trial: number) =>
  events.find((e) => e.type === type && (e as { trial?: number }).trial === trial)?.at;
const toStart: number[] = [];
const toDriver: number[] = [];
for (let n = 2; n <= trivial; n++) {
  // Trial 1 pays for the child process and the data set loading: left out.
  toStart.push(at('trial.started', n)! - at('proposal', n)!);
  if (n < trivial) toDriver.push(at('proposal', n + 1)! - at('trial.finished', n)!);
}
console.log(
  `queue overhead per trivial trial (iris, 1 epoch, ${trivial - 1} trials after the first):`,
);
console.log(
  `  enqueue -> training starts:           median ${quantile(toStart, 0.5)} ms, p90 ${quantile(toStart, 0.9)} ms`,
);
console.log(
  `  finished -> driver acts (next trial): median ${quantile(toDriver, 0.5)} ms, p90 ${quantile(toDriver, 0.9)} ms`,
);

// 2. Speed-up of two worker processes over one on real trials.
const real: Partial<CampaignRequestInput> = {
  task: { kind: 'builtin', name: 'wine-quality' },
  strategy: 'grid',
  gridParams: ['learningRate'],
  gridResolution: Number(values.real),
  maxTrials: Number(values.real),
  parallel: 2,
  epochs: Number(values.epochs),
  seed: 1,
};
const one = await runCampaign(real, 1);
const two = await runCampaign(real, 2);
console.log(
  `\nwine-quality, ${values.real} trials of ${values.epochs} epochs (a learning-rate grid), ${os.availableParallelism()} cores:`,
);
console.log(`  1 worker process:  ${one.seconds.toFixed(1)} s`);
console.log(
  `  2 worker processes: ${two.seconds.toFixed(1)} s   speed-up ${(one.seconds / two.seconds).toFixed(2)}x`,
);

await queues.close();
redis.disconnect();
await server.stop();
