import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';
import { driveInProcess } from '../helpers/in-process-campaign.ts';

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
    const finished = await driveInProcess(db, campaign.id, out, { pollMs: 200 });
    expect(finished.status, finished.error).toBe('completed');
    expect(finished.best).toMatchObject({ trial: 1, value: 24.1, config });
    const events = await db.store.readEvents(campaign.id, '0', { count: 100 });
    expect(events.filter((e) => e.type === 'best.improved')).toHaveLength(1);
  }, 60_000);
});
