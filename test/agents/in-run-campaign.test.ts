import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/contracts/campaign-events.ts';
import type { CampaignReport } from '../../src/contracts/campaign-report.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import {
  parseCampaignRequest,
  type CampaignRequestInput,
} from '../../src/contracts/campaign-request.ts';
import { WorkerService } from '../../src/worker/worker-service.ts';
import { TaskDataCache } from '../../src/trials/task-data-cache.ts';
import { TaskTrainer } from '../../src/trainer/task-trainer.ts';
import { serializeModel } from '../../src/trials/saved-model.ts';
import type { TrainingCheckpoint } from '../../src/trainer/checkpoint.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import type { TrialRequest } from '../../src/trainer/trainer.ts';
import {
  campaignEnd,
  campaignEvents,
  campaignRequest,
  startCampaign,
} from '../helpers/campaign-fixtures.ts';
import { sharedDataset } from '../helpers/paths.ts';
import {
  ScriptedLlmServer,
  schemaOf,
  systemMessage,
  logprobReply,
  logprobServer,
  type RecordedRequest,
  type ScriptedReply,
} from '../helpers/scripted-llm-server.ts';
import { useCampaignRedis } from '../helpers/campaign-redis.ts';
import iris from '../../tasks/iris.ts';

/**
 * The in-run modes end to end on iris, with real workers and Redis: the rule-based stand-ins,
 * PBT, and a scripted OpenAI-compatible server (a test double, not an LLM) whose verdicts decide
 * which stretches the run keeps, so the run's end state can be checked weight for weight against
 * the same training done by hand.
 */
const out = mkdtempSync(path.join(os.tmpdir(), 'lgt-in-run-'));
const db = useCampaignRedis();
let service: WorkerService | null = null;
let llm: ScriptedLlmServer | null = null;
const savedEnv = { ...process.env };

/**
 * A dynamic campaign on iris: a run of 6 epochs from the plain baseline (the LGT paper's
 * setting), a decision every 2, no control run (the first test has one).
 */
const DYNAMIC: Partial<CampaignRequestInput> = {
  mode: 'dynamic',
  epochs: 6,
  inRun: { decideEvery: 2, start: 'baseline' },
  defaultFirst: false,
};

beforeAll(() => sharedDataset('iris.csv'));

/** Iris's default configuration, as its search space gives it. */
function parseIrisDefaults(): Config {
  return iris.space.defaults() as Config;
}

afterEach(async () => {
  await service?.close(true);
  service = null;
  await llm?.stop();
  llm = null;
  process.env = { ...savedEnv };
  await db.redis.flushall();
});

async function workers(): Promise<void> {
  service = await WorkerService.start({
    redisUrl: db.server.url,
    concurrency: 2,
    runsDir: out,
    log: () => {},
  });
}

async function run(overrides: Partial<CampaignRequestInput>) {
  const started = await startCampaign(db.store, db.queues, out, overrides);
  const done = await campaignEnd(db.store, started.id, 180_000);
  const trials = await db.store.listTrials(done.id);
  const events = await campaignEvents(db.store, done.id);
  const report = JSON.parse(
    readFileSync(path.join(done.reportDir!, 'report.json'), 'utf8'),
  ) as CampaignReport;
  return { done, trials, events, report };
}

type Decision = Extract<LoggedEvent, { type: 'inrun.decision' }>;
const decisionsOf = (events: LoggedEvent[]) =>
  events.filter((e): e is Decision => e.type === 'inrun.decision');

/** The campaign's model weights as written to its report directory. */
function modelWeights(done: CampaignRecord): Buffer {
  return readFileSync(path.join(done.reportDir!, 'model', 'weights.bin'));
}

/**
 * Trains iris by hand as the campaign's request says (same data, seed and epochs): `stretches`
 * are the configurations in order, each trained up to its epoch from the state the one before
 * left. The weights at the end, and the validation metric.
 */
async function trainByHand(
  overrides: Partial<CampaignRequestInput>,
  stretches: { config: Config; until: number }[],
): Promise<{ weights: Buffer; value: number | null }> {
  const request = parseCampaignRequest(campaignRequest(out, overrides));
  const { task, data } = await new TaskDataCache().load(request);
  const trainer = new TaskTrainer();
  let state: TrainingCheckpoint | undefined;
  let weights = Buffer.alloc(0);
  let value: number | null = null;
  for (const [k, s] of stretches.entries()) {
    const last = k === stretches.length - 1;
    const req: TrialRequest = {
      task,
      data,
      config: s.config,
      seed: request.seed,
      epochs: request.epochs!,
      stepBudget: 0,
      stopAfterEpoch: s.until,
      ...(state ? { resumeFrom: state } : {}),
      checkpointEpochs: [s.until],
      onCheckpoint: async (c) => {
        state = c;
      },
      ...(last
        ? {
            onModel: async (m) => {
              weights = Buffer.from((await serializeModel(m)).weightData, 'base64');
            },
          }
        : {}),
    };
    value = (await trainer.train(req)).metric.value;
  }
  return { weights, value };
}

describe('in-run tuning with the rule-based stand-ins', () => {
  it('steers one run between epochs from the default: B and C from one checkpoint, verdicts logged, the run reported with its changes and against the default', async () => {
    await workers();
    const { done, trials, events, report } = await run({
      ...DYNAMIC,
      inRun: { decideEvery: 2 },
      defaultFirst: true,
    });
    expect(done.status).toBe('completed');
    const decisions = decisionsOf(events);
    // Two decision points (after epochs 2 and 4), at most 3 attempts each.
    expect(new Set(decisions.map((d) => d.epoch))).toEqual(new Set([2, 4]));
    expect(decisions.every((d) => d.attempt <= 3 && d.attempts === 3)).toBe(true);
    for (const d of decisions) {
      const b = trials.find((t) => t.number === d.changeTrial)!;
      const c = trials.find((t) => t.number === d.keepTrial)!;
      // Both branches start from the same checkpoint and train the same stretch.
      expect(b.segment).toEqual(c.segment);
      expect(b.segment).toEqual({ from: b.segment!.from, until: d.until });
      expect(d.changeValue).toBe(b.value);
      expect(d.keepValue).toBe(c.value);
      expect(d.why).toMatch(/val accuracy/);
    }
    // The result is the run's end: a stretch that ends at epoch 6, reached from the first one.
    const inRun = report.inRun!;
    expect(inRun.mode).toBe('dynamic');
    expect(inRun.curve.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    // Trial 1 is the control: the default configuration as one plain run of the 6 epochs.
    const control = trials.find((t) => t.number === 1)!;
    expect(control.source).toBe('default');
    expect(control.segment).toBeUndefined();
    expect(control.config).toEqual({ ...parseIrisDefaults(), epochs: 6 });
    expect(control.epochsRun).toBe(6);
    // The run starts from the default too (not the plain baseline).
    const first = trials.find((t) => t.number === inRun.stretches[0])!;
    expect(first.config).toEqual(control.config);
    expect(inRun.stretches).not.toContain(1);
    expect(inRun.stretches.at(-1)).toBe(done.best!.trial);
    // The run's end against the control, in the words every campaign ends with.
    const against = report.best!.againstDefault!;
    expect(against).toMatchObject({
      defaultTrial: 1,
      defaultValue: control.value,
      bestTrial: done.best!.trial,
      bestValue: done.best!.value,
      evidence: 'selection',
    });
    expect(against.verdict).toContain('the default trained as one plain run of the same epochs');
    expect(inRun.changes).toHaveLength(decisions.filter((d) => d.verdict === 'accepted').length);
    // Every epoch counted: the run's 6 and every branch's, rejected ones included.
    const epochs = trials.reduce((s, t) => s + (t.epochsRun ?? 0), 0);
    expect(inRun.cost.epochs).toBe(epochs);
    expect(inRun.cost.runEpochs).toBe(6);
    expect(epochs).toBeGreaterThan(6);
    // The run's end state is scored once on the test split, as it is (not trained again).
    expect(report.best!.final!.test).toBeDefined();
    expect(report.best!.final!.reproduced).toBe(true);
  });

  it('runs PBT: a population from the baseline, the worst copying the best from checkpoints', async () => {
    await workers();
    const { done, trials, events, report } = await run({
      mode: 'pbt',
      epochs: 6,
      inRun: { decideEvery: 2, population: 4, start: 'baseline' },
      defaultFirst: false,
      parallel: 4,
    });
    expect(done.status).toBe('completed');
    // 4 members x 3 generations.
    expect(trials).toHaveLength(12);
    const exploits = events.filter(
      (e): e is Extract<LoggedEvent, { type: 'pbt.exploit' }> => e.type === 'pbt.exploit',
    );
    // One member (the worst quarter of 4) copies a better one after generations 0 and 1.
    expect(exploits.map((e) => e.generation)).toEqual([1, 2]);
    for (const e of exploits) {
      const copied = trials.find((t) => t.number === e.fromTrial)!;
      const child = trials.find(
        (t) =>
          (t.meta as { member: number; generation: number }).member === e.member &&
          (t.meta as { generation: number }).generation === e.generation,
      )!;
      expect(child.segment!.from).toBe(copied.number);
    }
    expect(report.inRun!.curve.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(report.inRun!.cost.epochs).toBe(24);
  });

  it('keeps to an epoch budget: dynamic stops trying changes but finishes its run; search starts no trial past it', async () => {
    await workers();
    // A run of 6 epochs and decisions every 2: the budget leaves room for one branch only.
    const dynamic = await run({ ...DYNAMIC, maxEpochs: 9 });
    expect(dynamic.done.status).toBe('completed');
    const spent = dynamic.trials.reduce((s, t) => s + (t.epochsRun ?? 0), 0);
    expect(spent).toBeLessThanOrEqual(9);
    expect(dynamic.report.inRun!.curve.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(dynamic.events.filter((e) => e.type === 'inrun.budget')).toHaveLength(1);
    expect(decisionsOf(dynamic.events)).toHaveLength(1);
    // Search mode: trials of 4 epochs within 10 epochs are two.
    const search = await run({ strategy: 'random', maxTrials: 50, epochs: 4, maxEpochs: 10 });
    expect(search.done.status).toBe('completed');
    expect(search.trials).toHaveLength(2);
  });

  it('refuses what the modes cannot do, naming the field', async () => {
    await expect(
      startCampaign(db.store, db.queues, out, { ...DYNAMIC, pruner: 'median' }),
    ).rejects.toThrow(/pruner does not apply to --mode dynamic/);
    await expect(
      startCampaign(db.store, db.queues, out, {
        ...DYNAMIC,
        task: { kind: 'builtin', name: 'bench:branin' },
      }),
    ).rejects.toThrow(/mode needs a model task .* bench:branin is an objective/);
    await expect(
      startCampaign(db.store, db.queues, out, {
        ...DYNAMIC,
        inRun: { starts: [{ units1: 4000 }] },
      }),
    ).rejects.toThrow(/inRun\.starts\.0 does not fit iris/);
  });
});

describe('in-run tuning against a scripted OpenAI-compatible server', () => {
  const baseline = async () => {
    const request = parseCampaignRequest(campaignRequest(out, DYNAMIC));
    const { task } = await new TaskDataCache().load(request);
    return { ...(task.baseline as Config), epochs: 6 };
  };

  // A new learning rate at every call, so no proposal repeats one already judged.
  const changeReply = (i: number): ScriptedReply => ({
    content: {
      analysis: 'scripted analysis',
      change: { learningRate: Number((0.05 + 0.01 * i).toFixed(2)) },
      reason: `scripted change ${i}`,
      expected_effect: 'faster progress',
    },
  });

  async function scriptedWorkers(verdict: (r: RecordedRequest, i: number) => boolean) {
    llm = new ScriptedLlmServer({
      advisor: (_r, i) => changeReply(i),
      evaluator: (r, i) => ({
        content: { accept: verdict(r, i), reason: `scripted verdict ${i}` },
      }),
      optimizer: () => ({ status: 500 }),
    });
    process.env['LGT_LLM_BASE_URL'] = await llm.start();
    process.env['OPENAI_API_KEY'] = 'sk-lgt-test-key';
    await workers();
  }

  const llmCampaign: Partial<CampaignRequestInput> = {
    ...DYNAMIC,
    agents: 'llm',
    llmModels: { advisor: 'scripted-model', evaluator: 'scripted-model' },
  };

  it('rejected changes leave the run exactly as training without any branch (equal weights)', async () => {
    await scriptedWorkers(() => false);
    const { done, events } = await run(llmCampaign);
    expect(done.status).toBe('completed');
    const decisions = decisionsOf(events);
    // Two decision points, three attempts each, all rejected with the scripted reasons.
    expect(decisions).toHaveLength(6);
    expect(decisions.every((d) => d.verdict === 'rejected' && /scripted verdict/.test(d.why))).toBe(
      true,
    );
    expect(decisions.every((d) => d.llmCalls === 2 && d.tokens === 300)).toBe(true);
    // The Advisor saw the run's curve and what it may change; the Evaluator both branches.
    const advice = llm!.requests.filter((r) => schemaOf(r) === 'in_run_change');
    expect(advice).toHaveLength(6);
    expect(systemMessage(advice[0]!)).toMatch(/Epoch 2 of 6/);
    expect(systemMessage(advice[0]!)).toMatch(/- learningRate: /);
    expect(systemMessage(advice[0]!)).not.toMatch(/- units1: initial/);
    const verdicts = llm!.requests.filter((r) => schemaOf(r) === 'branch_verdict');
    expect(systemMessage(verdicts[0]!)).toMatch(/B \(with the change\): val accuracy/);
    const plain = await trainByHand(DYNAMIC, [{ config: await baseline(), until: 6 }]);
    expect(done.best!.value).toBe(plain.value);
    expect(modelWeights(done).equals(plain.weights)).toBe(true);
  });

  it('an accepted change is applied from the checkpoint: the run equals the baseline to epoch 2, then the change', async () => {
    // The first verdict accepts (the change at epoch 2, learning rate 0.05); all later ones reject.
    await scriptedWorkers((_r, i) => i === 0);
    const { done, events, trials } = await run(llmCampaign);
    expect(done.status).toBe('completed');
    const accepted = decisionsOf(events).filter((d) => d.verdict === 'accepted');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.epoch).toBe(2);
    expect(accepted[0]!.change).toBe('learningRate 0.01→0.05');
    const start = await baseline();
    const changed = { ...start, learningRate: 0.05 };
    expect(trials.find((t: TrialRecord) => t.number === done.best!.trial)!.config).toEqual(changed);
    const byHand = await trainByHand(DYNAMIC, [
      { config: start, until: 2 },
      { config: changed, until: 6 },
    ]);
    expect(done.best!.value).toBe(byHand.value);
    expect(modelWeights(done).equals(byHand.weights)).toBe(true);
    // And not the plain run's.
    const plain = await trainByHand(DYNAMIC, [{ config: start, until: 6 }]);
    expect(modelWeights(done).equals(plain.weights)).toBe(false);
  });

  it('proxy-tuned verdicts: an expert/anti-expert pair turns the base model\'s "reject" into "accept"', async () => {
    const pair = await Promise.all(
      [
        { accept: -0.1, reject: -3 },
        { reject: -0.1, accept: -3 },
      ].map(logprobServer),
    );
    const [expert, anti] = pair as [ScriptedLlmServer, ScriptedLlmServer];
    try {
      process.env['LGT_PROXY_TUNING'] = JSON.stringify({
        evaluator: {
          expert: { baseUrl: expert.url, model: 'small-tuned' },
          anti: { baseUrl: anti.url, model: 'small-base' },
        },
      });
      await scriptedWorkers(() => false);
      // The base endpoint answers decisions (asked for logprobs) with "reject" as its favourite.
      llm!.answerWith('advisor', (r, i) =>
        r.body.logprobs ? logprobReply({ reject: -0.3, accept: -1.5 }) : changeReply(i),
      );
      const { done, events } = await run({ ...llmCampaign, proxyDecisions: ['evaluator'] });
      expect(done.status).toBe('completed');
      const decisions = decisionsOf(events);
      // accept: -1.5 + (-0.1 + 3) = 1.4 beats reject: -0.3 + (-3 + 0.1) = -3.2, at every decision.
      expect(decisions.map((d) => d.verdict)).toEqual(['accepted', 'accepted']);
      expect(decisions[0]!.why).toMatch(/^proxy-tuned decision: accept \(p 0\.99/);
      expect(decisions[0]!.why).toMatch(/labels in the top-k lists: 2\/2, 2\/2, 2\/2/);
      // The verdicts were label decisions (logprobs asked of all three), not structured replies.
      expect(llm!.requests.filter((r) => schemaOf(r) === 'branch_verdict')).toHaveLength(0);
      expect(expert.requests).toHaveLength(2);
      // The decision form's own prompt asks for the word alone (its first token is read).
      expect(systemMessage(expert.requests[0]!)).toContain(
        'One word, and nothing else: accept or reject.',
      );
      expect(anti.requests[0]!.body).toMatchObject({ logprobs: true, model: 'small-base' });
    } finally {
      await Promise.all(pair.map((s) => s.stop()));
    }
  });

  it('falls back to the rules when the LLM answers garbage, and says so', async () => {
    await scriptedWorkers(() => true);
    llm!.answerWith('advisor', () => ({ content: 'not json at all {' }));
    const { done, events } = await run(llmCampaign);
    expect(done.status).toBe('completed');
    expect(events.some((e) => e.type === 'agent.fallback' && e.agent === 'advisor')).toBe(true);
    expect(decisionsOf(events).length).toBeGreaterThan(0);
  });
});
