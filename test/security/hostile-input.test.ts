import { STORE_VERSION } from '../../src/campaign/store-keys.ts';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaignContext, type CampaignContext } from '../../src/campaign/campaign-context.ts';
import { createCampaign, prepareCampaign } from '../../src/campaign/campaign-service.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import { parseCampaignRequest } from '../../src/contracts/campaign-request.ts';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.ts';
import { jobIds } from '../../src/queue/lgt-queues.ts';
import { createRedis } from '../../src/queue/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { buildApiServer } from '../../src/server/api-server.ts';
import { loadTask } from '../../src/catalog/task-registry.ts';
import { refusalOf } from '../../src/task-kinds/task-permissions.ts';
import { waitingFor } from '../../src/campaign/waiting-for.ts';
import { WorkerService } from '../../src/worker/worker-service.ts';
import { campaignRequest } from '../helpers/campaign-fixtures.ts';
import { apiCall } from '../helpers/api-call.ts';
import { waitFor } from '../helpers/lgt-process.ts';
import { REPO_ROOT, SHARED_BENCHMARKS, SHARED_DATASETS } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';

/**
 * lgt probed as a hostile client and as someone who can write to Redis (issue 26): each finding
 * is a test here, and each failed on the code before its fix. The server, its store and the
 * workers are real; Redis is a real redis-server of this file's own.
 */
const TOKEN = 'hostile-suite-token-0123456789';
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-hostile-runs-'));
const evilDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-hostile-module-'));
let redis: RedisServerProcess;
let ctx: CampaignContext;
let app: FastifyInstance;
let base: string;
let port: number;
let logText = '';
/** A plain client of the suite's Redis, for what a hostile writer does by hand. */
let db: RedisClient;

/** A module whose top-level code leaves a marker file: importing it is what must not happen. */
function evilModule(name: string): { file: string; marker: string } {
  const file = path.join(evilDir, name);
  const marker = `${file}.imported`;
  writeFileSync(
    file,
    `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran'); export default {};\n`,
  );
  return { file, marker };
}

function call(method: string, url: string, body?: unknown, token: string | null = TOKEN) {
  return apiCall(base, method, url, body, token);
}

/** A GET with a Host header of our choosing (fetch sets its own). */
function getWithHost(host: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: url, method: 'GET', headers: { host } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A campaign record as it would be stored, with parts of its request replaced. */
function plantedRecord(id: string, request: Record<string, unknown>): CampaignRecord {
  return {
    id,
    request: {
      ...parseCampaignRequest(campaignRequest(out, { maxTrials: 1, epochs: 2 })),
      ...request,
    },
    taskName: 'iris',
    metric: { name: 'accuracy', direction: 'maximize' },
    status: 'queued',
    createdAt: Date.now(),
  } as CampaignRecord;
}

async function plant(record: CampaignRecord | string, id: string): Promise<void> {
  const text = typeof record === 'string' ? record : JSON.stringify(record);
  // As one who can write to Redis would: with the version this lgt reads.
  await db.hset(`lgt:{${id}}:campaign`, 'record', text, 'rev', 1, 'version', STORE_VERSION);
  await db.zadd('lgt:campaigns', Date.now(), id);
}

beforeAll(async () => {
  redis = await startRedisServer();
  ctx = await openCampaignContext({ redisUrl: redis.url });
  db = createRedis(redis.url);
  const logs = new PassThrough();
  logs.on('data', (chunk: Buffer) => (logText += chunk.toString()));
  app = await buildApiServer({
    ctx,
    token: TOKEN,
    host: '127.0.0.1',
    runsDir: out,
    dataDirs: [SHARED_DATASETS],
    taskDirs: [],
    logger: { stream: logs },
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(base).port);
}, 60_000);

afterAll(async () => {
  await app?.close();
  db?.disconnect();
  await ctx?.close();
  await redis?.stop();
});

describe('a builtin task spec names a built-in task and nothing else', () => {
  it('refuses a path as a builtin name over HTTP without importing it (absolute, relative, any extension)', async () => {
    const absolute = evilModule('evil.mjs');
    const csvNamed = evilModule('evil.csv');
    const before = await ctx.store.listCampaigns();
    for (const name of [
      absolute.file,
      csvNamed.file,
      './examples/petal-width-task.ts',
      // A family's member names take '/', but never '.', '..' or a leading '/'.
      `bench:lcbench/..${absolute.file}`,
      'bench:lcbench/../../tmp/evil',
    ]) {
      const res = await call('POST', '/api/campaigns', {
        task: { kind: 'builtin', name },
        maxTrials: 1,
      });
      // First what matters: the file's code did not run inside the server.
      expect(existsSync(absolute.marker), name).toBe(false);
      expect(existsSync(csvNamed.marker), name).toBe(false);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { fields?: { field: string; message: string }[] };
      expect(body.fields?.[0]?.field).toBe('task.name');
      expect(body.fields?.[0]?.message).toContain('not a path');
    }
    // An unknown name that is not a path: refused by the registry, nothing loaded either.
    const unknown = await call('POST', '/api/campaigns', {
      task: { kind: 'builtin', name: 'no-such-task' },
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain(
      'unknown task "no-such-task"',
    );
    expect(await ctx.store.listCampaigns()).toEqual(before);
  });

  it('loadTask (what a worker does with a record) looks a builtin name up, never imports it', async () => {
    const { file, marker } = evilModule('record-evil.mjs');
    // A record in Redis is not parsed by the API's schema first: the loader itself refuses.
    await expect(loadTask({ kind: 'builtin', name: file })).rejects.toThrow(
      `unknown task "${file}"`,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('a driver refuses a planted record whose builtin name is a module path, importing nothing', async () => {
    const { file, marker } = evilModule('driver-evil.mjs');
    const workers = await WorkerService.start({ redisUrl: redis.url, queues: ['campaign'] });
    try {
      await plant(
        plantedRecord('planted-builtin-path', { task: { kind: 'builtin', name: file } }),
        'planted-builtin-path',
      );
      await ctx.queues.campaign.add(
        'drive',
        { campaignId: 'planted-builtin-path' },
        { jobId: 'planted-builtin-path' },
      );
      const refused = await waitFor('the planted campaign to be refused', async () => {
        const log = await ctx.store.readEvents('planted-builtin-path');
        return log.find((e) => e.type === 'campaign.failed');
      });
      expect('error' in refused ? refused.error : '').toContain(
        'task.name: must be the name of a built-in task',
      );
      expect(existsSync(marker)).toBe(false);
    } finally {
      await workers.close(true);
    }
  });
});

describe('secrets never reach the log', () => {
  it('redacts a token in the query string, right or wrong, and any secret-named parameter', async () => {
    const near = 'hostile-suite-token-0123456788';
    const right = await call('POST', `/api/campaigns?token=${TOKEN}`, {}, null);
    expect(right.status).toBe(401);
    const wrong = await call('GET', `/api/campaigns?api_key=${near}&limit=3`, undefined, null);
    expect(wrong.status).toBe(200);
    await waitFor('both requests logged', async () => logText.includes('limit=3'));
    expect(logText).not.toContain(TOKEN);
    expect(logText).not.toContain(near);
    expect(logText).toContain('token=[redacted]');
    expect(logText).toContain('api_key=[redacted]&limit=3');
  });
});

describe('workers read data only where their operator allows', () => {
  it('a planted record naming /etc/passwd with dataDirs ["/etc"] is left waiting, the file never opened', async () => {
    const workers = await WorkerService.start({ redisUrl: redis.url, queues: ['campaign'] });
    try {
      const id = 'planted-passwd';
      await plant(
        plantedRecord(id, {
          task: { kind: 'csv', file: '/etc/passwd', target: 'root' },
          dataDirs: ['/etc'],
        }),
        id,
      );
      await ctx.queues.campaign.add('drive', { campaignId: id }, { jobId: id });
      // The worker takes the job, may not read there, and puts the job back for a worker whose
      // operator allows /etc (none will be): the record's own dataDirs widen nothing.
      await waitFor('the worker to leave the job', async () => {
        const job = await ctx.queues.campaign.getJob(id);
        return (await job?.getState()) === 'delayed';
      });
      const waiting = await ctx.store.requireCampaign(id);
      expect(waiting.status).toBe('queued');
      expect(waiting.error).toBeUndefined();
      expect(refusalOf(waiting.request.task, workers.permissions)).toContain(
        'the data file /etc/passwd is outside the directories this process reads data from',
      );
      expect(await waitingFor(ctx.queues, db, waiting)).toContain(
        "no worker that may run /etc/passwd (target root) is connected (1 connected may not, and leave it alone): start one with `lgt worker --data-dir '/etc'`",
      );
      // Nothing of the file anywhere in Redis.
      const keys = await db.keys(`lgt*`);
      for (const key of keys) {
        const type = await db.type(key);
        const text =
          type === 'hash'
            ? JSON.stringify(await db.hgetall(key))
            : type === 'stream'
              ? JSON.stringify(await db.xrange(key, '-', '+'))
              : type === 'string'
                ? ((await db.get(key)) ?? '')
                : '';
        expect(text, key).not.toMatch(/root:x?:?0:0|\/bin\/(ba)?sh/);
      }
    } finally {
      await workers.close(true);
    }
  });

  it("a trial process's loader refuses a CSV outside LGT_DATA_DIR, and its record cannot widen the search", async () => {
    await expect(loadTask({ kind: 'csv', file: '/etc/passwd', target: 'x' })).rejects.toThrow(
      `is outside the directories this process reads data from (${SHARED_DATASETS}, ${SHARED_BENCHMARKS})`,
    );
    const { dataDirsFor } = await import('../../src/env/data-dirs.ts');
    expect(dataDirsFor(['/etc', path.join(SHARED_DATASETS, 'sub')], [SHARED_DATASETS])).toEqual([
      path.join(SHARED_DATASETS, 'sub'),
      SHARED_DATASETS,
    ]);
    // Inside, it loads as before.
    const task = await loadTask({
      kind: 'csv',
      file: path.join(SHARED_DATASETS, 'iris.csv'),
      target: 'Species',
    });
    expect(task.name).toContain('iris');
  });

  it('says "too few rows" for a one-row CSV, and names no cell of a file in its errors', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-hostile-csv-'));
    const one = path.join(dir, 'one.csv');
    writeFileSync(one, 'x,label\n1,secretclass\n');
    await expect(
      prepareCampaign(
        { ...campaignRequest(out), task: { kind: 'csv', file: one, target: 'label' } },
        { dataDirs: [dir] },
      ),
    ).rejects.toThrow('has too few rows: 1;');
    const wrongTarget = path.join(dir, 'columns.csv');
    writeFileSync(wrongTarget, 'secretcolumn,y\n1,2\n3,4\n5,6\n7,8\n');
    const error = await prepareCampaign(
      { ...campaignRequest(out), task: { kind: 'csv', file: wrongTarget, target: 'nope' } },
      { dataDirs: [dir] },
    ).catch((e: Error) => e);
    expect((error as Error).message).toContain('column "nope" is not in');
    expect((error as Error).message).not.toContain('secretcolumn');
  });
});

describe('one invalid record hides no other campaign', () => {
  it('listings and /metrics skip a record that is not JSON and an index entry with a bad id, count them and log each once', async () => {
    const good = await createCampaign(
      ctx.store,
      ctx.queues,
      await prepareCampaign(campaignRequest(out, { maxTrials: 1, epochs: 2 })),
    );
    await plant('{not json', 'broken-record');
    await db.zadd('lgt:campaigns', Date.now(), 'Bad Id/../x');
    for (let i = 0; i < 2; i++) {
      const res = await call('GET', '/api/campaigns');
      expect(res.status).toBe(200);
      const list = (await res.json()) as {
        campaigns: { campaign: { id: string } }[];
        invalid: { id: string; problem: string }[];
      };
      expect(list.campaigns.map((c) => c.campaign.id)).toContain(good.id);
      // (With the records other tests planted here, refused in their turn.)
      expect(list.invalid.map((e) => e.id)).toEqual(
        expect.arrayContaining(['Bad Id/../x', 'broken-record']),
      );
      expect(list.invalid.find((e) => e.id === 'broken-record')!.problem).toContain('not JSON');
    }
    const metrics = await call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    const invalidCount = ((await (await call('GET', '/api/campaigns')).json()) as { invalid: [] })
      .invalid.length;
    expect(await metrics.text()).toContain(`lgt_invalid_campaign_records ${invalidCount}`);
    // Each once, after two listings and a scrape.
    for (const id of ['broken-record', 'Bad Id/../x'])
      expect(logText.split(`"campaign":"${id}"`).length - 1, id).toBe(1);
    const cli = await runCli(['list', '--redis-url', redis.url]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(good.id);
    expect(cli.stderr).toContain('skipped campaign broken-record');
    await db.zrem('lgt:campaigns', 'broken-record', 'Bad Id/../x');
  });
});

describe('a trial job is checked against its trial before it changes anything', () => {
  it('drops a rogue job for a real trial and fails a job whose data is not JSON once', async () => {
    const campaign = await createCampaign(
      ctx.store,
      ctx.queues,
      await prepareCampaign(campaignRequest(out, { maxTrials: 1, epochs: 2 })),
    );
    const trial: TrialRecord = await ctx.store.addTrial(campaign.id, {
      config: { hiddenLayers: 1, units: 16, learningRate: 0.01 },
      state: 'queued',
      attempts: 0,
      source: 'random',
      reason: 'planted by the test',
      proposedAt: Date.now(),
    });
    const before = await ctx.store.getTrial(campaign.id, trial.number);
    // Another configuration for the trial, planted at its own job id before a driver added
    // the real job; and the trial's own data under an id a driver never gives it.
    const rogueConfig = jobIds.trial(campaign.id, trial.number);
    await ctx.queues.trials.add(
      'trial',
      { campaignId: campaign.id, trial: trial.number, config: { units: 99999 } },
      { jobId: rogueConfig },
    );
    await ctx.queues.trials.add(
      'trial',
      { campaignId: campaign.id, trial: trial.number, config: trial.config },
      { jobId: 'rogue-id' },
    );
    // A job whose data is not JSON (written by something other than lgt).
    await ctx.queues.trials.add('trial', {}, { jobId: 'not-json' });
    await db.hset('lgt:trials:not-json', 'data', '{not json');
    const workers = await WorkerService.start({
      redisUrl: redis.url,
      queues: ['trials'],
      concurrency: 1,
    });
    try {
      for (const id of [rogueConfig, 'rogue-id', 'not-json']) {
        const state = await waitFor(
          `job ${id} to fail`,
          async () => {
            const s = await ctx.queues.trials.getJobState(id);
            return s === 'failed' ? s : null;
          },
          60_000,
        );
        expect(state).toBe('failed');
        // Read by hand: BullMQ's own reader cannot build the job whose data is not JSON.
        const [attempts, reason] = await db.hmget(`lgt:trials:${id}`, 'atm', 'failedReason');
        expect(attempts, id).toBe('1');
        expect(reason, id).toMatch(/refused|not a valid lgt record/);
      }
      expect((await ctx.queues.trials.getJob(rogueConfig))!.failedReason).toContain(
        `its data differs from what trial ${trial.number} of campaign ${campaign.id} stores (config)`,
      );
      expect((await ctx.queues.trials.getJob('rogue-id'))!.failedReason).toContain(
        `its id is not ${jobIds.trial(campaign.id, trial.number)}`,
      );
      // The real trial is as it was: not started, not failed.
      expect(await ctx.store.getTrial(campaign.id, trial.number)).toEqual(before);
    } finally {
      await workers.close(true);
    }
  });
});

describe('a retrain job is checked like a trial job', () => {
  it("refuses one for an unfinished campaign, and one whose data is not its trial's", async () => {
    const running = await createCampaign(
      ctx.store,
      ctx.queues,
      await prepareCampaign(campaignRequest(out, { maxTrials: 1, epochs: 2 })),
    );
    const finished = await createCampaign(
      ctx.store,
      ctx.queues,
      await prepareCampaign(campaignRequest(out, { maxTrials: 1, epochs: 2 })),
    );
    const planted = {
      config: { hiddenLayers: 1, units: 16, learningRate: 0.01 },
      state: 'completed' as const,
      value: 0.9,
      attempts: 1,
      source: 'random',
      reason: 'planted by the test',
      proposedAt: Date.now(),
    };
    const a = await ctx.store.addTrial(running.id, planted);
    const b = await ctx.store.addTrial(finished.id, planted);
    await ctx.store.updateCampaign(finished.id, (c) => ({ ...c, status: 'completed' }));
    const unfinished = jobIds.retrain(running.id, a.number);
    const rogue = jobIds.retrain(finished.id, b.number);
    await ctx.queues.trials.add(
      'retrain',
      { campaignId: running.id, trial: a.number, config: a.config, retrain: true },
      { jobId: unfinished },
    );
    await ctx.queues.trials.add(
      'retrain',
      { campaignId: finished.id, trial: b.number, config: { units: 99999 }, retrain: true },
      { jobId: rogue },
    );
    const workers = await WorkerService.start({
      redisUrl: redis.url,
      queues: ['trials'],
      concurrency: 1,
    });
    try {
      for (const id of [unfinished, rogue])
        await waitFor(
          `job ${id} to fail`,
          async () => ((await ctx.queues.trials.getJobState(id)) === 'failed' ? true : null),
          60_000,
        );
      expect((await ctx.queues.trials.getJob(unfinished))!.failedReason).toContain(
        `campaign ${running.id} is queued: only a finished campaign's trials are retrained`,
      );
      expect((await ctx.queues.trials.getJob(rogue))!.failedReason).toContain(
        `its data differs from what trial ${b.number} of campaign ${finished.id} stores (config)`,
      );
      expect((await ctx.queues.trials.getJob(rogue))!.attemptsMade).toBe(1);
    } finally {
      await workers.close(true);
    }
  });
});

describe('the server answers only to its own Host names, and slows down guessing', () => {
  it('refuses a rebound Host, answers loopback names with any port', async () => {
    for (const host of ['evil.example', 'evil.example:80', '127.0.0.1.evil.example']) {
      const res = await getWithHost(host, '/api/campaigns');
      expect(res.status, host).toBe(403);
      expect(res.body).toContain('host-not-allowed');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`]) {
      expect((await getWithHost(host, '/healthz')).status, host).toBe(200);
    }
  });

  it('answers wrong tokens ever more slowly, and the right one at once', async () => {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = Date.now();
      const res = await call('POST', '/api/campaigns', {}, `wrong-token-${i}-0123456789`);
      expect(res.status).toBe(401);
      times.push(Date.now() - start);
    }
    // Free for three, then 0.1, 0.2 and 0.4 s.
    expect(times[5]!).toBeGreaterThanOrEqual(380);
    expect(times[4]!).toBeGreaterThanOrEqual(180);
    const start = Date.now();
    const right = await call('POST', '/api/campaigns/no-such/cancel', undefined);
    expect(right.status).toBe(404);
    expect(Date.now() - start).toBeLessThan(300);
  });
});

describe('unknown fields are refused at every depth', () => {
  it('in the API body: nested options, llmModels keys, a task spec', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ prunerOptions: { a: 1 } }, 'prunerOptions.a'],
      [{ llmModels: { '../../x': 'model' } }, 'llmModels.../../x'],
      [{ inRun: { population: 4, extra: true } }, 'inRun.extra'],
      [{ task: { kind: 'builtin', name: 'iris', path: '/tmp/x.mjs' } }, 'task.path'],
    ];
    for (const [extra, field] of cases) {
      const res = await call('POST', '/api/campaigns', {
        task: { kind: 'builtin', name: 'iris' },
        maxTrials: 1,
        ...extra,
      });
      expect(res.status, field).toBe(400);
      const body = (await res.json()) as { fields: { field: string; message: string }[] };
      expect(body.fields.map((f) => f.field)).toContain(field);
    }
  });

  it('in a record a worker reads: an unknown request field fails the campaign, saying which', async () => {
    const workers = await WorkerService.start({ redisUrl: redis.url, queues: ['campaign'] });
    try {
      const id = 'planted-unknown-field';
      await plant(plantedRecord(id, { prunerOptions: { minTrials: 2, sneaky: 1 } }), id);
      await ctx.queues.campaign.add('drive', { campaignId: id }, { jobId: id });
      const refused = await waitFor('the record to be refused', async () => {
        const log = await ctx.store.readEvents(id);
        return log.find((e) => e.type === 'campaign.failed');
      });
      expect('error' in refused ? refused.error : '').toContain('prunerOptions');
    } finally {
      await workers.close(true);
    }
  });

  it('an LLM reply with no choice is said as such', async () => {
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [] }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
    try {
      const model = new OpenAiChatModel({
        baseUrl: url,
        apiKey: 'k',
        timeoutMs: 5000,
        maxRetries: 0,
      });
      await expect(
        model.chat({
          caller: 'advisor',
          model: 'm',
          messages: [{ role: 'user', content: 'hi' }],
          temperature: 0,
        }),
      ).rejects.toThrow(`${url} answered without a choice`);
    } finally {
      server.close();
    }
  });
});

// Used by the path-as-name case: the example module exists in the repository.
expect(existsSync(path.join(REPO_ROOT, 'examples/petal-width-task.ts'))).toBe(true);
