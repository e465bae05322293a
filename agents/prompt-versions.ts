import { createTwoFilesPatch } from 'diff';
import { formatNumber } from '../src/format/display-format.js';
import type { TrialView } from './campaign-digest.ts';
import { LgtStateSchema, meanScore, type LgtSession, type LgtState } from './lgt-session.ts';
import { templateProblem, templateVariables } from './prompt-templates.ts';

/**
 * The Advisor's prompt versions: the Optimizer rewrites the prompt (a rewrite that drops a
 * placeholder is refused), and a rewrite whose rounds do worse than its parent's is rolled back.
 */
export class PromptVersions {
  constructor(private readonly s: LgtSession) {}

  /**
   * Every `optimizeEvery` rounds, or after two rounds without a new best, the Optimizer rewrites
   * the Advisor's prompt. First, a rewrite whose rounds did worse than its parent's is undone.
   */
  async maybeOptimize(state: LgtState, views: TrialView[]): Promise<LgtState> {
    const evaluated = state.rounds.filter((r) => r.evaluated);
    const sinceRewrite = evaluated.filter((r) => r.index >= state.activeSince);
    const active = state.prompts.find((p) => p.version === state.activePrompt)!;
    if (active.parent !== null && sinceRewrite.length >= 2) {
      const mine = meanScore(sinceRewrite);
      const parentRounds = evaluated.filter((r) => r.promptVersion === active.parent);
      const theirs = meanScore(parentRounds);
      if (mine !== null && theirs !== null && this.worse(mine, theirs)) {
        const reverted = await this.setActive(active.parent, evaluated.length);
        await this.s.log({
          type: 'prompt.reverted',
          from: active.version,
          to: active.parent,
          reason: `mean ${this.s.task.metric.name} ${formatNumber(mine)} over ${sinceRewrite.length} rounds vs ${formatNumber(theirs)} before the rewrite`,
        });
        return reverted ?? state;
      }
    }
    const stagnant =
      sinceRewrite.length >= 2 && sinceRewrite.slice(-2).every((r) => !r.improvedBest);
    if (sinceRewrite.length < this.s.options.optimizeEvery && !stagnant) return state;
    if (await this.s.budgetSpent()) return state;
    const required = templateVariables(state.prompts[0]!.template);
    let answer;
    try {
      answer = await this.s.agents.optimizer!.optimize({
        version: active.version,
        template: active.template,
        requiredVariables: required,
        history: this.promptHistory(state, views),
      });
    } catch (error) {
      await this.s.log({
        type: 'agent.fallback',
        agent: 'optimizer',
        reason: `the Optimizer failed (${(error as Error).message}); the prompt stays`,
      });
      return (await this.setActive(state.activePrompt, evaluated.length)) ?? state;
    }
    await this.s.record('optimizer', answer);
    const problem = templateProblem(answer.output.prompt, required);
    if (problem) {
      await this.s.log({ type: 'prompt.rejected', reason: problem });
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
      .slice(1)
      .join('\n')
      .trim();
    const updated = await this.s.context.updateState(LgtStateSchema, (s) => {
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
    await this.s.log({
      type: 'prompt.rewritten',
      version,
      parent: active.version,
      rationale: answer.output.rationale,
      diff,
    });
    return updated ?? state;
  }

  private async setActive(version: number, since: number): Promise<LgtState | null> {
    return this.s.context.updateState(LgtStateSchema, (s) =>
      s ? { ...s, activePrompt: version, activeSince: since } : null,
    );
  }

  private worse(a: number, b: number): boolean {
    return this.s.task.metric.direction === 'maximize' ? a < b : a > b;
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
                `  #${t.number} ${this.s.task.metric.name} ${t.value ?? 'n/a'} (${t.state}): ${t.reason}`,
            ),
        );
        return `Version ${p.version}${p.parent !== null ? ` (from v${p.parent}: ${p.rationale})` : ''}: ${rounds.length} rounds, mean ${formatNumber(meanScore(rounds))}\n${lines.join('\n')}`;
      })
      .join('\n');
  }
}
