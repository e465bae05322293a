import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaignContext, type CampaignContext } from '../../src/campaign/campaign-context.ts';
import { LgtApiError, LgtClient } from '../../src/client/lgt-client.ts';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import { ReportSchema } from '../../src/contracts/campaign-report.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { buildApiServer, BODY_LIMIT_BYTES } from '../../src/server/api-server.ts';
import { WorkerService } from '../../src/worker/worker-service.ts';
import { campaignEnd } from '../helpers/campaign-fixtures.ts';
import { apiCall } from '../helpers/api-call.ts';
import { waitFor } from '../helpers/lgt-process.ts';
import { REPO_ROOT, SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';

/** `lgt serve`'s API against a real Redis and real workers (trials train iris with TF.js). */
const TOKEN = 'test-token-0123456789abcdef';
const runsDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-api-runs-'));
const taskDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-api-tasks-'));
let redis: RedisServerProcess;
let ctx: CampaignContext;
let workers: WorkerService;
let app: FastifyInstance;
let base: string;
const logs = new PassThrough();
let logText = '';
logs.on('data', (chunk: Buffer) => (logText += chunk.toString()));

const small = { task: { kind: 'builtin', name: 'iris' }, maxTrials: 3, parallel: 2, epochs: 4 };
/** The one command this server's operator allowed (lgt serve --allow-command). */
const ALLOWED_COMMAND = `python3 ${REPO_ROOT}/examples/python/train.py --lr {lr} --epochs {epochs}`;

function call(method: string, url: string, body?: unknown, token: string | null = TOKEN) {
  return apiCall(base, method, url, body, token);
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Reads an SSE stream to its `end` event (or until `limit` events), with the raw ids. */
async function readStream(
  id: string,
  headers: Record<string, string> = {},
  limit = Infinity,
): Promise<{ events: LoggedEvent[]; ended: boolean }> {
  const res = await fetch(`${base}/api/campaigns/${id}/events`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: LoggedEvent[] = [];
  let ended = false;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (block.startsWith('event: end')) ended = true;
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) {
        const e = JSON.parse(data) as LoggedEvent;
        expect(e.id).toBe(id);
        events.push(e);
      }
    }
    if (ended || events.length >= limit) break;
  }
  return { events, ended };
}

async function campaignCount(): Promise<number> {
  return (await json<{ campaigns: unknown[] }>(await call('GET', '/api/campaigns'))).campaigns
    .length;
}

beforeAll(async () => {
  sharedDataset('iris.csv');
  writeFileSync(path.join(taskDir, 'notes.txt'), 'not a task');
  redis = await startRedisServer();
  ctx = await openCampaignContext({ redisUrl: redis.url });
  workers = await WorkerService.start({
    redisUrl: redis.url,
    concurrency: 2,
    runsDir,
    commands: [ALLOWED_COMMAND],
  });
  app = await buildApiServer({
    ctx,
    token: TOKEN,
    host: '127.0.0.1',
    runsDir,
    dataDirs: [SHARED_DATASETS],
    taskDirs: [taskDir],
    commands: [ALLOWED_COMMAND],
    logger: { stream: logs },
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await workers?.close(true);
  await ctx?.close();
  await redis?.stop();
});

describe('lgt serve API', () => {
  it('creates a campaign, streams its events to the end, and answers its trials and report', async () => {
    const created = await call('POST', '/api/campaigns', small);
    expect(created.status).toBe(201);
    const record = await json<{ id: string; request: { outputDir: string } }>(created);
    // The output directory is the server's.
    expect(record.request.outputDir).toBe(runsDir);

    const { events, ended } = await readStream(record.id);
    expect(ended).toBe(true);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('campaign.started');
    expect(types.filter((t) => t === 'trial.finished')).toHaveLength(3);
    expect(types).toContain('trial.epoch');
    expect(types.at(-1)).toBe('campaign.finished');

    const overview = await json<{
      campaign: { status: string; best: { trial: number } };
      counts: { completed: number };
      budget: { trials: { finished: number; max: number } };
      running: unknown[];
    }>(await call('GET', `/api/campaigns/${record.id}`, undefined, null));
    expect(overview.campaign.status).toBe('completed');
    expect(overview.counts.completed).toBe(3);
    expect(overview.budget.trials).toEqual({ finished: 3, max: 3 });
    expect(overview.running).toEqual([]);

    // The page's first request: the overview with every trial's summary, and no configurations.
    const withTrials = await json<{ counts: object; trials: Record<string, unknown>[] }>(
      await call('GET', `/api/campaigns/${record.id}?trials=summary`),
    );
    expect(withTrials.counts).toEqual(overview.counts);
    expect(withTrials.trials.map((t) => t['number'])).toEqual([1, 2, 3]);
    expect(withTrials.trials.every((t) => typeof t['value'] === 'number')).toBe(true);
    expect(withTrials.trials[0]).not.toHaveProperty('config');
    const badView = await call('GET', `/api/campaigns/${record.id}?trials=all`);
    expect(badView.status).toBe(400);
    expect((await json<{ fields: { field: string }[] }>(badView)).fields[0]!.field).toContain(
      'trials',
    );

    const trials = await json<{ number: number; attemptToken?: string }[]>(
      await call('GET', `/api/campaigns/${record.id}/trials`),
    );
    expect(trials.map((t) => t.number)).toEqual([1, 2, 3]);
    expect(trials.every((t) => t.attemptToken === undefined)).toBe(true);

    const curves = await json<Record<string, { epoch: number }[]>>(
      await call('GET', `/api/campaigns/${record.id}/curves?trials=1,2`),
    );
    expect(curves['1']!.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);

    // The report, streamed from the head Redis keeps and the trials' records and curves.
    const reportAnswer = await call('GET', `/api/campaigns/${record.id}/report`);
    expect(reportAnswer.headers.get('content-type')).toContain('application/json');
    const report = ReportSchema.parse(await json(reportAnswer));
    expect(report.campaign.id).toBe(record.id);
    expect(report.best!.trial).toBe(overview.campaign.best.trial);
    expect(report.trials.map((t) => t.number)).toEqual([1, 2, 3]);
    expect(report.trials[0]!.curve).toEqual(curves['1']);
    expect(report.trials.every((t) => !('attemptToken' in t))).toBe(true);

    // A finished campaign cannot be cancelled or resumed; the answer says why.
    const cancel = await call('POST', `/api/campaigns/${record.id}/cancel`);
    expect(cancel.status).toBe(409);
    // Refused by cancelCampaign itself (the route no longer checks first): its code, not a 500.
    expect(await json(cancel)).toMatchObject({
      error: 'not-running',
      message: expect.stringContaining('is completed'),
    });
    expect((await call('POST', `/api/campaigns/${record.id}/resume`)).status).toBe(409);

    // The stream resumes after a Last-Event-ID: exactly the events after it, none twice.
    const k = 5;
    const resumed = await readStream(record.id, { 'last-event-id': events[k]!.id });
    expect(resumed.ended).toBe(true);
    expect(resumed.events.map((e) => e.id)).toEqual(events.slice(k + 1).map((e) => e.id));
  }, 120_000);

  it('refuses a missing or wrong token with 401 and changes nothing', async () => {
    const before = await campaignCount();
    const none = await call('POST', '/api/campaigns', small, null);
    expect(none.status).toBe(401);
    expect((await json(none))['message']).toContain('Authorization: Bearer');
    const wrong = await call('POST', '/api/campaigns', small, 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    expect((await json(wrong))['message']).toContain('wrong');
    expect(await campaignCount()).toBe(before);
    // The token never reaches the log, though requests carried it.
    expect(logText).toContain('/api/campaigns');
    expect(logText).not.toContain(TOKEN);
  });

  it('refuses bad bodies with 400, naming each field', async () => {
    const before = await campaignCount();
    const res = await call('POST', '/api/campaigns', {
      task: { kind: 'builtin', name: 'iris' },
      maxTrials: -1,
      strategy: 'best',
      parallel: 'two',
      maxTrial: 3,
    });
    expect(res.status).toBe(400);
    const body = await json<{ error: string; fields: { field: string; message: string }[] }>(res);
    expect(body.error).toBe('invalid-request');
    const fields = Object.fromEntries(body.fields.map((f) => [f.field, f.message]));
    expect(fields['maxTrials']).toContain('at least 1');
    expect(fields['strategy']).toContain('must be one of');
    expect(fields['parallel']).toContain('number');
    expect(fields['maxTrial']).toContain('not a field');

    const owned = await call('POST', '/api/campaigns', { ...small, outputDir: '/tmp/elsewhere' });
    expect(owned.status).toBe(400);
    expect((await json<{ fields: { field: string }[] }>(owned)).fields[0]!.field).toBe('outputDir');
    const unknownTask = await call('POST', '/api/campaigns', {
      ...small,
      task: { kind: 'builtin', name: 'nope' },
    });
    expect(unknownTask.status).toBe(400);
    expect((await json(unknownTask))['message']).toContain('unknown task');
    const notJson = await call('POST', '/api/campaigns', '{"task":');
    expect(notJson.status).toBe(400);
    expect(await campaignCount()).toBe(before);
  });

  it('keeps paths from a body inside the allowed directories, and refuses an oversized body', async () => {
    const before = await campaignCount();
    const csv = (file: string) => ({
      ...small,
      task: { kind: 'csv', file, target: 'species' },
    });
    for (const file of [
      '../../../etc/passwd',
      '/etc/passwd',
      `${SHARED_DATASETS}/../../etc/x.csv`,
    ]) {
      const res = await call('POST', '/api/campaigns', csv(file));
      expect(res.status, file).toBe(400);
      const body = await json<{ fields: { field: string; message: string }[] }>(res);
      expect(body.fields[0]!.field).toBe('task.file');
      expect(body.fields[0]!.message).toContain("inside the server's data directories");
    }
    // A module outside --task-dir (this repository's own example) is refused.
    const module = await call('POST', '/api/campaigns', {
      ...small,
      task: { kind: 'module', path: path.join(REPO_ROOT, 'examples/petal-width-task.ts') },
    });
    expect(module.status).toBe(400);
    expect((await json<{ fields: { field: string }[] }>(module)).fields[0]!.field).toBe(
      'task.path',
    );
    const big = await call('POST', '/api/campaigns', {
      ...small,
      padding: 'x'.repeat(BODY_LIMIT_BYTES + 1),
    });
    expect(big.status).toBe(413);
    expect((await json(big))['error']).toBe('body-too-large');
    expect(await campaignCount()).toBe(before);
  });

  it('runs a command from a body only when the operator allowed it, word for word', async () => {
    const before = await campaignCount();
    const commandBody = (command: string) => ({
      maxTrials: 2,
      parallel: 2,
      task: {
        kind: 'command',
        command,
        cwd: '/',
        metric: 'val_loss',
        direction: 'minimize',
        space: {
          params: {
            lr: { type: 'float', low: 0.01, high: 1, log: true },
            epochs: { type: 'int', low: 2, high: 4 },
          },
        },
      },
    });
    for (const command of ['rm -rf /tmp/x', `${ALLOWED_COMMAND} --extra`]) {
      const res = await call('POST', '/api/campaigns', commandBody(command));
      expect(res.status, command).toBe(400);
      const body = await json<{ fields: { field: string; message: string }[] }>(res);
      expect(body.fields[0]).toMatchObject({ field: 'task.command' });
      expect(body.fields[0]!.message).toMatch(/is not one this server runs/);
    }
    expect(await campaignCount()).toBe(before);
    const created = await call('POST', '/api/campaigns', commandBody(ALLOWED_COMMAND));
    expect(created.status).toBe(201);
    const { id } = await json<{ id: string }>(created);
    const done = await waitFor(
      'the command campaign to end',
      async () => {
        const { campaign } = await json<{
          campaign: { status: string; error?: string; best?: { value: number } };
        }>(await call('GET', `/api/campaigns/${id}`));
        return ['completed', 'failed'].includes(campaign.status) ? campaign : null;
      },
      120_000,
    );
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('completed');
    expect(done.best!.value).toBeGreaterThan(0);
  }, 180_000);

  it('cancels a running campaign; its stream ends with the campaign', async () => {
    const created = await json<{ id: string }>(
      await call('POST', '/api/campaigns', { ...small, maxTrials: 40, parallel: 1, epochs: 30 }),
    );
    await waitFor('a trial to start', async () => {
      const o = await json<{ counts: { running: number } }>(
        await call('GET', `/api/campaigns/${created.id}`),
      );
      return o.counts.running > 0 ? true : null;
    });
    const resume = await call('POST', `/api/campaigns/${created.id}/resume`);
    expect(resume.status).toBe(200);
    const res = await call('POST', `/api/campaigns/${created.id}/cancel`);
    expect(res.status).toBe(200);
    const stream = await readStream(created.id);
    expect(stream.ended).toBe(true);
    expect(stream.events.map((e) => e.type)).toContain('campaign.cancelling');
    const done = await campaignEnd(ctx.store, created.id);
    expect(done.status).toBe('cancelled');
    const trials = await ctx.store.listTrials(created.id);
    expect(trials.length).toBeLessThan(40);
  }, 120_000);

  it('serves many stream clients of one campaign from one Redis reader', async () => {
    const created = await json<{ id: string }>(
      await call('POST', '/api/campaigns', { ...small, maxTrials: 4 }),
    );
    const readers = async () => {
      const text = await (await call('GET', '/metrics')).text();
      return {
        readers: Number(/^lgt_event_stream_readers (\d+)/m.exec(text)?.[1]),
        clients: Number(/^lgt_event_stream_clients (\d+)/m.exec(text)?.[1]),
        text,
      };
    };
    const streams = Array.from({ length: 5 }, () => readStream(created.id));
    const during = await waitFor('five clients', async () => {
      const r = await readers();
      return r.clients === 5 ? r : null;
    });
    expect(during.readers).toBe(1);
    expect(during.text).toMatch(/^lgt_trials\{state="completed"\} \d+/m);
    expect(during.text).toMatch(/^lgt_queue_jobs\{queue="trials",state="active"\} \d+/m);
    const results = await Promise.all(streams);
    // Every client saw the same log, each event once.
    const ids = results.map((r) => r.events.map((e) => e.id).join(','));
    expect(new Set(ids).size).toBe(1);
    expect(results[0]!.events.filter((e) => e.type === 'trial.finished')).toHaveLength(4);
    expect((await readers()).readers).toBe(0);
  }, 120_000);

  it('describes itself: OpenAPI from the schemas, tasks with their spaces, health', async () => {
    const spec = await json<{
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>(await call('GET', '/openapi.json', undefined, null));
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/campaigns',
        '/api/campaigns/{id}',
        '/api/campaigns/{id}/events',
        '/api/campaigns/{id}/report',
        '/api/tasks',
        '/healthz',
      ]),
    );
    const body = (
      spec.paths['/api/campaigns']!['post'] as unknown as {
        requestBody: { content: Record<string, { schema: { properties: object } }> };
      }
    ).requestBody.content['application/json']!.schema;
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['task', 'strategy', 'maxTrials', 'parallel']),
    );
    expect(Object.keys(body.properties)).not.toContain('outputDir');
    const tasks = await json<{ name: string; space: { name: string; kind: string }[] }[]>(
      await call('GET', '/api/tasks'),
    );
    expect(tasks.map((t) => t.name)).toContain('iris');
    expect(tasks[0]!.space.length).toBeGreaterThan(5);
    expect(await json(await call('GET', '/healthz', undefined, null))).toEqual({
      ok: true,
      redis: 'up',
    });
    const missing = await call('GET', '/api/campaigns/no-such-campaign');
    expect(missing.status).toBe(404);
    expect((await json(missing))['message']).toContain('GET /api/campaigns lists');
  });

  it('beyond loopback, refuses every read without the token', async () => {
    const open = await buildApiServer({
      ctx,
      token: TOKEN,
      host: '0.0.0.0',
      runsDir,
      dataDirs: [],
      taskDirs: [],
    });
    // Listens on loopback here; the policy follows the address it was told it serves.
    const url = await open.listen({ host: '127.0.0.1', port: 0 });
    try {
      expect((await fetch(`${url}/api/campaigns`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const ok = await fetch(`${url}/api/campaigns`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.status).toBe(200);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('LgtClient: a stream dropped by a server restart resumes where it stopped, each event once', async () => {
    const options = {
      ctx,
      token: TOKEN,
      host: '127.0.0.1',
      runsDir,
      dataDirs: [SHARED_DATASETS],
      taskDirs: [],
    };
    let second = await buildApiServer(options);
    const url = await second.listen({ host: '127.0.0.1', port: 0 });
    const port = Number(new URL(url).port);
    const client = new LgtClient({ url, token: TOKEN, reconnectMs: 200 });
    const campaign = await client.startCampaign({
      task: { kind: 'builtin', name: 'iris' },
      maxTrials: 6,
      parallel: 1,
      epochs: 20,
    });
    const seen: LoggedEvent[] = [];
    let restarted = false;
    for await (const e of campaign.events()) {
      seen.push(e);
      if (!restarted && e.type === 'trial.finished') {
        // The server goes away mid-campaign and comes back on the same port.
        restarted = true;
        await second.close();
        second = await buildApiServer(options);
        await second.listen({ host: '127.0.0.1', port });
      }
    }
    await second.close();
    expect(restarted, seen.map((e) => e.type).join(',')).toBe(true);
    const all = await ctx.store.readEvents(campaign.id, '0', { count: 100_000 });
    expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
  }, 120_000);

  it('LgtClient: starts a campaign, follows its events and awaits its report', async () => {
    const client = new LgtClient({ url: base, token: TOKEN });
    const campaign = await client.startCampaign({
      task: { kind: 'builtin', name: 'iris' },
      maxTrials: 2,
      epochs: 3,
    });
    const seen: string[] = [];
    for await (const e of campaign.events()) seen.push(e.type);
    expect(seen).toContain('trial.finished');
    const report = await campaign.result();
    expect(report.campaign.id).toBe(campaign.id);
    expect((await campaign.status()).campaign.status).toBe('completed');
    const refused = await new LgtClient({ url: base })
      .startCampaign({ task: { kind: 'builtin', name: 'iris' } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LgtApiError);
    expect((refused as LgtApiError).status).toBe(401);
  }, 120_000);
});
