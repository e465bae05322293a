/**
 * One process of bench/scale.ts's fleet: a BullMQ worker on the trials queue with `concurrency`
 * trials at once, run in this process (benchmark functions need no sandbox), through the real
 * trial runner and store.
 *
 *   node --import tsx bench/scale-worker.ts <redis-url> <concurrency>
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'bullmq';
import { CampaignStore } from '../src/campaign/campaign-store.ts';
import { reportDirFor } from '../src/campaign/report-writer.ts';
import type { TrialJobData } from '../src/contracts/campaign-records.ts';
import { FileArtifactStore } from '../src/files/artifact-store.ts';
import { queuePrefix } from '../src/queue/lgt-queues.ts';
import { connectionOptions, createRedis } from '../src/queue/redis-connection.ts';
import { TaskTrainer } from '../src/trainer/task-trainer.ts';
import { TaskDataCache } from '../src/trials/task-data-cache.ts';
import { TrialRunner } from '../src/trials/trial-runner.ts';

const [url, concurrencyText] = process.argv.slice(2);
if (!url || !concurrencyText) throw new Error('usage: scale-worker.ts <redis-url> <concurrency>');
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-bench-fleet-'));
const runner = new TrialRunner(
  new CampaignStore(createRedis(url), queuePrefix()),
  new TaskTrainer(),
  new TaskDataCache(),
  (campaign) => new FileArtifactStore(reportDirFor(campaign, out)),
);
const worker = new Worker(
  'trials',
  (job) =>
    runner.run(job.data as TrialJobData, {
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
    }),
  {
    connection: connectionOptions(url),
    prefix: queuePrefix(),
    concurrency: Number(concurrencyText),
  },
);
await worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
