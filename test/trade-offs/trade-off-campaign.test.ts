import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { campaignOverview } from '../../src/campaign/campaign-overview.ts';
import { ReportSchema } from '../../src/contracts/campaign-report.ts';
import { dominates } from '../../src/maths/pareto.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';
import { driveInProcess } from '../helpers/in-process-campaign.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

/** A campaign with two objectives and a constraint, through the real queue and a real Redis. */
const db = useCampaignRedis();
const task = {
  kind: 'module' as const,
  path: path.join(REPO_ROOT, 'test/fixtures/two-objective.ts'),
};

describe('a trade-off campaign', () => {
  it('keeps the front of its feasible trials, ships the pick, and reports both', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-trade-off-'));
    const prepared = await prepareCampaign({
      task,
      strategy: 'tpe',
      maxTrials: 24,
      parallel: 2,
      outputDir: out,
      objectives: [
        { metric: 'f1', direction: 'minimize' },
        { metric: 'f2', direction: 'minimize' },
      ],
      constraints: [{ metric: 'size', op: '<=', bound: 6 }],
      pick: {
        kind: 'best',
        metric: 'f2',
        direction: 'minimize',
        where: [{ metric: 'f1', op: '<=', bound: 0.3 }],
      },
    });
    const campaign = await createCampaign(db.store, db.queues, prepared);
    const finished = await driveInProcess(db, campaign.id, out, { concurrency: 2 });
    expect(finished.status, finished.error).toBe('completed');

    const report = ReportSchema.parse(
      JSON.parse(readFileSync(path.join(finished.reportDir!, 'report.json'), 'utf8')),
    );
    const t = report.tradeOff!;
    expect(t.objectives.map((o) => o.metric)).toEqual(['f1', 'f2']);
    expect(t.counts.feasible + t.counts.infeasible + t.counts.incomplete).toBe(24);
    expect(t.counts.infeasible).toBeGreaterThan(0); // the constraint binds
    // The front, checked against the trials themselves: feasible, and none dominated by a
    // feasible trial.
    const feasible = report.trials.filter(
      (r) => r.state === 'completed' && r.validation!['size']! <= 6,
    );
    const vec = (r: (typeof report.trials)[number]) => [r.validation!['f1']!, r.validation!['f2']!];
    expect(t.front.length).toBeGreaterThan(0);
    for (const m of t.front) {
      const r = report.trials.find((x) => x.number === m.trial)!;
      expect(r.validation!['size']).toBeLessThanOrEqual(6);
      expect(m.values).toEqual(vec(r));
      expect(feasible.some((o) => dominates(vec(o), vec(r)))).toBe(false);
    }
    const onFront = new Set(t.front.map((m) => m.trial));
    for (const r of feasible)
      if (!onFront.has(r.number))
        expect(t.front.some((m) => dominates(m.values, vec(r)))).toBe(true);
    // The pick: the least f2 of the feasible trials with f1 <= 0.3, shipped and retrained.
    const eligible = feasible.filter((r) => r.validation!['f1']! <= 0.3);
    const want = eligible.sort((a, b) => a.validation!['f2']! - b.validation!['f2']!)[0]!;
    expect(t.pick.member?.trial).toBe(want.number);
    expect(finished.best?.trial).toBe(want.number);
    expect(report.best?.final?.validation['f2']).toBeCloseTo(want.validation!['f2']!, 12);
    // The hypervolume curve only rises and ends at the front's hypervolume.
    const hv = t.hypervolumeByTrial.map((p) => p.hypervolume);
    expect(hv).toEqual([...hv].sort((a, b) => a - b));
    expect(hv.at(-1)).toBeCloseTo(t.hypervolume!, 12);
    // No ensemble for a trade-off: one front member ships.
    expect(finished.ensemble).toBeUndefined();
    // The API's overview says the same.
    const overview = await campaignOverview(db.store, campaign.id);
    expect(overview.tradeOff?.front).toEqual(t.front);
    const events = await db.store.readEvents(campaign.id, '0', { count: 1000 });
    expect(events.filter((e) => e.type === 'campaign.picked')).toHaveLength(1);
  }, 120_000);

  it('refuses what it cannot tune before anything runs, naming the field', async () => {
    const base = { task, maxTrials: 5, outputDir: os.tmpdir() };
    const two = [
      { metric: 'f1', direction: 'minimize' as const },
      { metric: 'f2', direction: 'minimize' as const },
    ];
    await expect(
      prepareCampaign({ ...base, objectives: [two[0]!, { metric: 'f3', direction: 'minimize' }] }),
    ).rejects.toThrow(
      /objectives\.1\.metric names f3, which two-objective does not report; it reports f1, f2, size/,
    );
    await expect(
      prepareCampaign({
        ...base,
        objectives: two,
        constraints: [{ metric: 'weight', op: '<=', bound: 1 }],
      }),
    ).rejects.toThrow(/constraints\.0\.metric names weight/);
    await expect(prepareCampaign({ ...base, strategy: 'gp', objectives: two })).rejects.toThrow(
      /strategy gp tunes one number .* use one of auto, random, grid, tpe, nsga2/,
    );
    // Both pruners judge vectors on a trade-off (the median rule and ASHA generalized).
    await expect(
      prepareCampaign({ ...base, strategy: 'tpe', pruner: 'asha', objectives: two }),
    ).resolves.toBeDefined();
    await expect(prepareCampaign({ ...base, objectives: [two[0]!, two[0]!] })).rejects.toThrow(
      /objectives\.1\.metric repeats f1/,
    );
    await expect(
      // What an API body may hold: a direction that is neither.
      prepareCampaign({
        ...base,
        objectives: [{ metric: 'f1', direction: 'upward' as 'maximize' }, two[1]!],
      }),
    ).rejects.toThrow(/objectives\.0\.direction/);
    await expect(prepareCampaign({ ...base, pick: { kind: 'knee' } })).rejects.toThrow(
      /pick chooses among the front of several objectives/,
    );
  });
});

describe('a trade-off campaign with the multi-objective median rule', () => {
  it('prunes trials half their peers beat in both objectives, saying so, and keeps the rest', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-trade-off-prune-'));
    const prepared = await prepareCampaign({
      task,
      strategy: 'random',
      maxTrials: 30,
      parallel: 1,
      outputDir: out,
      pruner: 'median',
      objectives: [
        { metric: 'f1', direction: 'minimize' },
        { metric: 'f2', direction: 'minimize' },
      ],
    });
    const campaign = await createCampaign(db.store, db.queues, prepared);
    const finished = await driveInProcess(db, campaign.id, out);
    expect(finished.status, finished.error).toBe('completed');
    const trials = await db.store.listTrials(campaign.id);
    const pruned = trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    expect(trials.filter((t) => t.state === 'completed').length).toBeGreaterThan(pruned.length / 3);
    const events = await db.store.readEvents(campaign.id, '0', { count: 1000 });
    const said = events.filter((e) => e.type === 'trial.pruned');
    expect(said).toHaveLength(pruned.length);
    for (const e of said)
      expect(e.type === 'trial.pruned' && e.reason).toMatch(
        /^\d+ of \d+ trials at epoch \d+ were better in f1 and f2 beyond the noise$/,
      );
    // The epochs carried the second objective, which the rule read.
    const curves = await db.store.getCurves(campaign.id, [pruned[0]!.number]);
    expect(curves.get(pruned[0]!.number)![0]!.metrics?.['f2']).toBeGreaterThan(0);
    // The default (trial 1) is never pruned: it is the control.
    expect(trials[0]!.state).toBe('completed');
  }, 120_000);
});
