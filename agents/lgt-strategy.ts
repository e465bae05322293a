import { formatNumber } from '../src/format/format-number.ts';
import { createTwoFilesPatch } from 'diff';
import type { EvaluatorReply } from './agent-schemas.ts';
import type { AgentAnswer, Advisor, Evaluator, PromptOptimizer } from './agent-types.ts';
import { bestOf, type TrialView } from './campaign-digest.ts';
import { formatConfig } from '../src/search-space/format-config.ts';
import { promptFile, templateProblem, templateVariables } from './prompt-templates.ts';
import type { CampaignEvent } from '../src/campaign/campaign-events.ts';
import {
  FINISHED_TRIAL,
  type CampaignRecord,
  type TrialRecord,
} from '../src/campaign/campaign-records.ts';
import { llmBudgetSpent, type StrategyContext } from '../src/strategies/strategy-context.ts';
import type { Config } from '../src/search-space/search-space.ts';
import type { AnyTask } from '../src/tasks/task.ts';
import { configKey } from '../src/strategies/config-sampling.ts';
import type { Proposal, Strategy } from '../src/strategies/strategy.ts';

/** The agents a campaign talks to; the rule-based stand-ins when no LLM is configured. */
export interface LgtAgents {
  advisor: Advisor;
  evaluator: Evaluator;
  /** Absent without an LLM: rules do not rewrite prompts. */
  optimizer?: PromptOptimizer;
  /** Used when an LLM agent fails (or its replies stay invalid): the answer comes from rules. */
  fallbackAdvisor: Advisor;
  fallbackEvaluator: Evaluator;
}

export interface LgtOptions {
  /** Rewrite the Advisor's prompt every this many evaluated rounds (or on stagnation). */
  optimizeEvery: number;
  /** Advisor turns per round when proposals are invalid, before numeric ones replace them. */
  maxAdvisorTurns: number;
  /** Numeric candidates the Advisor chooses among and edits (the `hybrid` strategy). */
  candidates?: Strategy;
  /** Numeric proposals that replace invalid ones. */
  numericFallback: Strategy;
}

interface Round {
  index: number;
  firstTrial: number;
  size: number;
  promptVersion: number;
  evaluated: boolean;
  /** Mean validation metric of the round's trials, once evaluated (for prompt rollbacks). */
  score?: number | null;
  improvedBest?: boolean;
}

interface PromptVersion {
  version: number;
  template: string;
  rationale: string;
  parent: number | null;
}

/** All the Language-Guided Tuning state of a campaign, kept in Redis so a driver can resume. */
export interface LgtState {
  rounds: Round[];
  feedback: EvaluatorReply | null;
  lessons: string[];
  prompts: PromptVersion[];
  activePrompt: number;
  /** Index of the round when the active prompt was set. */
  activeSince: number;
}

/**
 * Language-Guided Tuning: the untuned baseline is trained twice (different seeds: run-to-run
 * noise); then, round after round, the Advisor proposes configurations with reasons, the trials
 * train, the Evaluator judges them in words (the textual gradient and lessons the next Advisor
 * turn reads), and every few rounds the Optimizer rewrites the Advisor's prompt, which is rolled
 * back if the rounds after the rewrite do worse. Invalid proposals go back to the Advisor with
 * the exact field errors; after `maxAdvisorTurns` numeric proposals take their place.
 */
export class LgtStrategy implements Strategy {
  constructor(
    readonly name: 'lgt' | 'hybrid',
    private readonly task: AnyTask,
    private readonly campaign: CampaignRecord,
    private readonly context: StrategyContext,
    private readonly agents: LgtAgents,
    private readonly options: LgtOptions,
  ) {}

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const baseline = this.baselineProposals(history, count);
    if (baseline) return baseline;
    let state = await this.state();
    const last = state.rounds.at(-1);
    if (last && !this.roundDone(last, history)) return [];
    const views = await this.views(history);
    if (last && !last.evaluated) state = await this.evaluate(state, last, views);
    if (this.agents.optimizer) state = await this.maybeOptimize(state, views);
    if (await this.budgetSpent()) return [];
    const proposals = await this.advise(state, views, count);
    if (proposals.length > 0) {
      await this.context.updateState<LgtState>((s) => {
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

  /** The baseline twice, with the campaign's seed and the next one; null once both are proposed. */
  private baselineProposals(history: readonly TrialRecord[], count: number): Proposal[] | null {
    const proposed = history.filter((t) => t.source === 'baseline');
    if (proposed.length >= Math.min(2, this.campaign.request.maxTrials)) {
      // The Advisor needs the baseline's result (and the noise) before its first turn.
      return proposed.every((t) => FINISHED_TRIAL.includes(t.state)) ? null : [];
    }
    const seed = this.campaign.request.seed;
    const wanted = [
      {
        config: this.task.baseline,
        reason: 'the untuned baseline: the starting point',
        source: 'baseline',
        seed,
      },
      {
        config: this.task.baseline,
        reason: 'the baseline again with another seed, to measure run-to-run noise',
        source: 'baseline',
        seed: seed + 1,
      },
    ];
    return wanted.slice(proposed.length, proposed.length + count);
  }

  private roundDone(round: Round, history: readonly TrialRecord[]): boolean {
    const members = history.filter(
      (t) => t.number >= round.firstTrial && t.number < round.firstTrial + round.size,
    );
    return members.every((t) => FINISHED_TRIAL.includes(t.state));
  }

  private async state(): Promise<LgtState> {
    const existing = await this.context.getState<LgtState>();
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
    return (await this.context.updateState<LgtState>((s) => s ?? initial))!;
  }

  private async views(history: readonly TrialRecord[]): Promise<TrialView[]> {
    const curves = await this.context.curves(history.map((t) => t.number));
    return history.map((t) => ({ ...t, curve: curves.get(t.number) ?? [] }));
  }

  private async log(event: CampaignEvent): Promise<void> {
    await this.context.log(event);
  }

  /** Logs an agent's turn and counts its tokens. */
  private async record(
    agent: 'advisor' | 'evaluator' | 'optimizer',
    answer: AgentAnswer<unknown>,
    promptVersion?: number,
  ): Promise<void> {
    const m = answer.meta;
    await this.log({
      type: 'agent.message',
      agent,
      rules: m.rules,
      model: m.model,
      ...(promptVersion !== undefined ? { promptVersion } : {}),
      inputs: answer.summary,
      reply: answer.output,
      tokens: m.usage.totalTokens,
      costUsd: m.costUsd,
      latencyMs: m.latencyMs,
      cached: m.cached,
      repaired: m.repaired,
    });
    if (m.rules || m.cached) return;
    await this.context.addLlmUsage(m.usage.totalTokens, m.costUsd);
  }

  /**
   * True once the LLM budget is spent: no agent is asked again. The driver stops the campaign
   * (it enforces every budget); this only keeps the strategy from spending more meanwhile.
   */
  private async budgetSpent(): Promise<boolean> {
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
    const updated = await this.context.updateState<LgtState>((s) => {
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

  /**
   * Every `optimizeEvery` rounds, or after two rounds without a new best, the Optimizer rewrites
   * the Advisor's prompt. First, a rewrite whose rounds did worse than its parent's is undone.
   */
  private async maybeOptimize(state: LgtState, views: TrialView[]): Promise<LgtState> {
    const evaluated = state.rounds.filter((r) => r.evaluated);
    const sinceRewrite = evaluated.filter((r) => r.index >= state.activeSince);
    const active = state.prompts.find((p) => p.version === state.activePrompt)!;
    if (active.parent !== null && sinceRewrite.length >= 2) {
      const mine = this.meanScore(sinceRewrite);
      const parentRounds = evaluated.filter((r) => r.promptVersion === active.parent);
      const theirs = this.meanScore(parentRounds);
      if (mine !== null && theirs !== null && this.worse(mine, theirs)) {
        const reverted = await this.setActive(active.parent, evaluated.length);
        await this.log({
          type: 'prompt.reverted',
          from: active.version,
          to: active.parent,
          reason: `mean ${this.task.metric.name} ${formatNumber(mine)} over ${sinceRewrite.length} rounds vs ${formatNumber(theirs)} before the rewrite`,
        });
        return reverted ?? state;
      }
    }
    const stagnant =
      sinceRewrite.length >= 2 && sinceRewrite.slice(-2).every((r) => !r.improvedBest);
    if (sinceRewrite.length < this.options.optimizeEvery && !stagnant) return state;
    if (await this.budgetSpent()) return state;
    const required = templateVariables(state.prompts[0]!.template);
    let answer;
    try {
      answer = await this.agents.optimizer!.optimize({
        version: active.version,
        template: active.template,
        requiredVariables: required,
        history: this.promptHistory(state, views),
      });
    } catch (error) {
      await this.log({
        type: 'agent.fallback',
        agent: 'optimizer',
        reason: `the Optimizer failed (${(error as Error).message}); the prompt stays`,
      });
      return (await this.setActive(state.activePrompt, evaluated.length)) ?? state;
    }
    await this.record('optimizer', answer);
    const problem = templateProblem(answer.output.prompt, required);
    if (problem) {
      await this.log({ type: 'prompt.rejected', reason: problem });
      // Count the attempt as a rewrite, so a stubborn Optimizer is not asked every round.
      return (await this.setActive(state.activePrompt, evaluated.length)) ?? state;
    }
    const version = Math.max(...state.prompts.map((p) => p.version)) + 1;
    const diff = createTwoFilesPatch(
      `advisor v${active.version}`,
      `advisor v${version}`,
      active.template,
      answer.output.prompt,
      '',
      '',
      { context: 1 },
    )
      .split('\n')
      .slice(2)
      .join('\n')
      .trim();
    const updated = await this.context.updateState<LgtState>((s) => {
      const current = s ?? state;
      return {
        ...current,
        prompts: [
          ...current.prompts,
          {
            version,
            template: answer.output.prompt,
            rationale: answer.output.rationale,
            parent: active.version,
          },
        ],
        activePrompt: version,
        activeSince: evaluated.length,
      };
    });
    await this.log({
      type: 'prompt.rewritten',
      version,
      parent: active.version,
      rationale: answer.output.rationale,
      diff,
    });
    return updated ?? state;
  }

  private async setActive(version: number, since: number): Promise<LgtState | null> {
    return this.context.updateState<LgtState>((s) =>
      s ? { ...s, activePrompt: version, activeSince: since } : null,
    );
  }

  private meanScore(rounds: Round[]): number | null {
    const scores = rounds.map((r) => r.score).filter((v): v is number => typeof v === 'number');
    return scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  }

  private worse(a: number, b: number): boolean {
    return this.task.metric.direction === 'maximize' ? a < b : a > b;
  }

  /** Per prompt version: the proposals its rounds made and what they scored. */
  private promptHistory(state: LgtState, views: TrialView[]): string {
    return state.prompts
      .map((p) => {
        const rounds = state.rounds.filter((r) => r.promptVersion === p.version && r.evaluated);
        const lines = rounds.flatMap((r) =>
          views
            .filter((t) => t.number >= r.firstTrial && t.number < r.firstTrial + r.size)
            .map(
              (t) =>
                `  #${t.number} ${this.task.metric.name} ${t.value ?? 'n/a'} (${t.state}): ${t.reason}`,
            ),
        );
        return `Version ${p.version}${p.parent !== null ? ` (from v${p.parent}: ${p.rationale})` : ''}: ${rounds.length} rounds, mean ${formatNumber(this.meanScore(rounds))}\n${lines.join('\n')}`;
      })
      .join('\n');
  }

  /**
   * The Advisor's proposals for this round, checked against the search space and the history;
   * refused ones go back to it with the exact errors, then numeric proposals fill the gaps.
   */
  private async advise(state: LgtState, views: TrialView[], count: number): Promise<Proposal[]> {
    const accepted: Proposal[] = [];
    const seen = new Set(views.map((t) => configKey(t.config)));
    const template = state.prompts.find((p) => p.version === state.activePrompt)!.template;
    const candidates = this.options.candidates
      ? await this.options.candidates.propose(views, count * 2)
      : undefined;
    let rejected: string | undefined;
    let advisor = this.agents.advisor;
    for (let turn = 0; turn < this.options.maxAdvisorTurns && accepted.length < count; turn++) {
      const input = {
        task: this.task,
        trials: views,
        feedback: state.feedback,
        lessons: state.lessons,
        count: count - accepted.length,
        budget: await this.budgetText(views),
        template,
        ...(candidates
          ? {
              candidates,
              candidatesState: `${this.options.candidates!.name} search has seen ${views.length} trials (its model learns from all of them); its candidates follow, best first.`,
            }
          : {}),
        ...(rejected ? { rejected } : {}),
      };
      let answer;
      try {
        answer = await advisor.advise(input);
      } catch (error) {
        await this.log({
          type: 'agent.fallback',
          agent: 'advisor',
          reason: `the LLM Advisor failed (${(error as Error).message}); rules propose instead`,
        });
        advisor = this.agents.fallbackAdvisor;
        answer = await advisor.advise(input);
      }
      await this.record('advisor', answer, answer.meta.rules ? undefined : state.activePrompt);
      const problems: string[] = [];
      answer.output.proposals.forEach((p, i) => {
        if (accepted.length >= count) return;
        const result = this.task.space.validate(p.config);
        if (!result.ok) {
          problems.push(`proposal ${i + 1}: ${result.errors.map((e) => e.message).join('; ')}`);
          return;
        }
        const key = configKey(result.config as Config);
        if (seen.has(key)) {
          problems.push(
            `proposal ${i + 1}: this configuration was already tried or proposed (${formatConfig(result.config as Config, ', ')})`,
          );
          return;
        }
        seen.add(key);
        accepted.push({
          config: result.config as Config,
          reason: p.reason,
          expectedEffect: p.expected_effect,
          source: answer.meta.rules ? 'rules' : this.name,
        });
      });
      rejected = problems.length ? problems.join('\n') : undefined;
    }
    if (accepted.length < count) {
      const fill = (await this.options.numericFallback.propose(views, count))
        .filter((p) => !seen.has(configKey(p.config)))
        .slice(0, count - accepted.length);
      if (fill.length) {
        await this.log({
          type: 'agent.fallback',
          agent: 'advisor',
          reason: `${fill.length} proposal(s) replaced by ${this.options.numericFallback.name} search${rejected ? ` after the Advisor's were refused: ${rejected}` : ''}`,
        });
        accepted.push(
          ...fill.map((p) => ({ ...p, source: `fallback-${this.options.numericFallback.name}` })),
        );
      }
    }
    return accepted;
  }

  private async budgetText(views: TrialView[]): Promise<string> {
    const r = this.campaign.request;
    const parts = [`${r.maxTrials - views.length} of ${r.maxTrials} trials left`];
    // The limit, not the seconds left: the prompt must be the same whenever it is asked, or a
    // campaign with a time limit could never be replayed from the LLM cache (nor a resumed
    // driver ask what the dead one asked). The driver stops the trials when the time is up.
    if (r.timeLimitSeconds)
      parts.push(`a wall-clock limit of ${r.timeLimitSeconds} s for the whole campaign`);
    if (r.llmBudget && r.agents === 'llm') {
      const spent = await this.context.llmUsage();
      if (r.llmBudget.tokens !== undefined)
        parts.push(`${Math.max(0, r.llmBudget.tokens - spent.tokens)} LLM tokens left`);
      if (r.llmBudget.costUsd !== undefined)
        parts.push(
          `$${Math.max(0, r.llmBudget.costUsd - spent.costUsd).toFixed(4)} of LLM budget left`,
        );
    }
    return parts.join('; ') + '.';
  }
}
