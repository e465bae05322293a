import { formatConfig } from '../src/search-space/format-config.ts';
import type { Config } from '../src/search-space/search-space.ts';
import { configKey } from '../src/strategies/config-sampling.ts';
import type { Proposal } from '../src/strategies/strategy.ts';
import type { TrialView } from './campaign-digest.ts';
import type { LgtSession, LgtState } from './lgt-session.ts';

/**
 * The Advisor's turns of a round: its proposals are checked against the search space and the
 * history; refused ones go back to it with the exact errors (up to maxAdvisorTurns), a failing
 * LLM Advisor hands over to the rule-based one, and numeric proposals fill what is left.
 */
export class AdvisorTurns {
  constructor(private readonly s: LgtSession) {}

  /**
   * The Advisor's proposals for this round, checked against the search space and the history;
   * refused ones go back to it with the exact errors, then numeric proposals fill the gaps.
   */
  async advise(state: LgtState, views: TrialView[], count: number): Promise<Proposal[]> {
    const accepted: Proposal[] = [];
    const seen = new Set(views.map((t) => configKey(t.config)));
    const template = state.prompts.find((p) => p.version === state.activePrompt)!.template;
    const candidates = this.s.options.candidates
      ? await this.s.options.candidates.propose(views, count * 2)
      : undefined;
    let rejected: string | undefined;
    if (candidates?.length && this.s.agents.chooser)
      accepted.push(...(await this.chosen(state, views, candidates, count, seen, template)));
    let advisor = this.s.agents.advisor;
    for (let turn = 0; turn < this.s.options.maxAdvisorTurns && accepted.length < count; turn++) {
      const input = {
        task: this.s.task,
        trials: views,
        feedback: state.feedback,
        lessons: state.lessons,
        count: count - accepted.length,
        budget: this.budgetText(views),
        template,
        ...(candidates
          ? {
              candidates,
              candidatesState: `${this.s.options.candidates!.name} search has seen ${views.length} trials (its model learns from all of them); its candidates follow, best first.`,
            }
          : {}),
        ...(rejected ? { rejected } : {}),
      };
      let answer;
      try {
        answer = await advisor.advise(input);
      } catch (error) {
        await this.s.log({
          type: 'agent.fallback',
          agent: 'advisor',
          reason: `the LLM Advisor failed (${(error as Error).message}); rules propose instead`,
        });
        advisor = this.s.agents.fallbackAdvisor;
        answer = await advisor.advise(input);
      }
      await this.s.record('advisor', answer, answer.meta.rules ? undefined : state.activePrompt);
      const problems: string[] = [];
      answer.output.proposals.forEach((p, i) => {
        if (accepted.length >= count) return;
        const result = this.s.task.space.validate(p.config);
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
          source: answer.meta.rules ? 'rules' : this.s.name,
        });
      });
      rejected = problems.length ? problems.join('\n') : undefined;
    }
    if (accepted.length < count) {
      const fill = (await this.s.options.numericFallback.propose(views, count))
        .filter((p) => !seen.has(configKey(p.config)))
        .slice(0, count - accepted.length);
      if (fill.length) {
        await this.s.log({
          type: 'agent.fallback',
          agent: 'advisor',
          reason: `${fill.length} proposal(s) replaced by ${this.s.options.numericFallback.name} search${rejected ? ` after the Advisor's were refused: ${rejected}` : ''}`,
        });
        accepted.push(
          ...fill.map((p) => ({ ...p, source: `fallback-${this.s.options.numericFallback.name}` })),
        );
      }
    }
    return accepted;
  }

  /**
   * The decision form (hybrid with proxy-tuned Advisor decisions): the most probable of the
   * candidates by their labels' logprobs. A failure leaves the round to the Advisor's turns.
   */
  private async chosen(
    state: LgtState,
    views: TrialView[],
    candidates: Proposal[],
    count: number,
    seen: Set<string>,
    template: string,
  ): Promise<Proposal[]> {
    const fresh = candidates.filter((c) => !seen.has(configKey(c.config)));
    if (fresh.length < 2) return [];
    try {
      const answer = await this.s.agents.chooser!.choose({
        task: this.s.task,
        trials: views,
        feedback: state.feedback,
        lessons: state.lessons,
        count,
        budget: this.budgetText(views),
        template,
        candidates: fresh,
      });
      await this.s.record('advisor', answer, state.activePrompt);
      return answer.output.proposals.map((p) => {
        seen.add(configKey(p.config as Config));
        return {
          config: p.config as Config,
          reason: p.reason,
          expectedEffect: p.expected_effect,
          source: this.s.name,
        };
      });
    } catch (error) {
      await this.s.log({
        type: 'agent.fallback',
        agent: 'advisor',
        reason: `the proxy-tuned choice among candidates failed (${(error as Error).message}); the Advisor proposes instead`,
      });
      return [];
    }
  }

  private budgetText(views: TrialView[]): string {
    const r = this.s.campaign.request;
    const parts = [`${r.maxTrials - views.length} of ${r.maxTrials} trials left`];
    // The limit, not the seconds left: the prompt must be the same whenever it is asked, or a
    // campaign with a time limit could never be replayed from the LLM cache (nor a resumed
    // driver ask what the dead one asked). The driver stops the trials when the time is up.
    if (r.timeLimitSeconds)
      parts.push(`a wall-clock limit of ${r.timeLimitSeconds} s for the whole campaign`);
    // The budget, not what is left of it, for the same reason (a replayed call spends nothing).
    if (r.llmBudget && r.agents === 'llm') {
      if (r.llmBudget.tokens !== undefined)
        parts.push(`an LLM budget of ${r.llmBudget.tokens} tokens`);
      if (r.llmBudget.costUsd !== undefined) parts.push(`an LLM budget of $${r.llmBudget.costUsd}`);
    }
    return parts.join('; ') + '.';
  }
}
