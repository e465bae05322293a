import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { campaignOverview } from '../../src/campaign/campaign-overview.ts';
import type { CampaignEvent } from '../../src/contracts/campaign-events.ts';
import {
  AutoStrategy,
  chooseAuto,
  HANDOVER_AT,
  HANDOVER_SIGMA,
} from '../../src/strategies/auto-strategy.ts';
import { CmaEsStrategy } from '../../src/strategies/cmaes-strategy.ts';
import { GpStrategy } from '../../src/strategies/gp-strategy.ts';
import type { StrategyContext } from '../../src/strategies/strategy-context.ts';
import { stateBox } from '../helpers/state-box.ts';
import { runSynthetic } from '../helpers/synthetic-campaign.ts';
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

  it('hands a numeric campaign over to CMA-ES where its budget runs past the hand-over, not before', () => {
    const space = braninObjective.space.searched();
    expect(chooseAuto(space, HANDOVER_AT).handover).toBeUndefined();
    expect(chooseAuto(space, HANDOVER_AT + 1).handover).toMatchObject({
      at: HANDOVER_AT,
      strategy: 'cmaes',
    });
    expect(chooseAuto(space, 60, 30).handover).toMatchObject({ at: 30 });
    // TPE's spaces keep TPE however long the campaign.
    expect(chooseAuto(iris.space.searched(), 1000).handover).toBeUndefined();
  });

  it('past the hand-over CMA-ES proposes, started from the best trials so far, and each choice is logged once', async () => {
    const space = braninObjective.space.searched();
    const choice = chooseAuto(space, 30, 14);
    const box = stateBox();
    const logged: CampaignEvent[] = [];
    const context = {
      ...box.context,
      log: (e: CampaignEvent) => Promise.resolve(void logged.push(e)),
    } as unknown as StrategyContext;
    const auto = new AutoStrategy(
      new GpStrategy(space, 3, 'minimize', { deterministic: true }),
      choice,
      context,
      new CmaEsStrategy(space, 3, 'minimize', {
        start: 'incumbent',
        firstRunSigma: HANDOVER_SIGMA,
      }),
    );
    const f = (c: Record<string, unknown>) => branin(c['x1'] as number, c['x2'] as number);
    const { trials } = await runSynthetic(auto, f, { budget: 30, parallel: 2 });
    expect(trials.slice(0, 14).every((t) => t.source === 'gp')).toBe(true);
    expect(trials.slice(14).every((t) => t.source === 'cmaes')).toBe(true);
    expect(box.peek()).toEqual({
      ran: [
        { strategy: 'gp', reason: choice.reason, fromTrial: 1 },
        { strategy: 'cmaes', reason: choice.handover!.reason, fromTrial: 15 },
      ],
    });
    expect(logged.map((e) => e.type === 'strategy.chosen' && [e.strategy, e.fromTrial])).toEqual([
      ['gp', undefined],
      ['cmaes', 15],
    ]);
    // CMA-ES starts at the best of the first 14, with the hand-over's step size.
    const best = [...trials.slice(0, 14)].sort((a, b) => a.value! - b.value!)[0]!;
    const first = trials[14]!;
    const meta = (first.meta as { cmaes: { start: number[]; run: number; generation: number } })
      .cmaes;
    expect(meta).toMatchObject({ run: 0, generation: 0 });
    expect(meta.start[0]).toBeCloseTo(((best.config['x1'] as number) + 5) / 15, 9);
    expect(meta.start[1]).toBeCloseTo((best.config['x2'] as number) / 15, 9);
    expect(first.reason).toContain(`sigma ${HANDOVER_SIGMA}`);
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
    // What lgt status and the API show, and the report keeps: the sampler it ran, from trial 1.
    const ran = [{ strategy: 'gp', reason: chosen[0]!.reason, fromTrial: 1 }];
    expect((await campaignOverview(db.store, campaign.id)).samplers).toEqual(ran);
    expect((await db.store.getReportHead(campaign.id))?.samplers).toEqual(ran);
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
