import { describe, expect, it } from 'vitest';
import type { CampaignEvent } from '../../src/contracts/campaign-events.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import { parseCampaignRequest } from '../../src/contracts/campaign-request.ts';
import { hybridShareOf } from '../../src/contracts/campaign-report.ts';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import type { Config } from '../../src/search-space/search-space.ts';
import { CmaEsStrategy } from '../../src/strategies/cmaes-strategy.ts';
import { DefaultFirstStrategy } from '../../src/strategies/default-first-strategy.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import type { StrategyContext } from '../../src/strategies/strategy-context.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { TpeStrategy } from '../../src/strategies/tpe-strategy.ts';
import { RULES_META, type Advisor, type AdvisorInput } from '../../agents/agent-types.ts';
import {
  HybridMetaSchema,
  HybridStrategy,
  isOverrideSlot,
  type HybridOptions,
} from '../../agents/hybrid-strategy.ts';
import { RuleBasedAdvisor } from '../../agents/rule-based-advisor.ts';
import { branin, braninObjective } from '../../tasks/benchmark-functions.ts';
import { runSynthetic } from '../helpers/synthetic-campaign.ts';
import { stateBox } from '../helpers/state-box.ts';
import { runTradeOffLoop } from '../helpers/trade-off-loop.ts';
import { ObjectiveSet } from '../../src/trade-offs/objective-set.ts';
import twoObjective from '../fixtures/two-objective.ts';

// Branin: a cheap objective whose space the rule-based Advisor can move in.
const task = braninObjective;
const objective = (c: Config) => branin(c['x1'] as number, c['x2'] as number);

const campaign: CampaignRecord = {
  id: 'hybrid',
  request: parseCampaignRequest({
    task: { kind: 'builtin', name: task.name },
    strategy: 'hybrid',
    maxTrials: 60,
    outputDir: '/tmp/lgt-hybrid-test',
    // These run the hybrid alone; the campaign's default trial is the last test's.
    defaultFirst: false,
  }),
  taskName: task.name,
  metric: task.metric,
  status: 'running',
  createdAt: 0,
};

function contextWithLog(): { context: StrategyContext; events: CampaignEvent[] } {
  const events: CampaignEvent[] = [];
  const box = stateBox();
  return {
    events,
    context: {
      ...box.context,
      curves: async () => new Map(),
      log: async (e) => {
        events.push(e);
      },
      llmUsage: async () => ({ tokens: 0, costUsd: 0 }),
      addLlmUsage: async () => ({ tokens: 0, costUsd: 0 }),
    },
  };
}

const OPTIONS: HybridOptions = {
  seed: 3,
  share: 0.3,
  warmup: 10,
  maxAdvisorTurns: 2,
  warmStart: 0,
};
const metaOf = (t: TrialRecord) => HybridMetaSchema.parse(t.meta?.['hybrid']);
const tpe = () => new TpeStrategy(task.space, 3, task.metric.direction);

function hybrid(core: Strategy, advisor: Advisor, options = OPTIONS, record = campaign) {
  const { context, events } = contextWithLog();
  return { strategy: new HybridStrategy(task, record, core, advisor, context, options), events };
}

/** An Advisor that answers what `reply` makes of its input, and remembers what it was given. */
function scripted(reply: (input: AdvisorInput) => Config[]): Advisor & { inputs: AdvisorInput[] } {
  const inputs: AdvisorInput[] = [];
  return {
    inputs,
    advise: async (input) => {
      inputs.push(input);
      return {
        output: {
          analysis: 'scripted',
          proposals: reply(input).map((config) => ({
            config,
            reason: 'scripted',
            expected_effect: 'scripted',
          })),
        },
        meta: { ...RULES_META, rules: false, model: 'scripted' },
        summary: 'scripted',
      };
    },
  };
}

describe('hybrid: the core in control, the Advisor overriding a seeded share', () => {
  it('overrides exactly the trials the seeded draw names, after the warm-up, by rules offline', async () => {
    const { strategy } = hybrid(tpe(), new RuleBasedAdvisor());
    const { trials } = await runSynthetic(strategy, objective, { budget: 60, parallel: 3 });
    expect(trials).toHaveLength(60);
    const drawn = trials.filter((t) => isOverrideSlot(t.number, OPTIONS)).map((t) => t.number);
    expect(drawn.length).toBeGreaterThan(5);
    expect(drawn.every((n) => n > OPTIONS.warmup)).toBe(true);
    expect(trials.filter((t) => metaOf(t).slot).map((t) => t.number)).toEqual(drawn);
    // Each slot the rules filled says so; the core's trials say whose they are.
    const filled = trials.filter((t) => metaOf(t).by === 'advisor');
    expect(filled.map((t) => t.source).every((s) => s === 'rules')).toBe(true);
    expect(trials.filter((t) => metaOf(t).by === 'core').every((t) => t.source === 'tpe')).toBe(
      true,
    );
    // The realized share is the draw's: every slot was filled (the rules always had a move).
    // What the report and lgt status say, from who proposed each trial.
    expect(hybridShareOf({ ...campaign.request, llmShare: 0.3, llmWarmup: 10 }, trials)).toEqual({
      core: 'auto',
      share: 0.3,
      warmup: 10,
      eligible: 50,
      overridden: drawn.length,
    });
    // Deterministic for the seed and the history.
    const again = await runSynthetic(hybrid(tpe(), new RuleBasedAdvisor()).strategy, objective, {
      budget: 60,
      parallel: 3,
    });
    expect(again.trials.map((t) => configKey(t.config))).toEqual(
      trials.map((t) => configKey(t.config)),
    );
  });

  it("a failing Advisor leaves the core's proposal in its slot, logged: no trial is lost", async () => {
    const failing: Advisor = {
      advise: async () => {
        throw new Error('the endpoint timed out');
      },
    };
    const { strategy, events } = hybrid(tpe(), failing);
    const { trials } = await runSynthetic(strategy, objective, { budget: 40, parallel: 2 });
    expect(trials).toHaveLength(40);
    const slots = trials.filter((t) => metaOf(t).slot);
    expect(slots.length).toBeGreaterThan(0);
    for (const t of slots) {
      expect(metaOf(t).by).toBe('core');
      expect(metaOf(t).fallback).toContain('the endpoint timed out');
      expect(t.source).toBe('tpe');
    }
    expect(events.filter((e) => e.type === 'agent.fallback').length).toBeGreaterThan(0);
    // The same trials as the core alone would have run: it kept every slot.
    const alone = await runSynthetic(tpe(), objective, { budget: 40, parallel: 2 });
    expect(trials.map((t) => configKey(t.config))).toEqual(
      alone.trials.map((t) => configKey(t.config)),
    );
  });

  it('sends refused proposals back once with the errors, then keeps the core in the slot', async () => {
    // Out of range, then a configuration already tried: both refused, the core keeps the slot.
    const stubborn = scripted((input) =>
      input.rejected ? [input.trials[0]!.config] : [{ x1: 99, x2: 0 }],
    );
    const { strategy } = hybrid(tpe(), stubborn, { ...OPTIONS, share: 1, warmup: 3 });
    const { trials } = await runSynthetic(strategy, objective, { budget: 5, parallel: 1 });
    expect(stubborn.inputs.length).toBe(4); // two slots (trials 4 and 5), two turns each
    expect(stubborn.inputs[1]!.rejected).toMatch(/x1/);
    expect(metaOf(trials[3]!)).toMatchObject({ slot: true, by: 'core' });
    expect(metaOf(trials[3]!).fallback).toContain('already tried or proposed');
    // A repair that is valid is taken.
    const learns = scripted((input) => (input.rejected ? [{ x1: 1.5, x2: 2.5 }] : [{ x1: 99 }]));
    const second = hybrid(tpe(), learns, { ...OPTIONS, share: 1, warmup: 3 });
    const run = await runSynthetic(second.strategy, objective, { budget: 4, parallel: 1 });
    expect(run.trials[3]!.config).toEqual({ x1: 1.5, x2: 2.5 });
    expect(metaOf(run.trials[3]!)).toEqual({ slot: true, by: 'advisor' });
    expect(run.trials[3]!.source).toBe('advisor');
  });

  it("tells the Advisor the core's state, its own next proposals and the best and latest trials", async () => {
    const cma = () => new CmaEsStrategy(task.space, 3, task.metric.direction);
    const taker = scripted((input) => input.candidates!.map((c) => c.config));
    const { strategy } = hybrid(cma(), taker, { ...OPTIONS, share: 0.5 });
    const { trials } = await runSynthetic(strategy, objective, { budget: 40, parallel: 4 });
    const input = taker.inputs.at(-1)!;
    expect(input.candidatesState).toContain('The numeric optimizer in control is cmaes');
    expect(input.candidatesState).toMatch(/CMA-ES run 1, generation \d+/);
    expect(input.candidatesState).toMatch(/its mean: x1=/);
    expect(input.candidatesState).toContain('The best 5 trials:');
    expect(input.candidatesState).toMatch(/The latest (\d+) trials:/);
    expect(input.candidates!.every((c) => (c.meta as { cmaes?: unknown }).cmaes)).toBe(true);
    // Taking the core's own proposals as they are, the Advisor changes nothing: CMA-ES counts
    // each override in its member's place (adopt), so the run is CMA-ES's own, trial for trial.
    expect(trials.some((t) => metaOf(t).by === 'advisor')).toBe(true);
    const alone = await runSynthetic(cma(), objective, { budget: 40, parallel: 4 });
    expect(trials.map((t) => configKey(t.config))).toEqual(
      alone.trials.map((t) => configKey(t.config)),
    );
  });

  it('a warm start: the Advisor proposes the first N from the task alone, and the core waits for their results', async () => {
    const zeroShot = scripted((input) =>
      Array.from({ length: input.count }, (_, k) => ({ x1: 3 + k, x2: 2 + k })),
    );
    const { strategy } = hybrid(tpe(), zeroShot, { ...OPTIONS, share: 0, warmStart: 3 });
    // The first call: the warm start alone, asked from the task's description and space.
    const first = await strategy.propose([], 5);
    expect(first.map((p) => p.config)).toEqual([
      { x1: 3, x2: 2 },
      { x1: 4, x2: 3 },
      { x1: 5, x2: 4 },
    ]);
    expect(zeroShot.inputs[0]!.trials).toEqual([]);
    expect(zeroShot.inputs[0]!.candidates).toBeUndefined();
    expect(first.every((p) => p.source === 'advisor')).toBe(true);
    // While they run the core proposes nothing: it starts from their results.
    const running = first.map((p, i) => ({
      number: i + 1,
      state: 'running' as const,
      config: p.config,
      reason: p.reason,
      source: p.source!,
      proposedAt: 0,
      attempts: 1,
      meta: p.meta!,
    }));
    expect(await strategy.propose(running, 2)).toEqual([]);
    const done = running.map((t) => ({
      ...t,
      state: 'completed' as const,
      value: objective(t.config),
    }));
    const next = await strategy.propose(done, 2);
    expect(next.map((p) => p.source)).toEqual(['tpe', 'tpe']);
    expect(zeroShot.inputs).toHaveLength(1);
    // A failing Advisor: the core fills the warm start's slots, and is not asked again for them.
    const failing = hybrid(
      tpe(),
      {
        advise: async () => {
          throw new Error('no endpoint');
        },
      },
      { ...OPTIONS, share: 0, warmStart: 2 },
    );
    const { trials } = await runSynthetic(failing.strategy, objective, { budget: 6, parallel: 2 });
    expect(trials.slice(0, 2).map((t) => metaOf(t))).toEqual([
      { slot: true, by: 'core', warm: true, fallback: 'the Advisor failed (no endpoint)' },
      { slot: true, by: 'core', warm: true, fallback: 'the Advisor failed (no endpoint)' },
    ]);
    expect(trials).toHaveLength(6);
  });

  it('counts the default proposed in the same batch: every trial is drawn by its own number', async () => {
    // No warm-up, eight at a time: the first batch is the default and seven of the core's, whose
    // trials are #2 to #8 although the core saw no trial yet.
    const options = { ...OPTIONS, warmup: 0, share: 0.5 };
    const defaultFirst = { ...campaign, request: { ...campaign.request, defaultFirst: true } };
    const withDefault = new DefaultFirstStrategy(
      hybrid(tpe(), new RuleBasedAdvisor(), options, defaultFirst).strategy,
      task.space.defaults() as Config,
    );
    const { trials } = await runSynthetic(withDefault, objective, { budget: 30, parallel: 8 });
    const core = trials.filter((t) => t.source !== 'default');
    expect(core.filter((t) => metaOf(t).slot).map((t) => t.number)).toEqual(
      core.filter((t) => isOverrideSlot(t.number, options)).map((t) => t.number),
    );
  });
});

describe('hybrid on a trade-off', () => {
  it('tells the Advisor the front and where it is thinnest, not a best', async () => {
    const space = twoObjective.space;
    const record: CampaignRecord = {
      ...campaign,
      id: 'hybrid-trade-off',
      request: parseCampaignRequest({
        task: { kind: 'builtin', name: 'bench:branin' },
        strategy: 'hybrid',
        core: 'tpe',
        maxTrials: 30,
        outputDir: '/tmp/lgt-hybrid-test',
        defaultFirst: false,
        objectives: [
          { metric: 'f1', direction: 'minimize' },
          { metric: 'f2', direction: 'minimize' },
        ],
        constraints: [{ metric: 'size', op: '<=', bound: 6 }],
      }),
      metric: twoObjective.metric,
    };
    const set = ObjectiveSet.of(record.request, record.metric);
    const taker = scripted((input) => input.candidates!.map((c) => c.config));
    const { context } = contextWithLog();
    const strategy = new HybridStrategy(
      twoObjective,
      record,
      new TpeStrategy(space, 3, 'minimize', {}, set),
      taker,
      context,
      { ...OPTIONS, share: 0.5 },
    );
    const zdt = (c: Config) => {
      const [x1, x2, x3, x4] = ['x1', 'x2', 'x3', 'x4'].map((k) => Number(c[k])) as number[];
      const g = 1 + 3 * (x2! + x3! + x4!);
      return { f1: x1!, f2: g * (1 - Math.sqrt(x1! / g)), size: 10 * x1! + x2! };
    };
    await runTradeOffLoop(strategy, zdt, { trials: 30, batch: 2, metric: 'f1' });
    const said = taker.inputs.at(-1)!.candidatesState!;
    expect(said).toContain('This campaign tunes a trade-off: f1:min, f2:min, subject to size<=6');
    expect(said).toMatch(/The front \(\d+ trials?, best f1 first\):\n#\d+: f1 [\d.]+, f2 [\d.]+/);
    expect(said).toMatch(
      /The front is thinnest between #\d+: .* and #\d+: .*: a configuration between those two/,
    );
    expect(said).not.toContain('The best 5 trials');
    expect(said).toMatch(/\d+ trials broke a constraint\./);
  });
});
