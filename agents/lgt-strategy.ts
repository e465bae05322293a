import type { CampaignEvent } from '../src/contracts/campaign-events.ts';
import type { EpochRecord } from '../src/trainer/trainer.ts';
import { FINISHED_TRIAL, type TrialRecord } from '../src/contracts/trial-record.ts';
import { type CampaignRecord } from '../src/contracts/campaign-record.ts';
import { llmBudgetSpent, type StrategyContext } from '../src/strategies/strategy-context.ts';
import type { Proposal, Strategy } from '../src/strategies/strategy.ts';
import type { AnyTask } from '../src/task-kinds/task.ts';
import type { Config } from '../src/search-space/search-space.ts';
import { DEFAULT_SOURCE } from '../src/strategies/default-first-strategy.ts';
import { AdvisorTurns } from './advisor-turns.ts';
import { logAgentTurn } from './agent-turn-log.ts';
import type { EvaluatorReply } from './agent-schemas.ts';
import type { AgentAnswer } from './agent-types.ts';
import { bestOf, type TrialView } from './campaign-digest.ts';
import {
  LgtStateSchema,
  type LgtAgents,
  type LgtOptions,
  type LgtSession,
  type LgtState,
  type Round,
} from './lgt-session.ts';
import { PromptVersions } from './prompt-versions.ts';
import { promptFile } from './prompt-templates.ts';

/**
 * Language-Guided Tuning: the untuned baseline is trained (the starting point) and the default
 * configuration's noise measured (its folds, or a second seed); then, round after round, the Advisor proposes configurations with reasons, the trials
 * train, the Evaluator judges them in words (the textual gradient and lessons the next Advisor
 * turn reads), and every few rounds the Optimizer rewrites the Advisor's prompt, which is rolled
 * back if the rounds after the rewrite do worse. Invalid proposals go back to the Advisor with
 * the exact field errors; after `maxAdvisorTurns` numeric proposals take their place.
 */
export class LgtStrategy implements Strategy, LgtSession {
  private readonly prompts: PromptVersions;
  private readonly advisorTurns: AdvisorTurns;
  /** Curves of finished trials, by number (they never change once finished). */
  private readonly finishedCurves = new Map<number, EpochRecord[]>();

  constructor(
    readonly name: 'lgt' | 'hybrid',
    readonly task: AnyTask,
    readonly campaign: CampaignRecord,
    readonly context: StrategyContext,
    readonly agents: LgtAgents,
    readonly options: LgtOptions,
  ) {
    this.prompts = new PromptVersions(this);
    this.advisorTurns = new AdvisorTurns(this);
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const baseline = this.baselineProposals(history, count);
    if (baseline) return baseline;
    let state = await this.state();
    const last = state.rounds.at(-1);
    if (last && !this.roundDone(last, history)) return [];
    const views = await this.views(history);
    if (last && !last.evaluated) state = await this.evaluate(state, last, views);
    if (this.agents.optimizer) state = await this.prompts.maybeOptimize(state, views);
    if (await this.budgetSpent()) return [];
    const proposals = await this.advisorTurns.advise(state, views, count);
    if (proposals.length > 0) {
      await this.context.updateState(LgtStateSchema, (s) => {
        const current = s ?? state;
        const round: Round = {
          index: current.rounds.length,
          firstTrial: history.length + 1,
          size: proposals.length,
          promptVersion: current.activePrompt,
          evaluated: false,
        };
        return { ...current, rounds: [...current.rounds, round] };
      });
    }
    return proposals;
  }

  /** The last round is judged too, so the report ends with the Evaluator's verdicts on it. */
  async conclude(history: readonly TrialRecord[]): Promise<void> {
    const state = await this.state();
    const last = state.rounds.at(-1);
    if (!last || last.evaluated || !this.roundDone(last, history) || (await this.budgetSpent()))
      return;
    await this.evaluate(state, last, await this.views(history));
  }

  /**
   * The opening trials, before the Advisor's first turn (null once they are all proposed and
   * finished, [] while they run): the untuned baseline, the method's starting point, and what
   * measures the noise: the default configuration's, never the baseline's (deliberately bad and
   * unstable, its spread says nothing of a good model's). The default at the campaign's seed is
   * trial 1 (DefaultFirstStrategy); here it is trained again with the next seed, unless the
   * campaign cross-validates (then the default's folds are the measure). A campaign that does
   * not start with the default trains it here twice instead of the baseline.
   */
  private baselineProposals(history: readonly TrialRecord[], count: number): Proposal[] | null {
    const seed = this.campaign.request.seed;
    const defaults = this.task.space.defaults() as Config;
    const isDefault = (t: TrialRecord) => t.source === DEFAULT_SOURCE;
    const folded = (this.campaign.request.cv ?? 1) > 1;
    const again: Proposal = {
      config: defaults,
      reason: 'the default again with another seed, to measure run-to-run noise',
      source: DEFAULT_SOURCE,
      seed: seed + 1,
    };
    const wanted: Proposal[] = (
      this.campaign.request.defaultFirst
        ? [
            {
              config: this.task.baseline,
              reason: 'the untuned baseline: the starting point',
              source: 'baseline',
              seed,
            },
            ...(folded ? [] : [again]),
          ]
        : [
            {
              config: defaults,
              reason: 'the default configuration: the starting point and the control',
              source: DEFAULT_SOURCE,
              seed,
            },
            ...(folded ? [] : [again]),
          ]
    ).slice(0, this.campaign.request.maxTrials);
    const opening = history.filter((t) => t.source === 'baseline' || isDefault(t));
    const missing = wanted.filter(
      (w) => !opening.some((t) => t.source === w.source && (t.seed ?? seed) === w.seed),
    );
    if (missing.length === 0) {
      // The Advisor needs the starting point's result (and the noise) before its first turn.
      return opening.every((t) => FINISHED_TRIAL.includes(t.state)) ? null : [];
    }
    return missing.slice(0, count);
  }

  private roundDone(round: Round, history: readonly TrialRecord[]): boolean {
    const members = history.filter(
      (t) => t.number >= round.firstTrial && t.number < round.firstTrial + round.size,
    );
    return members.every((t) => FINISHED_TRIAL.includes(t.state));
  }

  private async state(): Promise<LgtState> {
    const existing = await this.context.getState(LgtStateSchema);
    if (existing) return existing;
    const initial: LgtState = {
      rounds: [],
      feedback: null,
      lessons: [],
      prompts: [
        { version: 0, template: promptFile('advisor'), rationale: 'the prompt file', parent: null },
      ],
      activePrompt: 0,
      activeSince: 0,
    };
    return (await this.context.updateState(LgtStateSchema, (s) => s ?? initial))!;
  }

  private async views(history: readonly TrialRecord[]): Promise<TrialView[]> {
    // A finished trial's curve never changes: read once, so a round reads the curves of the
    // trials that are new or still running, not the whole campaign's.
    const unread = history.filter((t) => !this.finishedCurves.has(t.number)).map((t) => t.number);
    const curves = await this.context.curves(unread);
    for (const t of history)
      if (FINISHED_TRIAL.includes(t.state) && curves.has(t.number))
        this.finishedCurves.set(t.number, curves.get(t.number)!);
    return history.map((t) => ({
      ...t,
      curve: this.finishedCurves.get(t.number) ?? curves.get(t.number) ?? [],
    }));
  }

  async log(event: CampaignEvent): Promise<void> {
    await this.context.log(event);
  }

  /** Logs an agent's turn and counts its tokens. */
  async record(
    agent: 'advisor' | 'evaluator' | 'optimizer',
    answer: AgentAnswer<unknown>,
    promptVersion?: number,
  ): Promise<void> {
    await logAgentTurn(this.context, agent, answer, promptVersion);
  }

  /**
   * True once the LLM budget is spent: no agent is asked again. The driver stops the campaign
   * (it enforces every budget); this only keeps the strategy from spending more meanwhile.
   */
  async budgetSpent(): Promise<boolean> {
    const budget = this.campaign.request.llmBudget;
    if (!budget || this.campaign.request.agents !== 'llm') return false;
    return llmBudgetSpent(budget, await this.context.llmUsage());
  }

  private async evaluate(state: LgtState, round: Round, views: TrialView[]): Promise<LgtState> {
    const members = views.filter(
      (t) => t.number >= round.firstTrial && t.number < round.firstTrial + round.size,
    );
    const input = { task: this.task, trials: views, round: members, lessons: state.lessons };
    let answer: AgentAnswer<EvaluatorReply>;
    try {
      answer = await this.agents.evaluator.evaluate(input);
    } catch (error) {
      await this.log({
        type: 'agent.fallback',
        agent: 'evaluator',
        reason: `the LLM Evaluator failed (${(error as Error).message}); rules judge this round`,
      });
      answer = await this.agents.fallbackEvaluator.evaluate(input);
    }
    // Verdicts only about this round's trials, one each: a reply may name trials that do not
    // exist, and what it says is carried into every later prompt.
    const numbers = new Set(members.map((t) => t.number));
    const verdicts = answer.output.verdicts.filter(
      (v) => numbers.has(v.trial) && numbers.delete(v.trial),
    );
    answer = { ...answer, output: { ...answer.output, verdicts } };
    await this.record('evaluator', answer);
    const metric = this.task.metric;
    const values = members
      .map((t) => t.value)
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const before = bestOf(
      views.filter((t) => !members.includes(t)),
      metric,
    );
    const after = bestOf(views, metric);
    const updated = await this.context.updateState(LgtStateSchema, (s) => {
      const current = s ?? state;
      return {
        ...current,
        feedback: answer.output,
        lessons: answer.output.lessons.slice(0, 8),
        rounds: current.rounds.map((r) =>
          r.index === round.index
            ? {
                ...r,
                evaluated: true,
                score: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
                improvedBest: after !== before,
              }
            : r,
        ),
      };
    });
    return updated ?? state;
  }
}
