import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCampaignContext, type CampaignContext } from '../../src/campaign/campaign-context.ts';
import { startRedisServer, type RedisServerProcess } from '../../src/queue/redis-server-process.ts';
import { buildApiServer } from '../../src/server/api-server.ts';
import { WorkerService } from '../../src/worker/worker-service.ts';
import { promptFile } from '../../agents/prompt-templates.ts';
import { REPO_ROOT, SHARED_DATASETS, sharedDataset } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { campaignEnd, startCampaign } from '../helpers/campaign-fixtures.ts';
import {
  firstUserMessage,
  ScriptedLlmServer,
  type RecordedRequest,
} from '../helpers/scripted-llm-server.ts';

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core): start a campaign
 * from the page, watch trials arrive and the chart grow, read the agents' conversation (the
 * scripted LLM server answers for them: not an LLM's result) and a prompt diff.
 */
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-token-0123456789';
const SCREENSHOT =
  process.env['LGT_SCREENSHOT'] ??
  path.join(mkdtempSync(path.join(os.tmpdir(), 'lgt-shot-')), 'dashboard.png');
const savedEnv = { ...process.env };
let redis: RedisServerProcess;
let ctx: CampaignContext;
let workers: WorkerService;
let app: FastifyInstance;
let llm: ScriptedLlmServer;
let browser: Browser;
let base: string;

let proposals = 0;
function advisor(r: RecordedRequest) {
  const count = Number(/(\d+) (?:replacement )?configuration/.exec(firstUserMessage(r))?.[1] ?? 1);
  return {
    content: {
      analysis: 'scripted analysis: wider layers did better so far',
      proposals: Array.from({ length: count }, () => {
        proposals++;
        return {
          config: { hiddenLayers: 1, units1: 8 + proposals, learningRate: 0.01, epochs: 3 },
          reason: `scripted proposal ${proposals}: try ${8 + proposals} units`,
          expected_effect: 'higher accuracy',
        };
      }),
    },
  };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  }
  sharedDataset('iris.csv');
  llm = new ScriptedLlmServer({
    advisor,
    evaluator: (_r, i) => ({
      content: {
        verdicts: [],
        textual_gradient: `scripted gradient ${i}: raise the learning rate`,
        lessons: [`lesson ${i}`],
      },
    }),
    optimizer: (_r, i) => ({
      content: {
        prompt: `${promptFile('advisor')}\nREWRITE-${i}: read the curves twice before proposing.`,
        rationale: `scripted rewrite ${i}`,
      },
    }),
  });
  process.env['LGT_LLM_BASE_URL'] = await llm.start();
  process.env['OPENAI_API_KEY'] = 'sk-dashboard-test-key-not-real';
  redis = await startRedisServer();
  ctx = await openCampaignContext({ redisUrl: redis.url });
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'lgt-dash-runs-'));
  workers = await WorkerService.start({ redisUrl: redis.url, concurrency: 2, runsDir });
  app = await buildApiServer({
    ctx,
    token: TOKEN,
    host: '127.0.0.1',
    runsDir,
    dataDirs: [SHARED_DATASETS],
    // The start form offers what the operator allowed: this folder's task modules, one command.
    taskDirs: [path.join(REPO_ROOT, 'test/fixtures')],
    commands: ['python3 train.py --lr {lr}'],
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await workers?.close(true);
  await ctx?.close();
  await redis?.stop();
  await llm?.stop();
  process.env = { ...savedEnv };
});

async function rows(page: Page): Promise<number> {
  return page.locator('#trials tbody tr').count();
}

describe('dashboard', () => {
  it('starts a campaign, shows it live, the agents talking and a prompt diff', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(base);
    await expect.poll(() => page.locator('#campaigns').textContent()).toContain('no campaigns yet');

    // Without the token the server refuses, and the page says what to do.
    await page.selectOption('select[name=strategy]', 'lgt');
    await page.click('#start');
    await expect.poll(() => page.locator('#error').textContent()).toContain('token');

    await page.fill('#token', TOKEN);
    await page.dispatchEvent('#token', 'change');
    await page.selectOption('select[name=task]', 'iris');
    await page.selectOption('select[name=agents]', 'llm');
    await page.fill('input[name=trials]', '8');
    await page.fill('input[name=epochs]', '3');
    await page.fill('input[name=optimizeEvery]', '1');
    await page.click('#start');
    await page.waitForURL(/#\/c\/iris-/);

    // Trials arrive and the chart grows while the campaign runs.
    await expect.poll(() => rows(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    const points = () =>
      page.locator('#progress-chart').evaluate((el) => Number(el.dataset['points'] ?? 0));
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    const early = await points();
    await expect.poll(points, { timeout: 90_000 }).toBeGreaterThan(early);

    // The conversation: the Advisor's reasons, the Evaluator's textual gradient.
    await expect
      .poll(() => page.locator('#conversation').textContent(), { timeout: 60_000 })
      .toContain('scripted proposal');
    // Each proposal says what it changes from the default (trial 1), not all its fields.
    await expect
      .poll(() => page.locator('#conversation .config-change').allTextContents(), {
        timeout: 60_000,
      })
      .toEqual(
        expect.arrayContaining([expect.stringMatching(/^hiddenLayers 2→1 · units1 64→\d+ · /)]),
      );
    await expect
      .poll(() => page.locator('#conversation .message.evaluator').first().textContent(), {
        timeout: 60_000,
      })
      .toContain('textual gradient');

    // A prompt version with its diff against its parent.
    await expect
      .poll(() => page.locator('#prompt-version option').count(), { timeout: 90_000 })
      .toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => page.locator('#prompt-view pre.diff .add').allTextContents(), {
        timeout: 10_000,
      })
      .toEqual(expect.arrayContaining([expect.stringContaining('REWRITE-')]));

    // The end: every trial in the table, the status says so, cancel is off.
    await expect
      .poll(() => page.locator('#status').textContent(), { timeout: 120_000 })
      .toBe('completed');
    await expect.poll(() => rows(page)).toBe(8);
    expect(await page.locator('#cancel').isDisabled()).toBe(true);
    await expect.poll(() => page.locator('#stat-trials').textContent()).toContain('8/8');

    // Sorting by the metric puts the best trial first.
    await page.click('th[data-sort=value]');
    const best = (await ctx.store.listCampaigns())[0]!.best!;
    await expect
      .poll(() => page.locator('#trials tbody tr').first().getAttribute('data-trial'))
      .toBe(String(best.trial));

    // Every finished trial's learning curve at once, then back to the ones picked.
    await page.check('#all-curves');
    await expect.poll(() => page.locator('#curves-chart').getAttribute('data-curves')).toBe('8');
    await page.uncheck('#all-curves');
    await expect
      .poll(() => page.locator('#curves-chart').getAttribute('data-curves'))
      .not.toBe('8');

    // Nothing but cards on the page: no stray text (a null printed between them, once).
    const strayText = await page.locator('#app').evaluate((el) =>
      Array.from(el.childNodes as ArrayLike<{ nodeType: number; textContent: string | null }>)
        .filter((n) => n.nodeType === 3)
        .map((n) => n.textContent),
    );
    expect(strayText).toEqual([]);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 240_000);

  it('runs a dynamic campaign: the decisions in the conversation, the run with its kept changes', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(base);
    await page.fill('#token', TOKEN);
    await page.dispatchEvent('#token', 'change');
    // Only the fields that apply: the default (auto) asks no agents and has no prompt; the
    // dynamic mode has agents but no strategy or trial budget.
    expect(await page.inputValue('select[name=strategy]')).toBe('auto');
    expect(await page.isVisible('select[name=agents]')).toBe(false);
    expect(await page.isVisible('input[name=optimizeEvery]')).toBe(false);
    await page.selectOption('select[name=task]', 'iris');
    await page.selectOption('select[name=mode]', 'dynamic');
    expect(await page.isVisible('select[name=strategy]')).toBe(false);
    expect(await page.isVisible('input[name=trials]')).toBe(false);
    expect(await page.isVisible('select[name=agents]')).toBe(true);
    await page.selectOption('select[name=agents]', 'rules');
    await page.fill('input[name=epochs]', '8');
    await page.click('#start');
    await page.waitForURL(/#\/c\/iris-/);
    await expect
      .poll(() => page.locator('#status').textContent(), { timeout: 120_000 })
      .toBe('completed');
    const id = decodeURIComponent(page.url().split('#/c/')[1]!);
    const report = (await ctx.store.getReportHead(id))!;
    const decisions = (await ctx.store.readEvents(id, '0', { count: 10_000 })).filter(
      (e) => e.type === 'inrun.decision',
    );
    expect(decisions.length).toBeGreaterThan(0);
    // Every decision in the conversation, with the two branches' numbers.
    await expect
      .poll(() => page.locator('#conversation .message.decision').count())
      .toBe(decisions.length);
    expect(await page.locator('#conversation .message.decision').first().textContent()).toMatch(
      /B #\d+ accuracy [\d.]+ vs C #\d+/,
    );
    // The run drawn epoch by epoch, its kept changes listed (or said to be none).
    const run = page.locator('#run-chart');
    await expect.poll(() => run.getAttribute('data-epochs')).toBe('8');
    expect(await run.getAttribute('data-changes')).toBe(String(report.inRun!.changes.length));
    await expect
      .poll(() => page.locator('#run-note').textContent())
      .toMatch(/epochs trained in all for a run of 8/);
    const listed = await page.locator('#run-changes li').allTextContents();
    if (report.inRun!.changes.length)
      expect(listed).toEqual(report.inRun!.changes.map((c) => expect.stringContaining(c.change)));
    else expect(listed).toEqual([expect.stringContaining('no change was kept')]);
    // No trial budget in this mode: the count stands alone.
    expect(await page.locator('#stat-trials').textContent()).not.toContain('/');
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-dynamic.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 180_000);

  it('shows what mattered, as lgt importance and the report say it', async () => {
    const campaign = await startCampaign(
      ctx.store,
      ctx.queues,
      mkdtempSync(path.join(os.tmpdir(), 'lgt-dash-importance-')),
      {
        task: {
          kind: 'module',
          path: path.join(REPO_ROOT, 'test/fixtures/known-importance-objective.ts'),
        },
        strategy: 'random',
        maxTrials: 100,
        parallel: 4,
      },
    );
    const done = await campaignEnd(ctx.store, campaign.id);
    expect(done.status).toBe('completed');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/#/c/${encodeURIComponent(campaign.id)}`);
    const rowsOf = page.locator('#importance .importance-row');
    // The page reads 100 trials, then the ranking: under a loaded suite that took over a second
    // (the poll's default), once in four full runs.
    await expect.poll(() => rowsOf.count(), { timeout: 15_000 }).toBe(5);
    // x1 first, drawn full width, then x2; x3, x4 and flag do not enter the function.
    expect(await rowsOf.first().locator('.importance-bar').getAttribute('style')).toBe(
      'width: 100.0%',
    );
    const names = await rowsOf.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    expect(names.slice(0, 2)).toEqual(['x1', 'x2']);

    // Parallel coordinates: every axis carries its name and values, a choice's options at their
    // places (false and true within the plot, where they were drawn below it before), a legend.
    const canvas = page.locator('#parallel');
    await expect.poll(() => canvas.getAttribute('data-ticks')).toBeTruthy();
    const ticks = JSON.parse((await canvas.getAttribute('data-ticks'))!) as {
      axis: string;
      text: string;
      x: number;
      y: number;
    }[];
    const box = (await canvas.boundingBox())!;
    for (const axis of ['x1', 'x2', 'x3', 'x4', 'flag', 'value']) {
      const own = ticks.filter((t) => t.axis === axis);
      expect(own.map((t) => t.text)[0], axis).toBe(axis);
      expect(own.length, axis).toBeGreaterThanOrEqual(3);
    }
    expect(ticks.filter((t) => t.axis === 'flag').map((t) => t.text)).toEqual([
      'flag',
      'false',
      'true',
    ]);
    // A range filter: drag along x1's axis over its lower half; the others fade, a double-click
    // clears it.
    const geometry = await canvas.evaluate(
      (el) =>
        (el as unknown as { axisGeometry: { xs: number[]; top: number; bottom: number } })
          .axisGeometry,
    );
    await canvas.scrollIntoViewIfNeeded();
    const onScreen = (await canvas.boundingBox())!;
    const x1Axis = onScreen.x + geometry.xs[0]!;
    await page.mouse.move(x1Axis, onScreen.y + geometry.bottom - 2);
    await page.mouse.down();
    await page.mouse.move(x1Axis, onScreen.y + (geometry.top + geometry.bottom) / 2, { steps: 5 });
    await page.mouse.up();
    const shown = Number(await canvas.getAttribute('data-shown'));
    expect(shown).toBeGreaterThan(20);
    expect(shown).toBeLessThan(80);
    // The table lists the trials within the range, and only those: x1 in its lower half.
    const tableRows = page.locator('#trials tbody tr');
    await expect.poll(() => tableRows.count()).toBe(shown);
    expect(await page.locator('#table-note').textContent()).toMatch(
      new RegExp(`^${shown} trials within the ranges brushed`),
    );
    const listed = (await tableRows.evaluateAll((rows) =>
      rows.map((r) => Number(r.getAttribute('data-trial'))),
    )) as number[];
    const x1Of = new Map(
      (
        (await (await fetch(`${base}/api/campaigns/${campaign.id}/trials`)).json()) as {
          number: number;
          config: { x1: number };
        }[]
      ).map((t) => [t.number, t.config.x1]),
    );
    const x1Values = [...x1Of.values()];
    const middle = (Math.min(...x1Values) + Math.max(...x1Values)) / 2;
    for (const n of listed) expect(x1Of.get(n), `#${n}`).toBeLessThanOrEqual(middle + 0.02);
    await page.mouse.dblclick(x1Axis, onScreen.y + geometry.top + 10);
    await expect.poll(() => canvas.getAttribute('data-shown')).toBe('100');
    await expect.poll(() => tableRows.count()).toBe(100);
    // Uniform on [0, 1]: a linear axis from the lowest value seen to the highest.
    const x1 = ticks.filter((t) => t.axis === 'x1').map((t) => t.text);
    expect(x1).toHaveLength(3);
    expect(Number(x1[1])).toBeGreaterThan(0.9);
    expect(x1[2]).toMatch(/^0\.0\d+$/);
    expect(ticks.filter((t) => t.axis === 'legend').map((t) => t.text)).toEqual([
      'worse value',
      'better',
    ]);
    for (const t of ticks) {
      expect(t.y, `${t.axis} ${t.text}`).toBeGreaterThan(0);
      expect(t.y, `${t.axis} ${t.text}`).toBeLessThanOrEqual(box.height);
      expect(t.x, `${t.axis} ${t.text}`).toBeGreaterThanOrEqual(0);
      expect(t.x, `${t.axis} ${t.text}`).toBeLessThanOrEqual(box.width);
    }
    // The outcome on top, as the report has it.
    const head = (await (
      await fetch(`${base}/api/campaigns/${campaign.id}/report?trials=none`)
    ).json()) as { best: { trial: number; againstDefault: { verdict: string } } };
    await expect
      .poll(() => page.locator('#outcome-verdict').textContent())
      .toBe(`against the default: ${head.best.againstDefault.verdict}`);
    expect(await page.locator('#outcome-scores').textContent()).toMatch(
      new RegExp(`^#${head.best.trial}: validation value \\d`),
    );
    expect(await page.locator('#report-link').getAttribute('href')).toBe(
      `/api/campaigns/${campaign.id}/report`,
    );
    // The slice plot: the value against one dimension at a time, a point per trial.
    await expect.poll(() => page.locator('#slice-chart').getAttribute('data-points')).toBe('100');
    expect(await page.locator('#slice-param option').allTextContents()).toEqual(
      expect.arrayContaining(['x1', 'x2', 'x3', 'x4', 'flag']),
    );
    await page.selectOption('#slice-param', 'flag');
    await expect.poll(() => page.locator('#slice-chart').getAttribute('data-param')).toBe('flag');
    expect(await page.locator('#slice-chart').getAttribute('data-points')).toBe('100');
    // The timeline: a bar for each of the 100 trials, in the lanes of the trial processes.
    await expect.poll(() => page.locator('#timeline').getAttribute('data-bars')).toBe('100');
    expect(
      Number(await page.locator('#timeline').getAttribute('data-lanes')),
    ).toBeGreaterThanOrEqual(1);
    // A page per trial, from the table's link: what it changed from the default, its facts and
    // what happened to it.
    await page.locator('#trials tbody tr[data-trial="2"] a.trial-link').click();
    await expect.poll(() => page.locator('#trial-state').textContent()).toBe('completed');
    expect(page.url()).toContain(`#/c/${campaign.id}/t/2`);
    expect(await page.locator('#trial-config').textContent()).toMatch(/^x1 0\.5→0\.\d+ · x2 0\.5→/);
    const facts = await page.locator('#trial-facts').textContent();
    expect(facts).toContain('proposed byrandom');
    expect(facts).toMatch(/worker\S+:\d+/);
    const happened = await page.locator('#trial-events li').allTextContents();
    expect(happened.some((l) => / proposal$/.test(l))).toBe(true);
    expect(happened.some((l) => / trial\.started on /.test(l))).toBe(true);
    expect(happened.some((l) => / trial\.finished \d/.test(l))).toBe(true);
    await page.goBack();
    await expect.poll(() => rowsOf.count()).toBe(5);
    // The start form offers the server's CSV files with their columns: a campaign on one.
    await page.goto(base);
    await page.fill('#token', TOKEN);
    await page.dispatchEvent('#token', 'change');
    const irisOption = page.locator('select[name=data] option', { hasText: /^iris\.csv / });
    await page.selectOption('select[name=data]', { label: (await irisOption.textContent())! });
    expect(await page.inputValue('select[name=target]')).toBe('Species');
    // What lgt makes of it, as lgt tasks --csv says it.
    await expect
      .poll(() => page.locator('#csv-preview').textContent())
      .toContain('classification, accuracy · rows: 104 training, 23 validation, 23 test');
    expect(await page.locator('#csv-preview').textContent()).toContain(
      'classes: setosa, versicolor, virginica',
    );
    expect(await page.locator('#csv-preview').textContent()).toContain('Sepal.Length (numeric)');
    // A path outside the data directories is refused, not read.
    const outside = await fetch(
      `${base}/api/data-files/preview?file=${encodeURIComponent('/etc/passwd')}&target=root`,
    );
    expect(outside.status).toBe(400);
    expect(await page.isVisible('select[name=task]')).toBe(false);
    await page.selectOption('select[name=strategy]', 'random');
    await page.fill('input[name=trials]', '2');
    await page.fill('input[name=epochs]', '2');
    await page.click('#start');
    await expect
      .poll(() => page.locator('#status').textContent(), { timeout: 60_000 })
      .toBe('completed');
    const fromCsv = (await ctx.store.listCampaigns()).find((c) => c.request.task.kind === 'csv')!;
    expect(fromCsv.request.task).toMatchObject({
      kind: 'csv',
      file: path.join(SHARED_DATASETS, 'iris.csv'),
      target: 'Species',
    });

    // ... and the operator's task modules and commands: a campaign on a module from the form,
    // and a command's own fields (its space, metric and direction) where one is chosen.
    await page.goto(base);
    await page.selectOption('select[name=data]', {
      label: `command: python3 train.py --lr {lr}`,
    });
    expect(await page.isVisible('textarea[name=space]')).toBe(true);
    expect(await page.isVisible('select[name=task]')).toBe(false);
    const moduleOption = page.locator('select[name=data] option', {
      hasText: /^module known-importance-objective\.ts /,
    });
    await page.selectOption('select[name=data]', { label: (await moduleOption.textContent())! });
    expect(await page.isVisible('textarea[name=space]')).toBe(false);
    await page.selectOption('select[name=strategy]', 'random');
    await page.fill('input[name=trials]', '3');
    await page.click('#start');
    await expect
      .poll(() => page.locator('#status').textContent(), { timeout: 60_000 })
      .toBe('completed');
    const fromModule = (await ctx.store.listCampaigns()).find(
      (c) => c.request.task.kind === 'module' && c.request.maxTrials === 3,
    )!;
    expect(fromModule.request.task).toEqual({
      kind: 'module',
      path: path.join(REPO_ROOT, 'test/fixtures/known-importance-objective.ts'),
    });

    // Two campaigns side by side: the two iris campaigns of the tests before, ticked in the list.
    const irises = (await ctx.store.listCampaigns()).filter(
      (c) => c.taskName === 'iris' && c.request.task.kind === 'builtin',
    );
    expect(irises.length).toBeGreaterThanOrEqual(2);
    await page.goto(base);
    for (const c of irises.slice(0, 2))
      await page.locator(`#campaigns tr[data-id="${c.id}"] input.compare`).check();
    await page.click('#compare');
    await expect.poll(() => page.locator('#compared li').count()).toBe(2);
    await expect.poll(() => page.locator('#compare-best').getAttribute('data-campaigns')).toBe('2');
    expect(await page.locator('#compare-best .u-legend').textContent()).toMatch(/lgt/);
    await page.goto(`${base}/#/c/${encodeURIComponent(campaign.id)}`);
    await expect.poll(() => rowsOf.count()).toBe(5);
    const missing = await fetch(`${base}/api/campaigns/${campaign.id}/trials/999`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe(
      `campaign ${campaign.id} has no trial 999`,
    );
    // The contour starts on the two that mattered most, every trial a point on it.
    await expect.poll(() => page.locator('#contour-x').inputValue()).toBe('x1');
    expect(await page.locator('#contour-y').inputValue()).toBe('x2');
    await expect.poll(() => page.locator('#contour').getAttribute('data-points')).toBe('100');
    const contourBox = (await page.locator('#contour').boundingBox())!;
    const contourTicks = JSON.parse(
      (await page.locator('#contour').getAttribute('data-ticks'))!,
    ) as {
      text: string;
      x: number;
      y: number;
    }[];
    expect(contourTicks.map((t) => t.text)).toEqual(expect.arrayContaining(['x1', 'x2']));
    for (const t of contourTicks) {
      expect(t.x, t.text).toBeGreaterThanOrEqual(0);
      expect(t.x, t.text).toBeLessThanOrEqual(contourBox.width);
      expect(t.y, t.text).toBeGreaterThan(0);
      expect(t.y, t.text).toBeLessThanOrEqual(contourBox.height);
    }
    // Its contour lines: five levels, rising, within the values seen, each traced in segments.
    const levels = JSON.parse(
      (await page.locator('#contour').getAttribute('data-levels'))!,
    ) as number[];
    const values = (await ctx.store.listTrials(campaign.id)).map((t) => t.value!);
    expect(levels).toHaveLength(5);
    for (let k = 1; k < levels.length; k++) expect(levels[k]).toBeGreaterThan(levels[k - 1]!);
    expect(levels[0]).toBeGreaterThan(Math.min(...values));
    expect(levels[4]).toBeLessThan(Math.max(...values));
    expect(Number(await page.locator('#contour').getAttribute('data-segments'))).toBeGreaterThan(
      20,
    );
    // The empirical distribution of the 100 values.
    expect(await page.locator('#edf-chart').getAttribute('data-points')).toBe('100');
    // The metric chart shows all 100 (none is far off on this function).
    expect(await page.locator('#progress-chart').getAttribute('data-points')).toBe('100');
    expect(await page.locator('#progress-chart').getAttribute('data-clipped')).toBe('0');
    // On a log scale (every value here is above 0), and back.
    await page.check('#log-scale');
    await expect.poll(() => page.locator('#progress-chart').getAttribute('data-log')).toBe('true');
    expect(await page.locator('#progress-chart').getAttribute('data-points')).toBe('100');
    await page.uncheck('#log-scale');
    await expect.poll(() => page.locator('#progress-chart').getAttribute('data-log')).toBe('false');
    expect(pageErrors).toEqual([]);
    // The same figures from the command line and in the report.
    const cli = await runCli(['importance', campaign.id, '--json', '--redis-url', redis.url]);
    const fromCli = JSON.parse(cli.stdout) as { trials: number; importances: { name: string }[] };
    expect(fromCli.trials).toBe(100);
    expect(fromCli.importances.map((i) => i.name)).toEqual(names);
    const report = (await (await fetch(`${base}/api/campaigns/${campaign.id}/report`)).json()) as {
      importance: unknown;
    };
    expect(report.importance).toEqual(fromCli);
    await page.close();
  });

  it('marks failed and pruned trials apart on the metric chart, the curves and the timeline', async () => {
    const campaign = await startCampaign(
      ctx.store,
      ctx.queues,
      mkdtempSync(path.join(os.tmpdir(), 'lgt-dash-failing-')),
      {
        task: {
          kind: 'module',
          path: path.join(REPO_ROOT, 'test/fixtures/sometimes-failing-objective.ts'),
        },
        strategy: 'random',
        pruner: 'median',
        maxTrials: 16,
        parallel: 2,
      },
    );
    const done = await campaignEnd(ctx.store, campaign.id);
    const trials = await ctx.store.listTrials(campaign.id);
    const failed = trials.filter((t) => t.state === 'failed').length;
    const pruned = trials.filter((t) => t.state === 'pruned').length;
    const completed = trials.filter((t) => t.state === 'completed').length;
    expect(done.status, done.error).toBe('completed');
    expect(failed).toBeGreaterThan(0);
    expect(pruned).toBeGreaterThan(0);
    const page = await browser.newPage();
    await page.goto(`${base}/#/c/${encodeURIComponent(campaign.id)}`);
    const chart = page.locator('#progress-chart');
    await expect.poll(() => chart.getAttribute('data-failed')).toBe(String(failed));
    expect(await chart.getAttribute('data-pruned')).toBe(String(pruned));
    expect(await chart.getAttribute('data-points')).toBe(String(completed));
    // Every finished trial's curve at once: the pruned ones dashed, as many as were pruned.
    await page.locator('#all-curves').check();
    const curves = page.locator('#curves-chart');
    await expect.poll(() => curves.getAttribute('data-pruned')).toBe(String(pruned));
    // The timeline draws every trial, failed and pruned in their own colours.
    const timeline = page.locator('#timeline');
    await expect.poll(() => timeline.getAttribute('data-bars')).toBe(String(trials.length));
    const states = JSON.parse((await timeline.getAttribute('data-states'))!) as Record<
      string,
      number
    >;
    expect(states).toMatchObject({ failed, pruned, completed });
    await page.close();
  });

  it("shows a hybrid's share of Advisor trials, asked and realized, as the API says it", async () => {
    const campaign = await startCampaign(
      ctx.store,
      ctx.queues,
      mkdtempSync(path.join(os.tmpdir(), 'lgt-dash-hybrid-')),
      {
        task: { kind: 'builtin', name: 'iris' },
        strategy: 'hybrid',
        core: 'tpe',
        llmShare: 0.5,
        llmWarmup: 2,
        maxTrials: 6,
        parallel: 2,
        epochs: 3,
      },
    );
    const done = await campaignEnd(ctx.store, campaign.id);
    expect(done.status, done.error).toBe('completed');
    const overview = (await (await fetch(`${base}/api/campaigns/${campaign.id}`)).json()) as {
      hybrid: { overridden: number; eligible: number; share: number; core: string };
    };
    const h = overview.hybrid;
    expect(h).toMatchObject({ core: 'tpe', share: 0.5, eligible: 4 });
    const page = await browser.newPage();
    await page.goto(`${base}/#/c/${encodeURIComponent(campaign.id)}`);
    const stat = page.locator('#stat-hybrid');
    await expect.poll(() => stat.textContent()).toContain(`${h.overridden} of ${h.eligible}`);
    expect(await stat.textContent()).toContain(
      `(${Math.round((100 * h.overridden) / h.eligible)}%; asked 50%)`,
    );
    expect(await stat.textContent()).toContain('tpe in control');
    await page.close();
  });

  it('draws a trade-off: every trial, the front and the pick as the API gives them, and the hypervolume', async () => {
    const campaign = await startCampaign(
      ctx.store,
      ctx.queues,
      mkdtempSync(path.join(os.tmpdir(), 'lgt-dash-trade-off-')),
      {
        task: { kind: 'module', path: path.join(REPO_ROOT, 'test/fixtures/two-objective.ts') },
        strategy: 'tpe',
        maxTrials: 30,
        parallel: 2,
        objectives: [
          { metric: 'f1', direction: 'minimize' },
          { metric: 'f2', direction: 'minimize' },
        ],
        constraints: [{ metric: 'size', op: '<=', bound: 6 }],
      },
    );
    const done = await campaignEnd(ctx.store, campaign.id);
    expect(done.status, done.error).toBe('completed');
    const overview = (await (await fetch(`${base}/api/campaigns/${campaign.id}`)).json()) as {
      tradeOff: {
        front: { trial: number }[];
        pick: { member: { trial: number } };
        counts: { feasible: number; infeasible: number };
      };
    };
    const t = overview.tradeOff;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/#/c/${encodeURIComponent(campaign.id)}`);
    const front = page.locator('#front');
    await expect.poll(() => front.getAttribute('data-points')).toBe('30');
    const drawn = (await front.getAttribute('data-front'))!.split(',').map(Number);
    expect(drawn.sort((a, b) => a - b)).toEqual(t.front.map((m) => m.trial).sort((a, b) => a - b));
    expect(await front.getAttribute('data-pick')).toBe(String(t.pick.member.trial));
    expect(await front.getAttribute('data-infeasible')).toBe(String(t.counts.infeasible));
    expect(await page.locator('#front-note').textContent()).toContain(
      `${t.counts.feasible} feasible and ${t.counts.infeasible} infeasible`,
    );
    await expect.poll(() => page.locator('#hypervolume-chart canvas').count()).toBeGreaterThan(0);
    await page.locator('#trade-off-card').screenshot({
      path: SCREENSHOT.replace(/\.png$/, '-trade-off.png'),
    });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('says what a campaign waits for when no worker serves its queue, and that its LLM never answered', async () => {
    // Last in the file: the workers go, so the next campaign waits.
    await workers.close(true);
    const campaign = await startCampaign(
      ctx.store,
      ctx.queues,
      mkdtempSync(path.join(os.tmpdir(), 'lgt-dash-wait-')),
      {
        task: { kind: 'builtin', name: 'iris' },
        maxTrials: 2,
      },
    );
    // Two agent turns the rules answered, as the agents record them when the LLM fails.
    const reason =
      'the advisor call to gpt-4o-mini at http://127.0.0.1:9/v1 failed: Connection error.';
    await ctx.store.addLlmFallback(campaign.id, reason);
    await ctx.store.addLlmFallback(campaign.id, 'the evaluator call failed too');
    // More messages than the panel shows at first: it says where the others are.
    for (let i = 1; i <= 410; i++)
      await ctx.store.appendEvent(campaign.id, {
        type: 'best.improved',
        trial: i,
        value: i,
        previous: i - 1,
        config: {},
      });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/#/c/${encodeURIComponent(campaign.id)}`);
    await expect
      .poll(() => page.locator('#waiting-for').textContent())
      .toContain('no worker serves this Redis');
    expect(await page.locator('#status').textContent()).toBe('queued');
    expect(await page.locator('#earlier-messages').textContent()).toBe(
      `the last 400 messages; the earlier ones are in the log (lgt logs ${campaign.id})`,
    );
    expect(await page.locator('#llm-fallbacks').textContent()).toBe(
      `the LLM never answered: all 2 agent turns fell back to rules; the first: ${reason}`,
    );
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
