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
import { chooseAuto } from '../../src/strategies/auto-strategy.ts';
import { TaskTrainer } from '../../src/trainer/task-trainer.ts';
import { TaskDataCache } from '../../src/trials/task-data-cache.ts';
import { TrialRunner } from '../../src/trials/trial-runner.ts';
import { braninObjective, mixedObjective } from '../../tasks/benchmark-functions.ts';
import iris from '../../tasks/iris.ts';
import { lcbenchTask } from '../../tasks/lcbench.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';

describe('--strategy auto', () => {
  it('chooses the GP for numeric spaces and TPE where choices and conditions dominate', () => {
    expect(chooseAuto(braninObjective.space.searched()).strategy).toBe('gp');
    expect(chooseAuto(lcbenchTask('3945').space.searched()).strategy).toBe('gp');
    expect(chooseAuto(mixedObjective.space.searched())).toMatchObject({
      strategy: 'tpe',
      reason: expect.stringContaining('2 choice, 7 conditional dimensions'),
    });
    expect(chooseAuto(iris.space.searched()).strategy).toBe('tpe');
  });

  const db = useCampaignRedis();

  it('logs its choice once, and its trials say which sampler proposed them', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-auto-'));
    const prepared = await prepareCampaign({
      task: { kind: 'builtin', name: 'bench:branin' },
      strategy: 'auto',
      maxTrials: 14,
      parallel: 2,
      pruner: 'none',
      outputDir: out,
    });
    const campaign = await createCampaign(db.store, db.queues, prepared);
    const runner = new TrialRunner(
      db.store,
      new TaskTrainer(),
      new TaskDataCache(),
      (c) => new FileArtifactStore(reportDirFor(c, out)),
    );
    const trials = new Worker(
      'trials',
      (job) => runner.run(job.data as TrialJobData, { attempt: 1, maxAttempts: 1 }),
      { connection: connectionOptions(db.server.url), prefix: queuePrefix(), concurrency: 2 },
    );
    const blocking = createRedis(db.server.url);
    try {
      const finished = await new CampaignDriver(db.store, db.queues, blocking, {
        pollMs: 100,
      }).drive(campaign.id);
      expect(finished.status, finished.error).toBe('completed');
      const events = await db.store.readEvents(campaign.id, '0', { count: 500 });
      const chosen = events.filter((e) => e.type === 'strategy.chosen');
      expect(chosen).toHaveLength(1);
      expect(chosen[0]).toMatchObject({ strategy: 'gp' });
      const sources = (await db.store.listTrials(campaign.id)).map((t) => t.source);
      expect(sources[0]).toBe('default');
      expect(new Set(sources.slice(1))).toEqual(new Set(['gp']));
    } finally {
      await trials.close();
      blocking.disconnect();
    }
  }, 60_000);
});
