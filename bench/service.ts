/**
 * What `lgt serve` costs, against a redis-server and workers this script starts:
 *  1. event-stream clients: the same campaign (iris, random search, fixed epochs) run with no
 *     client, then with N clients (in a process of their own) following its event stream, three
 *     times each in turn; trials per minute each time (the difference is what the clients cost);
 *  2. a 10,000-trial campaign (records written straight through the store: 10,000 finished trials
 *     with configurations, values and 10-epoch curves, and their events): how long the API takes
 *     to answer its overview, trials and curves, and how long Chromium takes until its dashboard
 *     page is usable (the trial table drawn and the chart holding every trial).
 *
 *   npx tsx bench/service.ts [--clients 50] [--trials 16] [--epochs 60] [--big 10000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { openCampaignContext } from '../src/campaign/campaign-context.ts';
import type { CampaignRecord } from '../src/contracts/campaign-record.ts';
import { parseCampaignRequest } from '../src/contracts/campaign-request.ts';
import { startRedisServer } from '../src/queue/redis-server-process.ts';
import { buildApiServer } from '../src/server/api-server.ts';
import { WorkerService } from '../src/worker/worker-service.ts';
import { findBuiltInTask } from '../src/catalog/task-registry.ts';
import { Rng } from '../src/random/rng.ts';
import { sampleConfig } from '../src/strategies/config-sampling.ts';

/** What the page functions below touch of the browser (this file is compiled without the DOM). */
interface BrowserGlobals {
  localStorage: { setItem(key: string, value: string): void };
  document: {
    querySelectorAll(selector: string): { length: number };
    querySelector(selector: string): { dataset: Record<string, string | undefined> } | null;
  };
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    trials: { type: 'string', default: '16' },
    epochs: { type: 'string', default: '60' },
    big: { type: 'string', default: '10000' },
  },
});

const root = path.resolve(import.meta.dirname, '..');
const dataDir = process.env['LGT_DATA_DIR'] ?? path.resolve(root, '../shared/datasets');
const runsDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-bench-service-'));
const TOKEN = 'bench-token-0123456789abcdef';

const redis = await startRedisServer();
const ctx = await openCampaignContext({ redisUrl: redis.url });
const app = await buildApiServer({
  ctx,
  token: TOKEN,
  host: '127.0.0.1',
  runsDir,
  dataDirs: [dataDir],
  taskDirs: [],
  ...(process.env['LGT_BENCH_LOG'] ? { logger: { stream: process.stderr } } : {}),
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const auth = { authorization: `Bearer ${TOKEN}` };

async function post(url: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/** A client reading a campaign's event stream to its end; resolves with the bytes it got. */
async function follow(id: string): Promise<number> {
  const res = await fetch(`${base}/api/campaigns/${id}/events`, { headers: auth });
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    if (new TextDecoder().decode(chunk).includes('event: end')) break;
  }
  return bytes;
}

/**
 * The clients, in a process of their own as clients on other machines would be (what they cost
 * is then the server's share, not their own parsing in its event loop): started before the
 * campaign, so its start-up is not counted either; told the campaign id once it exists.
 */
function followersProcess(count: number) {
  const child = spawn(
    process.execPath,
    [path.join(import.meta.dirname, 'sse-followers.mjs'), base, String(count), TOKEN],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve(Number(out)));
  });
  return {
    follow: (campaign: string) => child.stdin.end(`${campaign}\n`),
    done,
  };
}

async function campaignRun(clients: number): Promise<{ perMinute: number; bytes: number }> {
  const followers = clients > 0 ? followersProcess(clients) : null;
  await new Promise((r) => setTimeout(r, 500));
  const created = await post('/api/campaigns', {
    task: { kind: 'builtin', name: 'iris' },
    maxTrials: Number(values.trials),
    parallel: 2,
    epochs: Number(values.epochs),
  });
  const started = Date.now();
  followers?.follow(created.id);
  // One more follower here, to know when it ends (the campaign's own clock is in its record).
  await follow(created.id);
  const bytes = (await followers?.done) ?? 0;
  const c = (await ctx.store.requireCampaign(created.id)) as CampaignRecord;
  const seconds = ((c.finishedAt ?? Date.now()) - (c.startedAt ?? started)) / 1000;
  return { perMinute: (Number(values.trials) / seconds) * 60, bytes };
}

if (Number(values.clients) > 0) await streamClients();

async function streamClients(): Promise<void> {
  const workers = await WorkerService.start({
    redisUrl: redis.url,
    concurrency: 2,
    runsDir,
    dataDirs: [dataDir],
  });
  process.env['LGT_DATA_DIR'] = dataDir;
  console.log(
    `1. event-stream clients: iris, ${values.trials} trials of ${values.epochs} epochs, 2 trial processes`,
  );
  const runs: { clients: number; perMinute: number; bytes: number }[] = [];
  // Warm-up (the trial processes load TF.js and the data once).
  await campaignRun(0);
  for (const clients of [
    0,
    Number(values.clients),
    0,
    Number(values.clients),
    0,
    Number(values.clients),
  ]) {
    const r = await campaignRun(clients);
    runs.push({ clients, ...r });
    console.log(
      `   ${String(clients).padStart(3)} clients: ${r.perMinute.toFixed(1)} trials/min${clients ? `, ${(r.bytes / 1024 / clients).toFixed(0)} KiB streamed per client` : ''}`,
    );
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const without = mean(runs.filter((r) => r.clients === 0).map((r) => r.perMinute));
  const withClients = mean(runs.filter((r) => r.clients > 0).map((r) => r.perMinute));
  console.log(
    `   with ${values.clients} clients: ${(((without - withClients) / without) * 100).toFixed(1)}% slower (mean of three runs each)`,
  );
  await workers.close(true);
}

// ------------------------------------------------------------------ 2. a 10,000-trial campaign
if (Number(values.big) > 0) await bigCampaign();

async function bigCampaign(): Promise<void> {
  const n = Number(values.big);
  const task = findBuiltInTask('wine-quality')!;
  const id = `bench-big-${Date.now()}`;
  const request = parseCampaignRequest({
    task: { kind: 'builtin', name: task.name },
    maxTrials: n,
    outputDir: runsDir,
  });
  await ctx.store.createCampaign({
    id,
    request,
    taskName: task.name,
    metric: task.metric,
    status: 'completed',
    createdAt: Date.now() - 3600_000,
    startedAt: Date.now() - 3600_000,
    finishedAt: Date.now(),
  });
  const { store: fenced } = await ctx.store.claimDriver(id);
  const rng = new Rng(1);
  const writeStart = Date.now();
  let best: {
    trial: number;
    value: number;
    config: Record<string, string | number | boolean>;
  } | null = null;
  for (let i = 0; i < n; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, async () => {
        const config = sampleConfig(task.space, rng);
        const trial = await fenced.addTrial(
          id,
          {
            state: 'running',
            config,
            reason: 'bench',
            source: 'random',
            proposedAt: Date.now(),
            attempts: 1,
            attemptToken: 'bench',
          },
          { type: 'proposal', config, reason: 'bench', source: 'random' },
        );
        const value = 0.4 + 0.3 * rng.next();
        for (let e = 1; e <= 10; e++) {
          await fenced.appendEpoch(id, trial.number, 'bench', {
            epoch: e,
            loss: 1 / e,
            validationLoss: 1 / e,
            validationMetric: value + 0.5 / e,
            learningRate: 0.001,
            seconds: 0.1,
            samplesPerSecond: 1000,
          });
        }
        await fenced.updateTrial(id, trial.number, (t) => ({
          ...t,
          state: 'completed',
          value,
          seconds: 1,
          epochsRun: 10,
          validation: { loss: value, mae: value },
        }));
        await fenced.appendEvent(id, {
          type: 'trial.finished',
          trial: trial.number,
          value,
          validation: { loss: value },
          seconds: 1,
          epochs: 10,
        });
        if (!best || value < best.value) best = { trial: trial.number, value, config };
      }),
    );
  }
  await ctx.store.updateCampaign(id, (c) => ({ ...c, ...(best ? { best } : {}) }));
  console.log(
    `2. a campaign of ${n.toLocaleString('en')} trials (written in ${((Date.now() - writeStart) / 1000).toFixed(0)} s; Redis ${await redisMemory()} MiB)`,
  );

  async function timed(url: string): Promise<string> {
    const times: number[] = [];
    let size = 0;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      const res = await fetch(`${base}${url}`, { headers: auth });
      size = (await res.arrayBuffer()).byteLength;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return `${times[1]!.toFixed(0)} ms (median of 3, ${(size / 1024).toFixed(0)} KiB)`;
  }

  async function redisMemory(): Promise<string> {
    const info = await ctx.blocking.info('memory');
    return (Number(/used_memory:(\d+)/.exec(info)?.[1]) / 2 ** 20).toFixed(0);
  }

  console.log(`   GET /api/campaigns/:id          ${await timed(`/api/campaigns/${id}`)}`);
  console.log(`   GET /api/campaigns/:id/trials   ${await timed(`/api/campaigns/${id}/trials`)}`);
  console.log(
    `   GET /api/campaigns/:id/curves   ${await timed(`/api/campaigns/${id}/curves?trials=1,2,3`)}`,
  );
  console.log(`   GET /api/campaigns              ${await timed('/api/campaigns')}`);
  console.log(`   GET /metrics                    ${await timed('/metrics')}`);
  console.log(
    `   GET /api/campaigns/:id/importance ${await timed(`/api/campaigns/${id}/importance`)}`,
  );

  // What the page asks first, from here (no browser on the machine's cores).
  console.log(
    `   GET /api/campaigns/:id?trials=summary (the page's first request) ${await timed(`/api/campaigns/${id}?trials=summary`)}`,
  );
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const loads: number[] = [];
  for (let k = 0; k < 3; k++) {
    // A person opening the campaign's page: a new tab on its address, the token already stored.
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript(
      (t) => (globalThis as unknown as BrowserGlobals).localStorage.setItem('lgt-token', t),
      TOKEN,
    );
    const requests: string[] = [];
    page.on('requestfinished', (r) => {
      const timing = r.timing();
      if (r.url().includes('/api/'))
        requests.push(
          `${r.url().replace(base, '').split('?')[0]} ${Math.round(timing.responseEnd)} ms`,
        );
    });
    const t = performance.now();
    await page.goto(`${base}/#/c/${id}`);
    // Usable: the trial table drawn and the chart holding every trial.
    await page.waitForFunction(
      (count) => {
        const d = (globalThis as unknown as BrowserGlobals).document;
        return (
          d.querySelectorAll('#trials tbody tr').length > 0 &&
          Number(d.querySelector('#progress-chart')?.dataset['points']) === count
        );
      },
      n,
      { timeout: 60_000 },
    );
    loads.push(performance.now() - t);
    if (k === 0) console.log(`   the page's requests (until each ended): ${requests.join(', ')}`);
    await page.close();
  }
  await browser.close();
  loads.sort((a, b) => a - b);
  console.log(
    `   dashboard page usable (table drawn, chart with every trial): ${(loads[1]! / 1000).toFixed(2)} s (median of 3; ${loads.map((l) => (l / 1000).toFixed(2)).join(', ')})`,
  );
}

await app.close();
await ctx.close();
await redis.stop();
