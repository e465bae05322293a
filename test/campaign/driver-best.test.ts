import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { CampaignDriver } from '../../src/campaign/campaign-driver.ts';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { reportDirFor } from '../../src/campaign/report-writer.ts';
import type { TrialJobData } from '../../src/contracts/campaign-records.ts';
import { FileArtifactStore } from '../../src/files/artifact-store.ts';
import { queuePrefix } from '../../src/queue/lgt-queues.ts';
import { connectionOptions, createRedis } from '../../src/queue/redis-connection.ts';
import { TaskTrainer } from '../../src/trainer/task-trainer.ts';
import { TaskDataCache } from '../../src/trials/task-data-cache.ts';
import { TrialRunner } from '../../src/trials/trial-runner.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';

/**
 * A worker writes a finished trial, then the campaign's best. A driver may see the first
 * without the second (under load it did: a one-trial campaign then failed with "no trial
 * produced a finite validation result"), and a worker may die between them. The driver settles
 * the best from the trials before it finishes.
 */
const db = useCampaignRedis();

describe('the campaign best at the end', () => {
  it('a completed trial whose best was never written still becomes the best, and the campaign completes', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-driver-best-'));
    const prepared = await prepareCampaign({
      task: { kind: 'builtin', name: 'bench:branin' },
      strategy: 'random',
      maxTrials: 1,
      parallel: 1,
      pruner: 'none',
      outputDir: out,
    });
    const campaign = await createCampaign(db.store, db.queues, prepared);
    const config = prepared.task.space.defaults();
    // What a worker that died after writing its trial leaves: the trial, no best.
    await db.store.addTrial(campaign.id, {
      state: 'completed',
      config,
      reason: 'finished by a worker that died before writing the best',
      source: 'random',
      proposedAt: Date.now(),
      attempts: 1,
      value: 24.1,
    });
    expect((await db.store.requireCampaign(campaign.id)).best).toBeUndefined();

    // A trial worker for the final run (the best retrained once), in this process.
    const runner = new TrialRunner(
      db.store,
      new TaskTrainer(),
      new TaskDataCache(),
      (c) => new FileArtifactStore(reportDirFor(c, out)),
    );
    const trials = new Worker(
      'trials',
      (job) => runner.run(job.data as TrialJobData, { attempt: 1, maxAttempts: 1 }),
      { connection: connectionOptions(db.server.url), prefix: queuePrefix() },
    );
    const blocking = createRedis(db.server.url);
    try {
      const driver = new CampaignDriver(db.store, db.queues, blocking, { pollMs: 200 });
      const finished = await driver.drive(campaign.id);
      expect(finished.status, finished.error).toBe('completed');
      expect(finished.best).toMatchObject({ trial: 1, value: 24.1, config });
      const events = await db.store.readEvents(campaign.id, '0', { count: 100 });
      expect(events.filter((e) => e.type === 'best.improved')).toHaveLength(1);
    } finally {
      await trials.close();
      blocking.disconnect();
    }
  }, 60_000);
});
