import type { TrialRecord } from '../contracts/campaign-records.ts';
import type { SearchSpace } from '../search-space/search-space.ts';
import type { StrategyContext } from './strategy-context.ts';
import type { Proposal, Strategy } from './strategy.ts';

/** What `--strategy auto` runs, and why. */
export interface AutoChoice {
  strategy: 'gp' | 'tpe';
  reason: string;
}

/**
 * The sampler for a space, as Optuna's AutoSampler and the evidence of bench/tuning.ts and the
 * Optuna side by side suggest (docs/benchmarks.md): a Gaussian process for numeric or mostly
 * numeric spaces (at 50 and 100 trials it led both tools' samplers on Branin, Hartmann-6 and
 * the LCBench instances measured, and was level with Optuna's CMA-ES on Rosenbrock-10 and with
 * TPE on noisy Hartmann-6), TPE where choices make up a third or more of the space (one-hot
 * coordinates are where a GP's kernel helps least; see the rule below for why a third). A
 * long campaign stays on the GP: its window bounds the cost of a proposal however many trials
 * there are.
 */
export function chooseAuto(space: SearchSpace): AutoChoice {
  const params = space.params;
  const numeric = params.filter((p) => p.kind !== 'choice').length;
  const choices = params.length - numeric;
  const conditional = params.filter((p) => p.when).length;
  const described = `${numeric} numeric, ${choices} choice, ${conditional} conditional dimensions`;
  // Choices, not conditions, decide: each becomes one-hot coordinates in the GP's kernel, while
  // a numeric dimension that applies only sometimes costs it little. Measured (docs/benchmarks.md):
  // on bench:mixed (2 choices of 9 dimensions, its 7 numeric ones all conditional) gp led TPE at
  // 50 and 100 trials (p = 0.003, 0.0003); on the tabular tasks' spaces (9 to 11 choices of 21 to
  // 23) TPE shipped results level or ahead, its single picks held up better, in a half to an
  // eighth of the time. A third lies between the two.
  if (numeric === 0 || 3 * choices >= params.length)
    return {
      strategy: 'tpe',
      reason: `${described}: a third or more are choices, where TPE's densities do better than a GP's kernel`,
    };
  return {
    strategy: 'gp',
    reason: `${described}: mostly numeric, where a Gaussian process with log EI leads at budgets of 20 to a few hundred trials`,
  };
}

/**
 * `--strategy auto`: the chosen sampler's proposals, each saying so; the choice is logged once
 * as a `strategy.chosen` event (the campaign log, `lgt status`, the report's events).
 */
export class AutoStrategy implements Strategy {
  readonly name = 'auto';

  constructor(
    private readonly chosen: Strategy,
    private readonly choice: AutoChoice,
    private readonly context: StrategyContext,
  ) {}

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    // Once per campaign, whichever driver gets here first (the state is the campaign's).
    const first = await this.context.updateState<{ logged: true }>((now) =>
      now ? null : { logged: true },
    );
    if (first)
      await this.context.log({
        type: 'strategy.chosen',
        strategy: this.choice.strategy,
        reason: this.choice.reason,
      });
    const proposals = await this.chosen.propose(history, count);
    return proposals.map((p) => ({ ...p, source: p.source ?? this.chosen.name }));
  }
}
