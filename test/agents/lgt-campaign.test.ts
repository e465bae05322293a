import { isOverrideSlot } from '../../agents/hybrid-strategy.ts';
import { campaignOverview } from '../../src/campaign/campaign-overview.ts';
import { LgtStateSchema } from '../../agents/lgt-session.ts';
import type { RedisClient } from '../../src/queue/redis-connection.ts';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { promptFile } from '../../agents/prompt-templates.ts';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import type { CampaignRequestInput } from '../../src/contracts/campaign-request.ts';
import { WorkerService } from '../../src/worker/worker-service.ts';
import { campaignEnd, campaignEvents, startCampaign } from '../helpers/campaign-fixtures.ts';
import { waitFor } from '../helpers/lgt-process.ts';
import { sharedDataset } from '../helpers/paths.ts';
import {
  firstUserMessage,
  ScriptedLlmServer,
  systemMessage,
  userMessage,
  logprobReply,
  logprobServer,
  type RecordedRequest,
} from '../helpers/scripted-llm-server.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';

/**
 * Whole `lgt` campaigns whose agents talk to a scripted OpenAI-compatible server (a test double
 * that answers from a script, not an LLM) through the real openai client and the agents queue.
 */
const PLANTED_KEY = 'sk-lgt-PLANTED-0123456789abcdef';
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-agents-'));
const db = useCampaignRedis();
let llm: ScriptedLlmServer;
let service: WorkerService | null = null;
const savedEnv = { ...process.env };
const logged: string[] = [];

/** A valid, new configuration for every proposal the Advisor is asked for. */
let proposalCounter = 0;
function defaultAdvisor(r: RecordedRequest) {
  const count = Number(/(\d+) (?:replacement )?configuration/.exec(firstUserMessage(r))?.[1] ?? 1);
  return {
    content: {
      analysis: 'scripted analysis',
      proposals: Array.from({ length: count }, () => {
        proposalCounter++;
        return {
          config: { hiddenLayers: 1, units1: 8 + proposalCounter, learningRate: 0.01 },
          reason: `scripted proposal ${proposalCounter}`,
          expected_effect: 'higher accuracy',
        };
      }),
    },
  };
}

function rewrittenPrompt(marker: string): string {
  return `${promptFile('advisor')}\n${marker}: read the curves twice before proposing.`;
}

const start = (overrides: Partial<CampaignRequestInput> = {}) =>
  startCampaign(db.store, db.queues, out, {
    strategy: 'lgt',
    maxTrials: 6,
    agents: 'llm',
    llmModels: {
      advisor: 'scripted-model',
      evaluator: 'scripted-model',
      optimizer: 'scripted-model',
    },
    optimizeEvery: 10,
    // These tests are about the agents' conversation: the default trial (tested with the
    // strategies) would only shift every trial number by one.
    defaultFirst: false,
    // Every trial 15 epochs: iris's default configuration (100 epochs, trained twice for the
    // noise) cost more CPU than anything these tests check.
    epochs: 15,
    ...overrides,
  });
/**
 * The scripted Advisor answers as many Branin configurations as it is asked for, spread over the
 * plane, each new (a campaign's override and warm-start slots take them as they are).
 */
function spreadOverBranin(): void {
  let n = 0;
  llm.answerWith('advisor', (r) => {
    const count = Number(
      /(\d+) (?:replacement )?configuration/.exec(firstUserMessage(r))?.[1] ?? 1,
    );
    return {
      content: {
        analysis: 'scripted',
        proposals: Array.from({ length: count }, () => ({
          config: { x1: -4 + 0.7 * ++n, x2: 1 + 0.9 * (n % 7) },
          reason: `spread ${n}`,
          expected_effect: '?',
        })),
      },
    };
  });
}

const finished = (id: string) => campaignEnd(db.store, id);
const events = (id: string) => campaignEvents(db.store, id);

beforeAll(() => sharedDataset('iris.csv'));

beforeEach(async () => {
  llm = new ScriptedLlmServer({
    advisor: defaultAdvisor,
    evaluator: (_r, i) => ({
      content: {
        verdicts: [],
        textual_gradient: `scripted gradient ${i}`,
        lessons: [`lesson ${i}`],
      },
    }),
    optimizer: (_r, i) => ({
      content: { prompt: rewrittenPrompt(`REWRITE-${i}`), rationale: `rewrite ${i}` },
    }),
  });
  process.env['LGT_LLM_BASE_URL'] = await llm.start();
  process.env['OPENAI_API_KEY'] = PLANTED_KEY;
  process.env['LGT_LLM_MAX_RETRIES'] = '2';
  service = await WorkerService.start({
    redisUrl: db.server.url,
    concurrency: 2,
    log: (m) => logged.push(m),
  });
});

afterEach(async () => {
  await service?.close(true);
  await llm.stop();
  process.env = { ...savedEnv };
  await db.redis.flushall();
});

describe('lgt campaigns against a scripted OpenAI-compatible server', () => {
  it('sends the Advisor the history and the last textual gradient, and logs the conversation', async () => {
    llm.script('evaluator', {
      content: {
        verdicts: [{ trial: 3, verdict: 'improved', explanation: 'better' }],
        textual_gradient: 'GRADIENT-MARKER: raise units1',
        lessons: ['units matter'],
      },
    });
    const campaign = await start();
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const advisor = llm.requestsOf('advisor');
    expect(advisor).toHaveLength(2);
    // The first turn comes after the default (twice, for the noise: these campaigns do not
    // start with it, so the strategy trains it) and sees it.
    expect(systemMessage(advisor[0]!)).toContain('#1 [completed, default] accuracy');
    expect(systemMessage(advisor[0]!)).toContain(
      'The default configuration trained twice with different seeds differed by',
    );
    // The second sees the round it proposed, with curves, and the Evaluator's gradient.
    expect(systemMessage(advisor[1]!)).toContain('GRADIENT-MARKER: raise units1');
    expect(systemMessage(advisor[1]!)).toContain('- units matter');
    expect(systemMessage(advisor[1]!)).toMatch(
      /#3 \[completed\] accuracy [\d.]+ — proposed because: scripted proposal 1/,
    );
    expect(systemMessage(advisor[1]!)).toMatch(/curve: val accuracy .*→/);
    expect(systemMessage(advisor[1]!)).toContain('2 of 6 trials left');
    // The reply format went out as a structured-output schema.
    expect(advisor[0]!.body.response_format?.type).toBe('json_schema');
    expect(advisor[0]!.body.response_format?.json_schema?.name).toBe('advisor_reply');
    const log = await events(campaign.id);
    const messages = log.filter((e) => e.type === 'agent.message') as Extract<
      LoggedEvent,
      { type: 'agent.message' }
    >[];
    expect(messages.map((m) => m.agent)).toEqual(['advisor', 'evaluator', 'advisor', 'evaluator']);
    expect(messages.map((m) => [m.rules, m.model, m.tokens])).toEqual(
      messages.map(() => [false, 'scripted-model', 150]),
    );
    const proposals = log.filter((e) => e.type === 'proposal') as Extract<
      LoggedEvent,
      { type: 'proposal' }
    >[];
    expect(proposals.map((p) => p.source)).toEqual([
      'default',
      'default',
      'lgt',
      'lgt',
      'lgt',
      'lgt',
    ]);
    const trials = await db.store.listTrials(campaign.id);
    expect(trials[2]!.expectedEffect).toBe('higher accuracy');
  });

  it("uses the Optimizer's new prompt in the next Advisor call, with the diff in the log", async () => {
    const campaign = await start({ optimizeEvery: 1, maxTrials: 6 });
    await finished(campaign.id);
    const advisor = llm.requestsOf('advisor');
    expect(llm.requestsOf('optimizer')).toHaveLength(1);
    expect(systemMessage(advisor[0]!)).not.toContain('REWRITE-0');
    expect(systemMessage(advisor[1]!)).toContain(
      'REWRITE-0: read the curves twice before proposing.',
    );
    const optimizerRequest = systemMessage(llm.requestsOf('optimizer')[0]!);
    expect(optimizerRequest).toContain('{{task_card}}');
    const log = await events(campaign.id);
    const rewrite = log.find((e) => e.type === 'prompt.rewritten') as Extract<
      LoggedEvent,
      { type: 'prompt.rewritten' }
    >;
    expect(rewrite.version).toBe(1);
    expect(rewrite.diff).toContain('+REWRITE-0: read the curves twice before proposing.');
    const lastAdvisor = log
      .filter((e) => e.type === 'agent.message' && e.agent === 'advisor')
      .at(-1) as Extract<LoggedEvent, { type: 'agent.message' }>;
    expect(lastAdvisor.promptVersion).toBe(1);
  });

  it('brings the previous prompt back when the rounds after a rewrite do worse', async () => {
    // The scripted Advisor proposes good configurations under the original prompt and poor ones
    // under the rewritten prompt (it can tell them apart by the rewrite's marker).
    let n = 0;
    const advisorByPrompt = (r: RecordedRequest) => {
      const count = Number(
        /(\d+) (?:replacement )?configuration/.exec(firstUserMessage(r))?.[1] ?? 1,
      );
      const rewritten = systemMessage(r).includes('REWRITE-');
      return {
        content: {
          analysis: rewritten ? 'rewritten' : 'original',
          proposals: Array.from({ length: count }, () => {
            n++;
            const config = rewritten
              ? {
                  hiddenLayers: 1,
                  units1: 2 + n,
                  learningRate: 0.00001,
                  optimizer: 'sgd',
                }
              : { hiddenLayers: 1, units1: 32 + n, learningRate: 0.01 };
            return { config, reason: `${rewritten ? 'poor' : 'good'} ${n}`, expected_effect: '?' };
          }),
        },
      };
    };
    llm.answerWith('advisor', advisorByPrompt);
    const campaign = await start({ optimizeEvery: 2, maxTrials: 12 });
    await finished(campaign.id);
    const log = await events(campaign.id);
    const rewrite = log.find((e) => e.type === 'prompt.rewritten') as Extract<
      LoggedEvent,
      { type: 'prompt.rewritten' }
    >;
    const revert = log.find((e) => e.type === 'prompt.reverted') as Extract<
      LoggedEvent,
      { type: 'prompt.reverted' }
    >;
    expect(rewrite.version).toBe(1);
    expect(revert).toMatchObject({ from: 1, to: 0 });
    expect(revert.reason).toMatch(
      /mean accuracy [\d.]+ over 2 rounds vs [\d.]+ before the rewrite/,
    );
    // The Advisor turn after the revert reads the original prompt again.
    const advisor = llm.requestsOf('advisor');
    expect(systemMessage(advisor.at(-1)!)).not.toContain('REWRITE-');
    const report = JSON.parse(
      readFileSync(
        path.join((await db.store.getCampaign(campaign.id))!.reportDir!, 'report.json'),
        'utf8',
      ),
    );
    expect(report.agents.prompts.map((p: { version: number }) => p.version)).toEqual([0, 1]);
    expect(report.agents.activePrompt).toBe(0);
  });

  it('lgt --candidates tpe: the Advisor sees numeric candidates and may pick them', async () => {
    const campaign = await start({ strategy: 'lgt', candidates: 'tpe', maxTrials: 4 });
    await finished(campaign.id);
    const prompt = systemMessage(llm.requestsOf('advisor')[0]!);
    expect(prompt).toContain('## Candidates from the numeric strategy');
    expect(prompt).toMatch(/C1: hiddenLayers=\d/);
    expect(prompt).toContain('tpe search has seen 2 trials (its model learns from all of them)');
  });

  it("lgt --candidates gp: the Advisor reads the GP's predictions in the metric's units and what matters", async () => {
    spreadOverBranin();
    const campaign = await start({
      task: { kind: 'builtin', name: 'bench:branin' },
      strategy: 'lgt',
      candidates: 'gp',
      maxTrials: 14,
    });
    expect((await finished(campaign.id)).status).toBe('completed');
    const prompts = llm.requestsOf('advisor').map(systemMessage);
    // Before 10 results the GP's candidates are its random start-up; after, its model's.
    expect(prompts[0]).toContain('GP start-up');
    const late = prompts.at(-1)!;
    expect(late).toMatch(/gp search has seen 1[0-3] trials/);
    expect(late).toMatch(
      /C1: x1=.*GP: largest log EI .*predicted value [-\d.]+ \([-\d.]+ to [-\d.]+ within one sd; best so far [\d.]+\).*what matters most \(shortest lengthscales\): x[12] /,
    );
  });

  it("hybrid --core cmaes: the LLM overrides the seeded share, told CMA-ES's state; the report and the overview say the share", async () => {
    spreadOverBranin();
    const options = { seed: 0, share: 0.5, warmup: 3 };
    const campaign = await start({
      task: { kind: 'builtin', name: 'bench:branin' },
      strategy: 'hybrid',
      core: 'cmaes',
      llmShare: options.share,
      llmWarmup: options.warmup,
      seed: options.seed,
      maxTrials: 16,
      defaultFirst: true,
    });
    expect((await finished(campaign.id)).status).toBe('completed');
    const trials = await db.store.listTrials(campaign.id);
    const drawn = trials.filter((t) => isOverrideSlot(t.number, options)).map((t) => t.number);
    expect(drawn.length).toBeGreaterThan(2);
    // Each drawn slot holds the LLM's configuration, the others the core's (the default first).
    expect(trials.filter((t) => t.source === 'advisor').map((t) => t.number)).toEqual(drawn);
    expect(trials.filter((t) => t.source === 'cmaes').length).toBe(16 - 1 - drawn.length);
    // The prompt, through the real openai client, holds the core's state and its next proposals.
    const prompt = systemMessage(llm.requestsOf('advisor').at(-1)!);
    expect(prompt).toContain('The numeric optimizer in control is cmaes');
    expect(prompt).toMatch(/its mean: x1=[-\d.]+, x2=[-\d.]+/);
    expect(prompt).toMatch(/C1: x1=.*CMA-ES generation \d+/);
    const share = {
      core: 'cmaes',
      share: 0.5,
      warmup: 3,
      eligible: 13,
      overridden: drawn.length,
    };
    const report = JSON.parse(
      readFileSync(
        path.join((await db.store.getCampaign(campaign.id))!.reportDir!, 'report.json'),
        'utf8',
      ),
    );
    expect(report.hybrid).toEqual(share);
    expect((await campaignOverview(db.store, campaign.id)).hybrid).toEqual(share);
  });

  it('lgt --candidates with proxy-tuned Advisor decisions: the candidates are labelled and the steered labels are trained', async () => {
    const servers = await Promise.all(
      [
        { D: -0.1, A: -4, B: -4, C: -4 },
        { A: -0.1, B: -4, C: -4, D: -4 },
      ].map(logprobServer),
    );
    try {
      process.env['LGT_PROXY_TUNING'] = JSON.stringify({
        advisor: {
          expert: { baseUrl: servers[0]!.url, model: 'small-tuned' },
          anti: { baseUrl: servers[1]!.url, model: 'small-base' },
        },
      });
      // The base endpoint answers a decision (asked for logprobs) preferring A, then B, C, D.
      llm.answerWith('advisor', (r) =>
        r.body.logprobs ? logprobReply({ A: -0.5, B: -1, C: -1.5, D: -2 }) : defaultAdvisor(r),
      );
      const campaign = await start({
        strategy: 'lgt',
        candidates: 'tpe',
        maxTrials: 4,
        proxyDecisions: ['advisor'],
      });
      await finished(campaign.id);
      const decision = llm.requestsOf('advisor').find((r) => r.body.logprobs)!;
      expect(userMessage(decision)).toMatch(/A: hiddenLayers=.*\nB: .*\nC: .*\nD: /);
      expect(userMessage(decision)).toContain('Answer with one letter: A, B, C, D.');
      // Its own prompt, which asks for the letter alone (the Advisor's asks for JSON).
      expect(systemMessage(decision)).toContain('The letter of one candidate, and nothing else.');
      // D: -2 + (-0.1 + 4) = 1.9, then B: -1, C: -1.5, A: -0.5 + (-4 + 0.1) = -4.4.
      const round = (await db.store.listTrials(campaign.id)).slice(2);
      expect(round.map((t) => /^proxy-tuned choice (\w)/.exec(t.reason)?.[1])).toEqual(['D', 'B']);
      expect(servers[0]!.requests).toHaveLength(1);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  it("an objective: the Advisor reads its description and space as a built-in task's, and its proposals are evaluated", async () => {
    let n = 0;
    llm.answerWith('advisor', (r) => {
      const count = Number(
        /(\d+) (?:replacement )?configuration/.exec(firstUserMessage(r))?.[1] ?? 1,
      );
      return {
        content: {
          analysis: 'scripted analysis of a function',
          proposals: Array.from({ length: count }, () => ({
            config: { family: 'branin', scaling: 'standard', bx1: 3 + 0.01 * ++n, bx2: 2.3 },
            reason: `near a Branin minimum ${n}`,
            expected_effect: 'a value near 0',
          })),
        },
      };
    });
    const campaign = await start({ task: { kind: 'builtin', name: 'bench:mixed' }, maxTrials: 4 });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const advisor = llm.requestsOf('advisor')[0]!;
    const text = `${systemMessage(advisor)}\n${userMessage(advisor)}`;
    expect(text).toContain('Minimize a function of a family choice');
    expect(text).toContain('a categorical setting shared by all families');
    expect(text).toMatch(/bx1.*when family is "branin"/);
    const trials = await db.store.listTrials(campaign.id);
    expect(trials.every((t) => t.state === 'completed')).toBe(true);
    // Its proposals were run: near a Branin minimum with standard scaling, close to 0.
    expect(done.best!.value).toBeLessThan(0.1);
  });

  it('rejects a rewritten prompt that drops a placeholder, and says why', async () => {
    llm.script('optimizer', {
      content: { prompt: 'Propose {{count}} things.', rationale: 'shorter' },
    });
    const campaign = await start({ optimizeEvery: 1 });
    await finished(campaign.id);
    const rejected = (await events(campaign.id)).find(
      (e) => e.type === 'prompt.rejected',
    ) as Extract<LoggedEvent, { type: 'prompt.rejected' }>;
    expect(rejected.reason).toContain('it drops the placeholders {{task_card}}');
    expect(systemMessage(llm.requestsOf('advisor')[1]!)).toContain(
      'You are the Advisor of a tuning campaign',
    );
  });

  it('repairs a reply with broken JSON in a second turn', async () => {
    llm.script('advisor', {
      content: 'Sure! Here it is: {"analysis": "x", "proposals": [ {"config": ',
    });
    const campaign = await start({ maxTrials: 4 });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const advisor = llm.requestsOf('advisor');
    expect(advisor).toHaveLength(2);
    expect(advisor[1]!.body.messages.at(-2)!.role).toBe('assistant');
    expect(userMessage(advisor[1]!)).toContain('Your reply cannot be used: it is not valid JSON');
    const message = (await events(campaign.id)).find(
      (e) => e.type === 'agent.message' && e.agent === 'advisor',
    ) as Extract<LoggedEvent, { type: 'agent.message' }>;
    expect(message.repaired).toBe(true);
    expect(message.tokens).toBe(300);
  });

  it('sends an invalid configuration back to the Advisor with the field errors', async () => {
    llm.script('advisor', {
      content: {
        analysis: 'bold',
        proposals: [
          { config: { learningRate: 5, units1: 16 }, reason: 'too bold', expected_effect: '?' },
          {
            config: { hiddenLayers: 1, units1: 40 },
            reason: 'fine',
            expected_effect: 'ok',
          },
        ],
      },
    });
    const campaign = await start({ maxTrials: 4 });
    await finished(campaign.id);
    const advisor = llm.requestsOf('advisor');
    expect(advisor).toHaveLength(2);
    expect(userMessage(advisor[1]!)).toContain(
      'proposal 1: learningRate: got 5, allowed a number in 1e-5..1 (log scale)',
    );
    expect(userMessage(advisor[1]!)).toContain('Propose 1 replacement configuration(s)');
    const trials = await db.store.listTrials(campaign.id);
    expect(trials.map((t) => t.config['learningRate'])).not.toContain(5);
  });

  it('replaces proposals that stay invalid with numeric ones, and says so', async () => {
    const bad = {
      content: {
        analysis: 'x',
        proposals: [{ config: { optimizer: 'adamw' }, reason: 'r', expected_effect: 'e' }],
      },
    };
    llm.script('advisor', bad, bad, bad, bad);
    const campaign = await start({ maxTrials: 3, parallel: 1, seed: 11 });
    await finished(campaign.id);
    const log = await events(campaign.id);
    const fallback = log.find((e) => e.type === 'agent.fallback') as Extract<
      LoggedEvent,
      { type: 'agent.fallback' }
    >;
    expect(fallback.reason).toContain('1 proposal(s) replaced by random search');
    expect(fallback.reason).toContain('optimizer: got "adamw"');
    const trials = await db.store.listTrials(campaign.id);
    expect(trials[2]!.source).toBe('fallback-random');
  });

  it('retries a 429 and then goes on', async () => {
    llm.script('advisor', { status: 429, headers: { 'retry-after': '0' } });
    const campaign = await start({ maxTrials: 4 });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    expect(llm.requestsOf('advisor')).toHaveLength(2);
    expect((await events(campaign.id)).some((e) => e.type === 'agent.fallback')).toBe(false);
  });

  it('stops the campaign after the call that crosses the token budget', async () => {
    const campaign = await start({ maxTrials: 20, llmBudget: { tokens: 400 } });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    expect(done.stopReason).toBe('llm-budget');
    // 150 tokens a call: the third call crosses 400, and no call follows it.
    expect(llm.requests).toHaveLength(3);
    const log = await events(campaign.id);
    const budget = log.find((e) => e.type === 'llm.budget') as Extract<
      LoggedEvent,
      { type: 'llm.budget' }
    >;
    expect(budget.tokens).toBe(450);
    expect((await db.store.listTrials(campaign.id)).length).toBeLessThan(20);
  });

  it('replays a cached campaign with zero new calls, a campaign with a time limit too', async () => {
    // Its own seed, so no other test's replies are in the cache. The time limit is in the
    // Advisor's budget text: the prompt must not change with the clock, or nothing replays.
    // The first run's first verdict is slow: its later Advisor calls come later on its clock
    // than the second run's do (the same words as the default reply, only late).
    llm.script('evaluator', {
      delayMs: 2500,
      content: { verdicts: [], textual_gradient: 'scripted gradient 0', lessons: ['lesson 0'] },
    });
    const first = await start({ maxTrials: 10, seed: 5, timeLimitSeconds: 3600 });
    await finished(first.id);
    const calls = llm.requests.length;
    // An Advisor call after the slow verdict, whose budget text the clock could change.
    expect(llm.requests.map((r) => r.agent).slice(0, 3)).toEqual([
      'advisor',
      'evaluator',
      'advisor',
    ]);
    expect(JSON.stringify(llm.requests)).toContain('a wall-clock limit of 3600 s');
    proposalCounter = 0;
    const second = await start({ maxTrials: 10, seed: 5, timeLimitSeconds: 3600 });
    await finished(second.id);
    expect(llm.requests.length).toBe(calls);
    const configs = async (id: string) => (await db.store.listTrials(id)).map((t) => t.config);
    expect(await configs(second.id)).toEqual(await configs(first.id));
    const cached = (await events(second.id)).filter((e) => e.type === 'agent.message') as Extract<
      LoggedEvent,
      { type: 'agent.message' }
    >[];
    expect(cached.every((m) => m.cached)).toBe(true);
  });

  it('hybrid replays a cached campaign: the same trials from the same sources, zero new calls', async () => {
    spreadOverBranin();
    // One at a time: each prompt then shows the same finished history in both runs.
    const request = {
      task: { kind: 'builtin' as const, name: 'bench:branin' },
      strategy: 'hybrid' as const,
      core: 'cmaes' as const,
      llmShare: 0.5,
      llmWarmup: 3,
      seed: 11,
      parallel: 1,
      maxTrials: 10,
      defaultFirst: true,
    };
    const first = await start(request);
    await finished(first.id);
    const calls = llm.requests.length;
    expect(calls).toBeGreaterThan(0);
    const second = await start(request);
    await finished(second.id);
    expect(llm.requests.length).toBe(calls);
    const trials = async (id: string) =>
      (await db.store.listTrials(id)).map((t) => [t.source, t.config]);
    expect(await trials(second.id)).toEqual(await trials(first.id));
    expect((await trials(first.id)).some(([source]) => source === 'advisor')).toBe(true);
  });

  it('never writes the API key, a bearer token or a raw header into logs or reports', async () => {
    llm.script('advisor', { status: 401 }, { status: 401 }, { status: 401 });
    const campaign = await start({ maxTrials: 4 });
    const done = await finished(campaign.id);
    // The failing LLM was replaced by rules, and the log says so.
    const log = await events(campaign.id);
    expect(
      log.some((e) => e.type === 'agent.fallback' && e.reason.includes('the LLM Advisor failed')),
    ).toBe(true);
    // The key did go to the server, so the test can fail.
    expect(llm.requests[0]!.headers['authorization']).toBe(`Bearer ${PLANTED_KEY}`);
    const written = [
      JSON.stringify(log),
      ...readdirSync(done.reportDir!)
        .filter((f) => f.endsWith('.json') || f.endsWith('.csv'))
        .map((f) => readFileSync(path.join(done.reportDir!, f), 'utf8')),
      JSON.stringify(await db.store.getCampaign(campaign.id)),
      logged.join('\n'),
    ].join('\n');
    expect(written).not.toContain(PLANTED_KEY);
    expect(written).not.toMatch(/Bearer\s+sk-/);
    expect(written.toLowerCase()).not.toContain('authorization');
  });
});

/** Every value under every key of a Redis, as one text (to look for what must not be stored). */
async function dumpRedis(client: RedisClient): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      const value =
        type === 'string'
          ? await client.get(key)
          : type === 'hash'
            ? await client.hgetall(key)
            : type === 'list'
              ? await client.lrange(key, 0, -1)
              : type === 'zset'
                ? await client.zrange(key, 0, -1)
                : type === 'set'
                  ? await client.smembers(key)
                  : type === 'stream'
                    ? await client.xrange(key, '-', '+')
                    : null;
      parts.push(`${key} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** The environment of this process's child processes (the trial processes of its workers). */
function childEnvironments(): string[] {
  const envs: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) envs.push(readFileSync(`/proc/${pid}/environ`, 'utf8'));
    } catch {
      // gone meanwhile
    }
  }
  return envs;
}

async function restartService(options: Partial<Parameters<typeof WorkerService.start>[0]> = {}) {
  await service?.close(true);
  service = await WorkerService.start({
    redisUrl: db.server.url,
    concurrency: 2,
    log: (m) => logged.push(m),
    ...options,
  });
}

describe('a hostile or absent endpoint', () => {
  it('an endpoint that echoes the key: the key is stored nowhere, and trial processes never had it', async () => {
    const echo = `I was told ${PLANTED_KEY}`;
    llm.answerWith('advisor', (r) => {
      const reply = defaultAdvisor(r).content;
      return {
        content: {
          analysis: echo,
          proposals: reply.proposals.map((p) => ({ ...p, reason: `${p.reason}: ${echo}` })),
        },
      };
    });
    llm.answerWith('evaluator', () => ({
      content: { verdicts: [], textual_gradient: echo, lessons: [echo] },
    }));
    const campaign = await start({ maxTrials: 4, seed: 11 });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    // The echo reached lgt (so the test can fail), redacted.
    const log = await events(campaign.id);
    const advice = log.find((e) => e.type === 'agent.message' && e.agent === 'advisor');
    expect(JSON.stringify(advice)).toContain('I was told [redacted]');
    // The trial processes ran without the LLM settings.
    const envs = childEnvironments();
    expect(envs.length).toBeGreaterThan(0);
    expect(envs.join('\n')).toContain('LGT_WORKER_REDIS_URL=');
    for (const env of envs) {
      expect(env).not.toContain(PLANTED_KEY);
      expect(env).not.toContain('LGT_LLM_BASE_URL');
    }
    const written = [
      await dumpRedis(db.redis),
      ...readdirSync(done.reportDir!)
        .filter((f) => f.endsWith('.json') || f.endsWith('.csv'))
        .map((f) => readFileSync(path.join(done.reportDir!, f), 'utf8')),
      logged.join('\n'),
    ].join('\n');
    expect(written).toContain('llm-cache');
    expect(written).not.toContain(PLANTED_KEY);
    expect(written).not.toContain('0123456789abcdef');

    // The same campaign against another endpoint is asked anew, not answered from the cache.
    const other = new ScriptedLlmServer({
      advisor: defaultAdvisor,
      evaluator: () => ({ content: { verdicts: [], textual_gradient: 'other', lessons: [] } }),
      optimizer: () => ({ content: { prompt: rewrittenPrompt('OTHER'), rationale: 'other' } }),
    });
    process.env['LGT_LLM_BASE_URL'] = await other.start();
    try {
      await restartService();
      const again = await start({ maxTrials: 4, seed: 11 });
      await finished(again.id);
      expect(other.requests.length).toBeGreaterThan(0);
    } finally {
      await other.stop();
    }
  });

  it('refuses replies over the size limit, keeps what later prompts carry small, and drops verdicts about trials that do not exist', async () => {
    const huge = 'x'.repeat(1_000_000);
    llm.script('advisor', { content: { analysis: huge, proposals: [] } }, { content: huge });
    llm.script('evaluator', {
      content: {
        verdicts: [
          { trial: 999, verdict: 'improved', explanation: 'a trial that never ran' },
          { trial: 3, verdict: 'improved', explanation: 'real' },
        ],
        textual_gradient: 'go on',
        lessons: ['short'],
      },
    });
    const campaign = await start({ maxTrials: 6 });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const log = await events(campaign.id);
    const fallback = log.find((e) => e.type === 'agent.fallback' && e.agent === 'advisor');
    expect(fallback && 'reason' in fallback ? fallback.reason : '').toContain(
      'over the limit of 20000',
    );
    // The repair turn quoted only the start of the overlong reply; no later prompt grew.
    for (const r of llm.requests) expect(JSON.stringify(r.body).length).toBeLessThan(60_000);
    expect(statSync(path.join(done.reportDir!, 'report.json')).size).toBeLessThan(1_000_000);
    const state = (await db.store.getState(campaign.id, 'lgt', LgtStateSchema))!;
    const judged = log
      .filter((e) => e.type === 'agent.message' && e.agent === 'evaluator')
      .flatMap((e) => (e as { reply: { verdicts: { trial: number }[] } }).reply.verdicts ?? []);
    expect(judged.map((v) => v.trial)).toContain(3);
    expect(judged.map((v) => v.trial)).not.toContain(999);
    expect(JSON.stringify(state.feedback)).not.toContain('999');
  });

  it('a hanging endpoint: the call ends at its deadline and the rule-based stand-in answers', async () => {
    process.env['LGT_AGENT_DEADLINE_MS'] = '3000';
    await restartService();
    llm.script('advisor', { delayMs: 60_000, content: {} });
    const started = Date.now();
    const campaign = await start({ maxTrials: 4 });
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    const log = await events(campaign.id);
    const fallback = log.find((e) => e.type === 'agent.fallback' && e.agent === 'advisor');
    expect(fallback && 'reason' in fallback ? fallback.reason : '').toContain(
      'within its deadline',
    );
    expect(Date.now() - started).toBeLessThan(50_000);
  });

  it('no worker serves the agents queue: the log says so at once and what to start, then rules answer', async () => {
    process.env['LGT_AGENT_DEADLINE_MS'] = '2000';
    await restartService({ queues: ['campaign', 'trials'] });
    const campaign = await start({ maxTrials: 4 });
    const waiting = await waitFor('the waiting notice', async () =>
      (await events(campaign.id)).find((e) => e.type === 'agent.waiting'),
    );
    expect(waiting && 'reason' in waiting ? waiting.reason : '').toContain(
      'no worker serves the agents queue',
    );
    expect(waiting && 'reason' in waiting ? waiting.reason : '').toContain('lgt worker');
    const done = await finished(campaign.id);
    expect(done.status).toBe('completed');
    expect(llm.requests).toHaveLength(0);
    const log = await events(campaign.id);
    expect(log.some((e) => e.type === 'agent.fallback' && e.agent === 'advisor')).toBe(true);
  });
});
