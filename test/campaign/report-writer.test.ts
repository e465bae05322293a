import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareCampaign } from '../../src/campaign/campaign-service.ts';
import { writeReport } from '../../src/campaign/report-writer.ts';
import { readReport, reportStream } from '../../src/campaign/report-stream.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';
import { campaignEvents } from '../helpers/campaign-fixtures.ts';

const db = useCampaignRedis();
/** More than two pages of trials (PAGE_SIZE 200), so that the pages' joins are checked too. */
const TRIALS = 450;
const EPOCHS = 3;

/** A finished random campaign on a benchmark function, written through the store. */
async function finishedCampaign(id: string, out: string) {
  const prepared = await prepareCampaign({
    task: { kind: 'builtin', name: 'bench:hartmann6' },
    strategy: 'random',
    maxTrials: TRIALS,
    outputDir: out,
  });
  const campaign: CampaignRecord = {
    id,
    request: prepared.request,
    taskName: prepared.task.name,
    metric: prepared.task.metric,
    status: 'completed',
    createdAt: 1,
    reportDir: path.join(out, id),
  };
  await db.store.createCampaign(campaign);
  for (let i = 1; i <= TRIALS; i++) {
    const { number } = await db.store.addTrial(id, {
      state: 'running',
      config: { x1: i / TRIALS, x2: 0.5, x3: 0.5, x4: 0.5, x5: 0.5, x6: 0.5 },
      reason: `trial ${i}`,
      source: 'random',
      proposedAt: i,
      attempts: 1,
      attemptToken: `token-${i}`,
    });
    for (let epoch = 1; epoch <= EPOCHS; epoch++)
      await db.store.appendEpoch(id, number, `token-${i}`, {
        epoch,
        loss: 1 / epoch,
        validationLoss: 1 / epoch,
        validationMetric: -i / epoch,
        learningRate: 0.01,
        seconds: 0.01,
        samplesPerSecond: 1000,
      });
    await db.store.transitionTrial(id, number, ['running'], 'completed', {
      value: -i,
      epochsRun: EPOCHS,
      finishedAt: i,
    });
    await db.store.appendEvent(id, { type: 'trial.cancelled', trial: number });
  }
  const best = {
    trial: TRIALS,
    value: -TRIALS,
    config: (await db.store.getTrial(id, TRIALS))!.config,
  };
  await db.store.updateCampaign(id, (c) => ({ ...c, best }));
  return { campaign: { ...campaign, best }, task: prepared.task };
}

describe('the report, written and answered a page at a time', () => {
  it('report.json is the whole report, read a page of trials at a time; Redis keeps only its head', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-report-'));
    const { campaign, task } = await finishedCampaign('paged', out);
    // Every read of curves and records, to see that none asks for the whole campaign.
    const asked: number[] = [];
    const { getCurves, getTrials } = db.store;
    db.store.getCurves = (id, numbers) => (
      asked.push(numbers.length),
      getCurves.call(db.store, id, numbers)
    );
    db.store.getTrials = (id, numbers) => (
      asked.push(numbers.length),
      getTrials.call(db.store, id, numbers)
    );
    let dir: string;
    try {
      dir = await writeReport(db.store, campaign, task, null);
    } finally {
      db.store.getCurves = getCurves;
      db.store.getTrials = getTrials;
    }
    expect(Math.max(...asked)).toBeLessThanOrEqual(200);
    expect(asked.length).toBeGreaterThanOrEqual(3);

    const text = readFileSync(path.join(dir, 'report.json'), 'utf8');
    const whole = (await readReport(db.store, campaign.id))!;
    const events = await campaignEvents(db.store, campaign.id);
    const report = JSON.parse(text);
    // The whole report, laid out as one JSON.stringify of it would have written it.
    expect(report).toEqual(JSON.parse(JSON.stringify({ ...whole, events })));
    expect(text).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(report.trials).toHaveLength(TRIALS);
    expect(report.trials[TRIALS - 1].curve.map((e: { epoch: number }) => e.epoch)).toEqual([
      1, 2, 3,
    ]);
    expect(report.trials.some((t: object) => 'attemptToken' in t)).toBe(false);
    expect(report.events).toHaveLength(TRIALS);
    expect(report.best.trial).toBe(TRIALS);
    expect(readdirSync(dir).sort()).toEqual(['report.json', 'trials.csv']);
    const csv = readFileSync(path.join(dir, 'trials.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(TRIALS + 1);
    expect(csv[1]).toMatch(/^1,completed,-1,3,/);

    // Redis holds the head: its size does not grow with the trials.
    const kept = JSON.parse((await db.redis.get(`lgt:{${campaign.id}}:report`))!);
    expect(kept).not.toHaveProperty('trials');
    expect(kept.best.trial).toBe(TRIALS);

    // The API's answer: the same report without the event log, as a stream.
    const stream = (await reportStream(db.store, campaign.id))!;
    let answered = '';
    for await (const piece of stream) answered += piece;
    expect(JSON.parse(answered)).toEqual(JSON.parse(JSON.stringify(whole)));
    expect(await reportStream(db.store, 'none-such')).toBeNull();
  });

  it('takes out a secret that reached a record, and reads trials from their records, not an old report', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-report-'));
    const { campaign, task } = await finishedCampaign('secretive', out);
    const key = 'sk-report-0123456789abcdef';
    // Written past the store (which redacts what it writes), as a record from elsewhere would be.
    const raw = JSON.parse((await db.redis.hget(`lgt:{${campaign.id}}:trials`, '7'))!);
    await db.redis.hset(
      `lgt:{${campaign.id}}:trials`,
      '7',
      JSON.stringify({ ...raw, reason: `the key is ${key}` }),
    );
    process.env['OPENAI_API_KEY'] = key;
    try {
      const dir = await writeReport(db.store, campaign, task, null);
      const text = readFileSync(path.join(dir, 'report.json'), 'utf8');
      expect(text).not.toContain(key);
      expect(text).toContain('the key is [redacted]');
    } finally {
      delete process.env['OPENAI_API_KEY'];
    }
    // A report kept whole by an earlier version: its stale trials are not what is answered.
    const head = JSON.parse((await db.redis.get(`lgt:{${campaign.id}}:report`))!);
    await db.redis.set(
      `lgt:{${campaign.id}}:report`,
      JSON.stringify({ ...head, trials: [{ ...raw, number: 1, value: 99 }] }),
    );
    const report = (await readReport(db.store, campaign.id))!;
    expect(report.trials).toHaveLength(TRIALS);
    expect(report.trials[0]!.value).toBe(-1);
    expect(existsSync(path.join(out, campaign.id, 'report.json.partial'))).toBe(false);
  });
});
