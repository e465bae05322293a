import type { TrialRecord } from '../contracts/trial-record.ts';
import { Rng } from '../random/rng.ts';
import type { SearchSpace } from '../search-space/search-space.ts';
import { completeResults, survivalOrder, type ObjectiveSet } from '../trade-offs/objective-set.ts';
import { configKey } from './config-sampling.ts';
import { RandomStrategy } from './random-strategy.ts';
import { SpaceEncoding } from './space-encoding.ts';
import type { Proposal, Strategy } from './strategy.ts';

export interface Nsga2Options {
  /** Trials per generation, and the parents each generation is bred from. */
  population: number;
  /** Chance that two parents are crossed (else the child is a copy of one, then mutated). */
  crossoverProbability: number;
  /** SBX's distribution index: larger keeps children nearer their parents. */
  crossoverEta: number;
  /** Polynomial mutation's distribution index: larger makes smaller steps. */
  mutationEta: number;
}

/**
 * Deb et al.'s defaults (2002) for the operators. The population is smaller than their 100 and
 * Optuna's 50: a campaign of 50 to 100 trials should breed more than one or two generations.
 */
const DEFAULTS: Nsga2Options = {
  population: 20,
  crossoverProbability: 0.9,
  crossoverEta: 20,
  mutationEta: 20,
};

/** A child's configuration that repeats a trial is mutated again, this many times at most. */
const MAX_REDRAWS = 20;

/** Where each proposal's generation is kept, in its trial's meta. */
const GENERATION = 'nsga2Generation';

/**
 * NSGA-II (Deb, Pratap, Agarwal and Meyarivan 2002) for one or more objectives, with constraints
 * by constrained domination (their section V: a feasible trial beats an infeasible one; of two
 * infeasible, the smaller violation wins).
 *
 * - Generation 0 is `population` random configurations; generation g + 1 is bred once every
 *   trial of generation g has finished (a generational algorithm; it waits, as CMA-ES does).
 * - The parents of a generation are the best `population` of every complete result so far by
 *   constrained front, then crowding distance ((mu + lambda) over the whole history, which is
 *   what NSGA-II's elitism keeps, read off the trials rather than kept as state, so a driver
 *   that resumes breeds the same children). Trials other strategies added (the default) count.
 * - Each child: two binary tournaments pick its parents (the one earlier in that order wins);
 *   with probability 0.9 they are crossed by simulated binary crossover (SBX) on each numeric
 *   coordinate of the unit box (with probability 1/2 per coordinate, as Deb's code does) and
 *   by uniform crossover on choices; then each coordinate mutates with probability 1/d
 *   (d dimensions): polynomial mutation on numeric ones, a random other option on choices.
 *   Integers are rounded and inactive conditional dimensions dropped when decoding.
 * - Failed trials are no results: never parents. Pruned trials' objectives are partial: the
 *   same.
 *
 * Deterministic for a campaign's seed and history: every draw is seeded by the trial's place.
 */
export class Nsga2Strategy implements Strategy {
  readonly name = 'nsga2';
  private readonly options: Nsga2Options;
  private readonly encoding: SpaceEncoding;
  private readonly random: RandomStrategy;

  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
    private readonly objectives: ObjectiveSet,
    options: Partial<Nsga2Options> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.encoding = new SpaceEncoding(space);
    this.random = new RandomStrategy(space, seed);
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const P = this.options.population;
    const generations = history
      .map((t) => t.meta?.[GENERATION])
      .filter((g): g is number => typeof g === 'number');
    let generation = generations.length ? Math.max(...generations) : 0;
    let bred = generations.filter((g) => g === generation).length;
    if (bred >= P) {
      // The generation is complete: the next one is bred once all of it has finished.
      const open = history.some(
        (t) =>
          t.meta?.[GENERATION] === generation &&
          !['completed', 'pruned', 'failed', 'cancelled'].includes(t.state),
      );
      if (open) return [];
      generation++;
      bred = 0;
    }
    const n = Math.min(count, P - bred);
    if (generation === 0) {
      const drawn = await this.random.propose(history, n);
      return drawn.map((p, i) => ({
        ...p,
        reason: `NSGA-II generation 0 (${bred + i + 1} of ${P}): ${p.reason}`,
        meta: { [GENERATION]: 0 },
      }));
    }
    return this.breed(history, generation, bred, n);
  }

  private async breed(
    history: readonly TrialRecord[],
    generation: number,
    bred: number,
    n: number,
  ): Promise<Proposal[]> {
    const P = this.options.population;
    const results = completeResults(this.objectives, history);
    const parents = survivalOrder(results)
      .slice(0, P)
      .map((i) => results[i]!);
    // Too few complete results to breed from (failed or pruned ones are no parents): random
    // members, so the campaign goes on rather than ending with nothing proposed.
    if (parents.length < 2)
      return (await this.random.propose(history, n)).map((p, i) => ({
        ...p,
        reason: `NSGA-II generation ${generation} (${bred + i + 1} of ${P}): fewer than two complete results to breed from, so ${p.reason}`,
        meta: { [GENERATION]: generation },
      }));
    const seen = new Set(history.map((t) => configKey(t.config)));
    const out: Proposal[] = [];
    for (let i = 0; i < n; i++) {
      const rng = new Rng(this.seed * 1_000_003 + (history.length + i) * 7919 + 11);
      // Binary tournaments on the survival order: the lower place wins.
      const pick = () => Math.min(rng.int(parents.length), rng.int(parents.length));
      const a = pick();
      let b = pick();
      if (b === a) b = (a + 1 + rng.int(parents.length - 1)) % parents.length;
      const mother = this.encoding.encode(parents[a]!.trial.config);
      const father = this.encoding.encode(parents[b]!.trial.config);
      let config = null;
      for (let draw = 0; draw <= MAX_REDRAWS; draw++) {
        const child = this.child(mother, father, rng);
        const candidate = this.encoding.decode(child.u, child.choices);
        if (!seen.has(configKey(candidate))) {
          config = candidate;
          break;
        }
      }
      const reason = `NSGA-II generation ${generation} (${bred + i + 1} of ${P}): child of #${parents[a]!.trial.number} and #${parents[b]!.trial.number} (places ${a + 1} and ${b + 1} of ${parents.length} parents)`;
      if (!config) {
        // Its parents' neighbourhood is exhausted (a small discrete space): a fresh point.
        const fresh = (await this.random.propose(history, out.length + 1)).at(-1);
        if (!fresh || seen.has(configKey(fresh.config))) break;
        config = fresh.config;
      }
      seen.add(configKey(config));
      out.push({ config, reason, meta: { [GENERATION]: generation } });
    }
    return out;
  }

  /** One child of two parents: crossed with probability crossoverProbability, then mutated. */
  private child(
    mother: { u: number[]; choices: number[] },
    father: { u: number[]; choices: number[] },
    rng: Rng,
  ): { u: number[]; choices: number[] } {
    const { crossoverProbability, crossoverEta, mutationEta } = this.options;
    const u = [...mother.u];
    const choices = [...mother.choices];
    if (rng.next() < crossoverProbability) {
      for (let d = 0; d < u.length; d++) {
        if (rng.next() >= 0.5) continue;
        const [c1, c2] = sbx(mother.u[d]!, father.u[d]!, crossoverEta, rng);
        u[d] = rng.next() < 0.5 ? c1 : c2;
      }
      for (let d = 0; d < choices.length; d++)
        if (rng.next() < 0.5) choices[d] = father.choices[d]!;
    }
    const dims = u.length + choices.length;
    for (let d = 0; d < u.length; d++)
      if (rng.next() < 1 / dims) u[d] = polynomialMutation(u[d]!, mutationEta, rng);
    const counts = this.encoding.choiceCounts;
    for (let d = 0; d < choices.length; d++)
      if (counts[d]! > 1 && rng.next() < 1 / dims)
        choices[d] = (choices[d]! + 1 + rng.int(counts[d]! - 1)) % counts[d]!;
    return { u, choices };
  }
}

/**
 * Simulated binary crossover on [0, 1] (Deb and Agrawal 1995, bounded as in Deb's NSGA-II code):
 * two children spread around their parents as one-point crossover spreads bit strings, the
 * spread set by eta and shrunk near a bound so that children stay inside it.
 */
export function sbx(x1: number, x2: number, eta: number, rng: Rng): [number, number] {
  if (Math.abs(x1 - x2) < 1e-14) return [x1, x2];
  const y1 = Math.min(x1, x2);
  const y2 = Math.max(x1, x2);
  const r = rng.next();
  const spread = (beta: number) => {
    const alpha = 2 - Math.pow(beta, -(eta + 1));
    return r <= 1 / alpha
      ? Math.pow(r * alpha, 1 / (eta + 1))
      : Math.pow(1 / (2 - r * alpha), 1 / (eta + 1));
  };
  const low = 0.5 * (y1 + y2 - spread(1 + (2 * y1) / (y2 - y1)) * (y2 - y1));
  const high = 0.5 * (y1 + y2 + spread(1 + (2 * (1 - y2)) / (y2 - y1)) * (y2 - y1));
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return [clamp(low), clamp(high)];
}

/** Polynomial mutation on [0, 1] (Deb and Goyal 1996, bounded): a step whose size eta sets. */
export function polynomialMutation(y: number, eta: number, rng: Rng): number {
  const r = rng.next();
  const power = 1 / (eta + 1);
  let delta: number;
  if (r < 0.5) {
    const v = 2 * r + (1 - 2 * r) * Math.pow(1 - y, eta + 1);
    delta = Math.pow(v, power) - 1;
  } else {
    const v = 2 * (1 - r) + 2 * (r - 0.5) * Math.pow(y, eta + 1);
    delta = 1 - Math.pow(v, power);
  }
  return Math.min(1, Math.max(0, y + delta));
}
