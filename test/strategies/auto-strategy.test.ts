import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { chooseAuto } from '../../src/strategies/auto-strategy.ts';
import { branin, braninObjective, mixedObjective } from '../../tasks/benchmark-functions.ts';
import iris from '../../tasks/iris.ts';
import { lcbenchTask } from '../../tasks/lcbench.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';
import { driveInProcess } from '../helpers/in-process-campaign.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

describe('--strategy auto', () => {
  it('chooses the GP for numeric spaces and TPE where a third or more of the dimensions are choices', () => {
    expect(chooseAuto(braninObjective.space.searched()).strategy).toBe('gp');
    expect(chooseAuto(lcbenchTask('3945').space.searched()).strategy).toBe('gp');
    // Conditions do not count against the GP: bench:mixed's numeric dimensions all are.
    expect(chooseAuto(mixedObjective.space.searched())).toMatchObject({
      strategy: 'gp',
      reason: expect.stringContaining('2 choice, 7 conditional dimensions'),
    });
    expect(chooseAuto(iris.space.searched())).toMatchObject({
      strategy: 'tpe',
      reason: expect.stringContaining('9 choice'),
    });
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
    const finished = await driveInProcess(db, campaign.id, out, { concurrency: 2 });
    expect(finished.status, finished.error).toBe('completed');
    const events = await db.store.readEvents(campaign.id, '0', { count: 500 });
    const chosen = events.filter((e) => e.type === 'strategy.chosen');
    expect(chosen).toHaveLength(1);
    expect(chosen[0]).toMatchObject({ strategy: 'gp' });
    const sources = (await db.store.listTrials(campaign.id)).map((t) => t.source);
    expect(sources[0]).toBe('default');
    expect(new Set(sources.slice(1))).toEqual(new Set(['gp']));
  }, 60_000);

  it('a budget of 1, or a space with nothing to tune: gp and auto end cleanly with what there is', async () => {
    const run = async (strategy: 'gp' | 'auto', task: object, maxTrials: number) => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-auto-'));
      const prepared = await prepareCampaign({
        task,
        strategy,
        maxTrials,
        parallel: 2,
        outputDir: out,
      } as Parameters<typeof prepareCampaign>[0]);
      const campaign = await createCampaign(db.store, db.queues, prepared);
      const done = await driveInProcess(db, campaign.id, out, { concurrency: 2 });
      return { done, trials: await db.store.listTrials(campaign.id) };
    };
    for (const strategy of ['gp', 'auto'] as const) {
      const one = await run(strategy, { kind: 'builtin', name: 'bench:branin' }, 1);
      expect(one.done.status, one.done.error).toBe('completed');
      expect(one.trials.map((t) => [t.source, t.config])).toEqual([
        ['default', { x1: 2.5, x2: 7.5 }],
      ]);
      expect(one.done.best!.value).toBeCloseTo(branin(2.5, 7.5), 9);

      const fixed = await run(
        strategy,
        { kind: 'module', path: path.join(REPO_ROOT, 'test/fixtures/one-config-objective.ts') },
        5,
      );
      expect(fixed.done.status, fixed.done.error).toBe('completed');
      // The default is the only configuration: one trial, not five, and no NaN anywhere.
      expect(fixed.trials.map((t) => t.config)).toEqual([{ a: 'only', b: 3 }]);
      expect(fixed.done.best!.value).toBe(1);
    }
  }, 60_000);
});
