import { ObjectiveSet } from '../src/trade-offs/objective-set.ts';
import { frontInWords } from '../src/trade-offs/front-in-words.ts';
import { z } from 'zod';
import type { CampaignRecord } from '../src/contracts/campaign-record.ts';
import { DEFAULT_SOURCE, FINISHED_TRIAL, type TrialRecord } from '../src/contracts/trial-record.ts';
import { gainSign } from '../src/maths/direction.ts';
import { labelledRng } from '../src/random/rng.ts';
import { formatConfig } from '../src/search-space/format-config.ts';
import type { Config } from '../src/search-space/search-space.ts';
import { configKey } from '../src/strategies/config-sampling.ts';
import { llmBudgetSpent, type StrategyContext } from '../src/strategies/strategy-context.ts';
import type { Proposal, Strategy } from '../src/strategies/strategy.ts';
import type { AnyTask } from '../src/task-kinds/task.ts';
import { logAgentTurn } from './agent-turn-log.ts';
import type { AdvisorReply } from './agent-schemas.ts';
import type { Advisor, AdvisorInput, AgentAnswer } from './agent-types.ts';
import { trialLine, type TrialView } from './campaign-digest.ts';
import { promptFile } from './prompt-templates.ts';

/** The trials the overriding Advisor reads: the best and the latest. */
interface Shown {
  top: TrialView[];
  last: TrialView[];
}

/** How many of the best trials, and of the latest, the overriding Advisor reads (Centaur's). */
const TOP_TRIALS = 5;
const LAST_TRIALS = 20;

export interface HybridOptions {
  /** The seed of the override draws (the campaign's). */
  seed: number;
  /** The share of trials after the warm-up whose proposal the Advisor makes (0 to 1). */
  share: number;
  /** Trials (the default included) the core proposes alone before any override. */
  warmup: number;
  /** Advisor turns per override batch: the first, and repairs of refused proposals. */
  maxAdvisorTurns: number;
  /**
   * Configurations the Advisor proposes first, from the task's description and space alone
   * (LLAMBO's zero-shot warm start), before the core's first proposal: the core starts from
   * their results. 0: none.
   */
  warmStart: number;
}

/** What a hybrid trial records of who proposed it (its meta's `hybrid`). */
export const HybridMetaSchema = z.object({
  /** The trial was an override slot (the seeded draw), whoever filled it in the end. */
  slot: z.boolean(),
  /** Who proposed it: the core, or the Advisor (an LLM's or the rules'). */
  by: z.enum(['core', 'advisor']),
  /** An override slot the core kept: why the Advisor's proposal was not taken. */
  fallback: z.string().optional(),
  /** One of the warm start's trials (--llm-warm-start). */
  warm: z.literal(true).optional(),
});
export type HybridMeta = z.infer<typeof HybridMetaSchema>;

/**
 * Whether trial `n` (1-based, the default included) is one the Advisor proposes: after the
 * warm-up, a draw seeded by the campaign's seed and the trial's number below the share. A
 * function of the two alone, so a resumed driver draws the same, and a campaign's realized
 * share is exactly the share of its draws that came up.
 */
export function isOverrideSlot(
  n: number,
  options: Pick<HybridOptions, 'seed' | 'share' | 'warmup'>,
) {
  return n > options.warmup && labelledRng(options.seed, 33, n).next() < options.share;
}

/**
 * The LLM where 2026's budget-matched studies found it helps (Centaur, Ferreira, Hutter et al.,
 * arXiv 2603.24647): a numeric optimizer, the core, stays in control and proposes every trial;
 * on a seeded share of them after a warm-up the Advisor overrides its proposal, told the core's
 * state in words and numbers, the core's own next proposal, the best trials and the latest. The
 * core learns from every result, overrides included: a history-based core (GP, TPE) reads them
 * like its own; CMA-ES takes them in its member's place (its `adopt`). An Advisor that fails, or
 * whose proposals stay invalid or repeated after a repair turn, leaves the core's proposal in
 * the slot, logged: never a lost trial.
 */
export class HybridStrategy implements Strategy {
  readonly name = 'hybrid';
  /** The Advisor's prompt file, read once (the hybrid does not rewrite it). */
  private readonly template = promptFile('advisor');

  constructor(
    private readonly task: AnyTask,
    private readonly campaign: CampaignRecord,
    private readonly core: Strategy,
    private readonly advisor: Advisor,
    private readonly context: StrategyContext,
    private readonly options: HybridOptions,
  ) {}

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    if (this.options.warmStart > 0) {
      const warm = history.filter((t) => hybridMetaOf(t)?.warm);
      if (warm.length < this.options.warmStart)
        return this.warmStart(history, Math.min(count, this.options.warmStart - warm.length));
      // The core starts from the warm start's results: it waits for them.
      if (!warm.every((t) => FINISHED_TRIAL.includes(t.state))) return [];
    }
    const own = await this.core.propose(history, count);
    const out: Proposal[] = own.map((p) => this.mark(p, { slot: false, by: 'core' }));
    // The number each proposal's trial gets: the driver adds them in order after the history,
    // after the default when it is proposed in this batch (DefaultFirstStrategy puts it first).
    const first =
      history.length +
      1 +
      (this.campaign.request.defaultFirst && !history.some((t) => t.source === DEFAULT_SOURCE)
        ? 1
        : 0);
    const slots = own.map((_, i) => i).filter((i) => isOverrideSlot(first + i, this.options));
    if (slots.length === 0) return out;
    for (const i of slots) out[i] = this.mark(own[i]!, { slot: true, by: 'core' });
    if (await this.budgetSpent()) {
      await this.keepCore(out, slots, 'the LLM budget is spent');
      return out;
    }
    const others = own.filter((_, i) => !slots.includes(i));
    const taken = await this.overrides(
      history,
      slots.map((i) => own[i]!),
      others,
    );
    for (const [k, i] of slots.entries()) {
      const override = taken.accepted[k];
      if (!override) continue;
      const adopted = this.core.adopt ? this.core.adopt(own[i]!, override.config) : own[i]!;
      out[i] = {
        ...this.mark(adopted, { slot: true, by: 'advisor' }),
        config: override.config,
        reason: override.reason,
        ...(override.expectedEffect ? { expectedEffect: override.expectedEffect } : {}),
        source: taken.rules ? 'rules' : 'advisor',
      };
    }
    const kept = slots.filter((_, k) => !taken.accepted[k]);
    if (kept.length > 0) await this.keepCore(out, kept, taken.why ?? 'the Advisor proposed none');
    return out;
  }

  /**
   * The warm start's next configurations: the Advisor's from the task's description and space
   * alone (no trial is shown, not even the default's), checked as overrides are. Slots it leaves
   * empty are the core's, still counted as the warm start's, so it is asked once per slot.
   */
  private async warmStart(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const seen = new Set(history.map((t) => configKey(t.config)));
    const taken = await this.ask(
      (rejected) => ({
        task: this.task,
        trials: [],
        feedback: null,
        lessons: [],
        count,
        budget: `${this.campaign.request.maxTrials - history.length} of ${this.campaign.request.maxTrials} trials left; these are the first after the default, proposed before any result.`,
        template: this.template,
        ...(rejected ? { rejected } : {}),
      }),
      count,
      seen,
    );
    const out: Proposal[] = taken.accepted.map((p) => ({
      ...p,
      source: taken.rules ? 'rules' : 'advisor',
      meta: { hybrid: { slot: true, by: 'advisor', warm: true } satisfies HybridMeta },
    }));
    if (out.length < count) {
      const own = (await this.core.propose(history, count)).filter(
        (p) => !out.some((o) => configKey(o.config) === configKey(p.config)),
      );
      const fill = own.slice(0, count - out.length).map((p) => ({
        ...p,
        source: p.source ?? this.core.name,
        meta: {
          ...p.meta,
          hybrid: {
            slot: true,
            by: 'core',
            warm: true,
            fallback: taken.why ?? 'the Advisor proposed none',
          } satisfies HybridMeta,
        },
      }));
      if (fill.length > 0)
        await this.context.log({
          type: 'agent.fallback',
          agent: 'advisor',
          reason: `${fill.length} warm-start trial(s) are ${this.core.name}'s: ${taken.why ?? 'the Advisor proposed none'}`,
        });
      out.push(...fill);
    }
    return out;
  }

  /** The core's proposals stay in these override slots, saying why. */
  private async keepCore(out: Proposal[], slots: number[], why: string): Promise<void> {
    for (const i of slots) out[i] = this.mark(out[i]!, { slot: true, by: 'core', fallback: why });
    await this.context.log({
      type: 'agent.fallback',
      agent: 'advisor',
      reason: `${slots.length} override slot(s) keep ${this.core.name}'s proposal: ${why}`,
    });
  }

  private mark(p: Proposal, hybrid: HybridMeta): Proposal {
    return { ...p, source: p.source ?? this.core.name, meta: { ...p.meta, hybrid } };
  }

  /**
   * The Advisor's configurations for the override slots, in order (a gap where none was valid):
   * checked against the space and every configuration tried or proposed, refused ones sent back
   * once with the exact errors.
   */
  private async overrides(
    history: readonly TrialRecord[],
    ownInSlots: Proposal[],
    others: Proposal[],
  ): Promise<{ accepted: (Proposal | undefined)[]; rules: boolean; why?: string }> {
    // The core's own proposal for a slot may be taken as it is (the Advisor chose it).
    const seen = new Set([...history, ...others].map((t) => configKey(t.config)));
    const views = await this.views(history);
    const state = this.coreState(history, views);
    return this.ask(
      (rejected, done) => ({
        task: this.task,
        trials: [...new Map([...views.top, ...views.last].map((t) => [t.number, t])).values()],
        feedback: null,
        lessons: [],
        count: ownInSlots.length - done,
        budget: `${this.campaign.request.maxTrials - history.length} of ${this.campaign.request.maxTrials} trials left.`,
        template: this.template,
        candidates: ownInSlots.slice(done),
        candidatesState: state,
        ...(rejected ? { rejected } : {}),
      }),
      ownInSlots.length,
      seen,
    );
  }

  /**
   * Up to `count` configurations from the Advisor, checked against the space and `seen` (every
   * configuration tried or proposed), refused ones sent back with the exact errors, up to
   * maxAdvisorTurns turns. An Advisor that fails ends the asking: what it gave so far stands.
   */
  private async ask(
    input: (rejected: string | undefined, done: number) => AdvisorInput,
    count: number,
    seen: Set<string>,
  ): Promise<{ accepted: Proposal[]; rules: boolean; why?: string }> {
    const accepted: Proposal[] = [];
    let rejected: string | undefined;
    let rules = false;
    for (let turn = 0; turn < this.options.maxAdvisorTurns && accepted.length < count; turn++) {
      let answer: AgentAnswer<AdvisorReply>;
      try {
        answer = await this.advisor.advise(input(rejected, accepted.length));
      } catch (error) {
        return { accepted, rules, why: `the Advisor failed (${(error as Error).message})` };
      }
      rules = answer.meta.rules;
      await logAgentTurn(this.context, 'advisor', answer);
      const problems: string[] = [];
      answer.output.proposals.forEach((p, k) => {
        if (accepted.length >= count) return;
        const result = this.task.space.validate(p.config);
        if (!result.ok) {
          problems.push(`proposal ${k + 1}: ${result.errors.map((e) => e.message).join('; ')}`);
          return;
        }
        const config = result.config as Config;
        if (seen.has(configKey(config))) {
          problems.push(
            `proposal ${k + 1}: this configuration was already tried or proposed (${formatConfig(config, ', ')})`,
          );
          return;
        }
        seen.add(configKey(config));
        accepted.push({ config, reason: p.reason, expectedEffect: p.expected_effect });
      });
      rejected = problems.length ? problems.join('\n') : undefined;
    }
    return {
      accepted,
      rules,
      ...(rejected ? { why: `the Advisor's proposals were refused: ${rejected}` } : {}),
    };
  }

  /**
   * What the Advisor is told of the core: who it is, its state in words and numbers where it has
   * one to say (CMA-ES's mean, step size and axes; a GP's prediction is in its proposals'
   * reasons), and the best and the latest trials.
   */
  private coreState(history: readonly TrialRecord[], views: Shown): string {
    const metric = this.task.metric;
    const { top, last } = views;
    // A trade-off has no best: the Advisor is told the front and where it is thin instead.
    const objectives = ObjectiveSet.of(this.campaign.request, this.campaign.metric);
    return [
      `The numeric optimizer in control is ${this.core.name}: it proposes every trial and learns from every result, yours included. Its own next proposals are the candidates below: the slots you fill now would be theirs.`,
      ...(this.core.stateInWords ? [this.core.stateInWords(history)] : []),
      ...(objectives.isTradeOff
        ? [frontInWords(objectives, history)]
        : [`The best ${top.length} trials:`, ...top.map((t) => trialLine(t, metric))]),
      `The latest ${last.length} trials:`,
      ...last.map((t) => trialLine(t, metric)),
    ].join('\n');
  }

  /** The best trials and the latest, with their curves (only theirs are read). */
  private async views(history: readonly TrialRecord[]): Promise<Shown> {
    const sign = gainSign(this.task.metric.direction);
    const top = history
      .filter((t) => FINISHED_TRIAL.includes(t.state) && typeof t.value === 'number')
      .sort((a, b) => sign * ((b.value as number) - (a.value as number)) || a.number - b.number)
      .slice(0, TOP_TRIALS);
    const last = history.slice(-LAST_TRIALS);
    const curves = await this.context.curves([...new Set([...top, ...last].map((t) => t.number))]);
    const view = (t: TrialRecord): TrialView => ({ ...t, curve: curves.get(t.number) ?? [] });
    return { top: top.map(view), last: last.map(view) };
  }

  private async budgetSpent(): Promise<boolean> {
    const budget = this.campaign.request.llmBudget;
    if (!budget || this.campaign.request.agents !== 'llm') return false;
    return llmBudgetSpent(budget, await this.context.llmUsage());
  }
}

/** A trial's hybrid meta, when it has one. */
export function hybridMetaOf(t: Pick<TrialRecord, 'meta'>): HybridMeta | undefined {
  const parsed = HybridMetaSchema.safeParse(t.meta?.['hybrid']);
  return parsed.success ? parsed.data : undefined;
}
