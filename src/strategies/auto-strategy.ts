import { AutoStateSchema } from '../contracts/campaign-report.ts';
import { type TrialRecord } from '../contracts/trial-record.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { GP_WINDOW } from './gp-strategy.ts';
import type { StrategyContext } from './strategy-context.ts';
import type { Proposal, Strategy } from './strategy.ts';

/** What `--strategy auto` runs, and why; and for a long numeric campaign, what follows it. */
export interface AutoChoice {
  strategy: 'gp' | 'tpe' | 'nsga2';
  reason: string;
  /** From this many trials on (the default's and the baselines' included), the successor runs. */
  handover?: { at: number; strategy: 'cmaes'; reason: string };
}

/**
 * Trials after which a numeric campaign hands over from the GP to CMA-ES: the GP's window
 * (GP_WINDOW, 250). Past it the GP's posterior no longer reads every result, while each of its
 * proposals costs the most it will (seconds, cubic in the window), against milliseconds for
 * CMA-ES. Not earlier, as measured (docs/benchmarks.md, "Long campaigns"): handed over at 100
 * trials, the 200-trial regret was within the noise of the GP's on Branin, Hartmann-6 and
 * Rosenbrock-10 (5 seeds; on Rosenbrock twice the GP's mean, 601 against 291, p = 0.42), for a
 * quarter of the proposal time; nothing showed the hand-over paying in regret, so it waits.
 */
export const HANDOVER_AT = GP_WINDOW;

/**
 * CMA-ES's first step size after the hand-over, in the unit box (its default sigma0 is 1/6):
 * it starts at the GP's best trial and refines around it; its restarts explore at sigma0.
 * Measured against warm starts from the best tenth of the history (their mean and covariance,
 * as warm-starting CMA-ES does, Nomura et al. 2021), which on Branin's three optima started
 * between them: the incumbent with 0.05 had the lowest mean regret on all three functions.
 */
export const HANDOVER_SIGMA = 0.05;

/**
 * Budgets above which a trade-off is tuned by NSGA-II rather than multi-objective TPE. Optuna's
 * guidance puts TPE at 100 to 1,000 trials and NSGA-II at a thousand and more (a generational
 * algorithm needs many generations of its population); lgt has not measured its own crossover.
 */
export const TRADE_OFF_NSGA2_FROM = 1000;

/** The sampler for a trade-off (several objectives or constraints), by budget. */
export function chooseAutoTradeOff(budget?: number): AutoChoice {
  if (budget !== undefined && budget >= TRADE_OFF_NSGA2_FROM)
    return {
      strategy: 'nsga2',
      reason: `a trade-off with a budget of ${budget} trials: NSGA-II, whose generations of 20 have room to evolve`,
    };
  return {
    strategy: 'tpe',
    reason: `a trade-off with a budget of ${budget ?? 'unknown'} trials: multi-objective TPE, which learns from every result where NSGA-II needs many generations`,
  };
}

/**
 * The sampler for a space, as Optuna's AutoSampler and the evidence of bench/tuning.ts and the
 * Optuna side by side suggest (docs/benchmarks.md): a Gaussian process for numeric or mostly
 * numeric spaces (at 50 and 100 trials it led both tools' samplers on Branin, Hartmann-6 and
 * the LCBench instances measured, and was level with Optuna's CMA-ES on Rosenbrock-10 and with
 * TPE on noisy Hartmann-6), TPE where choices make up a third or more of the space (one-hot
 * coordinates are where a GP's kernel helps least; see the rule below for why a third). A
 * campaign on the GP whose budget runs past `handoverAt` trials hands over to CMA-ES there,
 * started at the best trial so far (see HANDOVER_AT).
 */
export function chooseAuto(
  space: SearchSpace,
  budget?: number,
  handoverAt: number = HANDOVER_AT,
): AutoChoice {
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
  const choice: AutoChoice = {
    strategy: 'gp',
    reason: `${described}: mostly numeric, where a Gaussian process with log EI leads at budgets of 20 to a few hundred trials`,
  };
  if (budget !== undefined && budget > handoverAt)
    choice.handover = {
      at: handoverAt,
      strategy: 'cmaes',
      reason: `${handoverAt} trials in: the GP's window no longer holds every result and its proposals cost seconds, CMA-ES's milliseconds; CMA-ES starts at the best trial so far and refines around it`,
    };
  return choice;
}

/**
 * `--strategy auto`: the chosen sampler's proposals, each saying so, and past the hand-over the
 * successor's. Each choice is logged once as a `strategy.chosen` event (the campaign log and the
 * report's events) and kept in the strategy's state (`lgt status`, the API's overview).
 */
export class AutoStrategy implements Strategy {
  readonly name = 'auto';

  constructor(
    private readonly chosen: Strategy,
    private readonly choice: AutoChoice,
    private readonly context: StrategyContext,
    /** What runs from `choice.handover.at` trials on (required when the choice has a hand-over). */
    private readonly successor?: Strategy,
  ) {}

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const handedOver = this.handedOver(history);
    const [strategy, reason, fromTrial] = handedOver
      ? [this.successor!, this.choice.handover!.reason, history.length + 1]
      : [this.chosen, this.choice.reason, 1];
    // Once per choice, whichever driver gets here first (the state is the campaign's).
    const noted = await this.context.updateState(AutoStateSchema, (now) =>
      now?.ran?.some((r) => r.strategy === strategy.name)
        ? null
        : { ran: [...(now?.ran ?? []), { strategy: strategy.name, reason, fromTrial }] },
    );
    if (noted)
      await this.context.log({
        type: 'strategy.chosen',
        strategy: strategy.name,
        reason,
        ...(handedOver ? { fromTrial } : {}),
      });
    const proposals = await strategy.propose(history, count);
    return proposals.map((p) => ({ ...p, source: p.source ?? strategy.name }));
  }

  /** Whether the successor proposes from here on (the budget ran past the hand-over). */
  private handedOver(history: readonly TrialRecord[]): boolean {
    const handover = this.choice.handover;
    return handover !== undefined && this.successor !== undefined && history.length >= handover.at;
  }

  /** An override goes to the sampler that proposed `own` (CMA-ES's members say so). */
  adopt(own: Proposal, config: Config): Proposal {
    const by = own.meta?.['cmaes'] !== undefined && this.successor ? this.successor : this.chosen;
    return by.adopt ? by.adopt(own, config) : { ...own, config };
  }

  /** The state of the sampler that proposes next, where it says one. */
  stateInWords(history: readonly TrialRecord[]): string {
    const now = this.handedOver(history) ? this.successor! : this.chosen;
    return now.stateInWords?.(history) ?? `auto runs ${now.name}: ${this.choice.reason}`;
  }
}
