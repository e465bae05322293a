import { Worker } from 'bullmq';
import { CampaignDriver } from '../../src/campaign/campaign-driver.ts';
import { reportDirFor } from '../../src/campaign/report-writer.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { TrialJobData } from '../../src/contracts/trial-job.ts';
import { FileArtifactStore } from '../../src/files/artifact-store.ts';
import { queuePrefix } from '../../src/queue/lgt-queues.ts';
import { connectionOptions, createRedis } from '../../src/queue/redis-connection.ts';
import { TaskTrainer } from '../../src/trainer/task-trainer.ts';
import { TaskDataCache } from '../../src/trials/task-data-cache.ts';
import { TrialRunner } from '../../src/trials/trial-runner.ts';
import type { CampaignRedis } from './campaign-redis.ts';

/**
 * Drives a created campaign to its end in this process, through the real queue: a BullMQ worker
 * on the trials queue runs the real trial runner (reports under `out`), and a driver does what a
 * worker's driver job would. Returns the finished campaign record.
 */
export async function driveInProcess(
  db: CampaignRedis,
  campaignId: string,
  out: string,
  opts: { concurrency?: number; pollMs?: number } = {},
): Promise<CampaignRecord> {
  const runner = new TrialRunner(
    db.store,
    new TaskTrainer(),
    new TaskDataCache(),
    (c) => new FileArtifactStore(reportDirFor(c, out)),
  );
  const trials = new Worker(
    'trials',
    (job) => runner.run(job.data as TrialJobData, { attempt: 1, maxAttempts: 1 }),
    {
      connection: connectionOptions(db.server.url),
      prefix: queuePrefix(),
      concurrency: opts.concurrency ?? 1,
    },
  );
  const blocking = createRedis(db.server.url);
  try {
    const driver = new CampaignDriver(db.store, db.queues, blocking, {
      pollMs: opts.pollMs ?? 100,
    });
    return await driver.drive(campaignId);
  } finally {
    await trials.close();
    blocking.disconnect();
  }
}
