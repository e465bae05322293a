/**
 * A BullMQ worker on the trials queue that runs trials in this process, through the real trial
 * runner and store: for benchmark functions, which need no sandbox (bench/scale.ts and its fleet
 * processes, bench/scale-worker.ts).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'bullmq';
import { CampaignStore } from '../src/campaign/campaign-store.ts';
import { reportDirFor } from '../src/campaign/report-writer.ts';
import type { TrialJobData } from '../src/contracts/trial-job.ts';
import { FileArtifactStore } from '../src/files/artifact-store.ts';
import { queuePrefix } from '../src/queue/lgt-queues.ts';
import { bullConnection, createRedis } from '../src/queue/redis-connection.ts';
import { TaskTrainer } from '../src/trainer/task-trainer.ts';
import { TaskDataCache } from '../src/trials/task-data-cache.ts';
import { TrialRunner } from '../src/trials/trial-runner.ts';

/** The worker, and `close()` for it and the store's connection (left open, it would keep the process alive). */
export function inProcessTrialWorker(
  url: string,
  concurrency: number,
): { worker: Worker; close(): Promise<void> } {
  const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-bench-trials-'));
  const redis = createRedis(url);
  const bull = bullConnection(url);
  const runner = new TrialRunner(
    new CampaignStore(redis, queuePrefix()),
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
    { connection: bull.connection, prefix: queuePrefix(url), concurrency },
  );
  return {
    worker,
    async close() {
      await worker.close();
      redis.disconnect();
      bull.close();
    },
  };
}
