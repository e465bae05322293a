import { lossOf } from '../maths/direction.ts';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { Rng } from '../random/rng.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { configKey } from './config-sampling.ts';
import {
  fitJointParzen,
  jointParzenLogDensity,
  sampleJointParzen,
  type JointPoint,
} from './joint-parzen-estimator.ts';
import {
  fitCategorical,
  fitMixture,
  mixtureLogDensity,
  sampleCategorical,
  sampleMixture,
} from './parzen-estimator.ts';
import { RandomStrategy } from './random-strategy.ts';
import { SpaceEncoding } from './space-encoding.ts';
import { smallest } from './history-window.ts';
import type { Proposal, Strategy } from './strategy.ts';
import type { Direction } from '../maths/direction.ts';
import { completeResults, goodFirstOrder, type ObjectiveSet } from '../trade-offs/objective-set.ts';

export interface TpeOptions {
  /** Random trials before the model is used. */
  startupTrials: number;
  /** Candidates drawn from the good density per proposal; the best by l(x)/g(x) wins. */
  candidates: number;
  /** Weight of the prior component in every estimator. */
  priorWeight: number;
  /**
   * One joint density over all dimensions (true), or one independent density per dimension
   * (false, the original TPE and Optuna's default).
   */
  multivariate: boolean;
  /**
   * Results equal to the best one left out of the good group go with the bad ones too (true),
   * or the split cuts through them in history order (false, as Optuna does).
   */
  tiesToBad: boolean;
  /**
   * The model learns from the latest `window` results and the best ones of all (as many as the
   * good group holds), not from every result: a proposal's cost is then bounded however long
   * the campaign. Campaigns of up to `window` results are unaffected. Infinity: every result.
   */
  window: number;
}

const DEFAULTS: TpeOptions = {
  startupTrials: 10,
  candidates: 24,
  priorWeight: 1,
  multivariate: true,
  tiesToBad: true,
  window: 300,
};

/** Finished trials as the model learns from them, each with its place in the history. */
interface Results {
  scored: { trial: TrialRecord; loss: number; at: number }[];
  failed: { trial: TrialRecord; at: number }[];
}

interface Observation extends JointPoint {
  config: Config;
  loss: number;
}

/** How many observations are "good": 10% of them, at least one, at most 25 (as Optuna). */
export function goodCount(n: number): number {
  return Math.max(1, Math.min(25, Math.ceil(0.1 * n)));
}

/**
 * The size of the good group once ties are respected. When the first result left out equals
 * the last ones kept (a metric that takes few values, such as accuracy on a small validation
 * split where many configurations answer the majority class), which of the equal results count
 * as good would be decided by history order alone, so they all go with the bad ones. That may
 * leave no good result: then l(x) is the prior alone, and TPE looks where the bad results are not.
 */
export function goodCountWithoutTies(sortedLosses: readonly number[], nGood: number): number {
  if (nGood >= sortedLosses.length) return nGood;
  const boundary = sortedLosses[nGood]!;
  let k = nGood;
  while (k > 0 && sortedLosses[k - 1] === boundary) k--;
  return k;
}

/**
 * The Tree-structured Parzen Estimator. Finished trials are split into the best gamma fraction
 * and the rest (results tied across the split go with the rest); the good ones get a density
 * l(x), the others g(x). By default each is one joint Parzen estimator over every dimension
 * (joint-parzen-estimator.ts); with `multivariate: false`, independent mixtures per dimension
 * (parzen-estimator.ts). Either way a conditional dimension learns only from trials where it
 * applied and is scored only where it applies. Candidates are drawn from l and the one with the
 * largest log l(x) - log g(x) (expected improvement, up to a monotone transform) is proposed.
 * Running trials count as bad results (a constant liar), as does each proposal of the same
 * batch once chosen, so parallel proposals spread out.
 */
export class TpeStrategy implements Strategy {
  readonly name = 'tpe';
  private readonly encoding: SpaceEncoding;
  private readonly options: TpeOptions;
  private readonly startup: RandomStrategy;
  /** Each configuration's encoding, worked out once (configurations never change). */
  private readonly encoded = new WeakMap<Config, Omit<Observation, 'config' | 'loss'>>();

  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
    private readonly direction: Direction,
    options: Partial<TpeOptions> = {},
    /** A trade-off to tune (several objectives, constraints): multi-objective TPE. */
    private readonly objectives?: ObjectiveSet,
  ) {
    this.encoding = new SpaceEncoding(space);
    // A trade-off's densities are independent per dimension unless told: measured on the
    // YAHPO-MO LCBench problems (docs/trade-offs.md), the joint estimator trailed Optuna's
    // multi-objective TPE on three of six at 100 trials, the independent ones led it on three
    // and were level on the rest.
    this.options = {
      ...DEFAULTS,
      ...(objectives?.isTradeOff ? { multivariate: false } : {}),
      ...options,
    };
    this.startup = new RandomStrategy(space, seed);
  }

  /** What its proposals' reasons call it. */
  private get label(): string {
    if (!this.objectives?.isTradeOff) return 'TPE';
    return this.objectives.isMulti ? 'multi-objective TPE' : 'constrained TPE';
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const finished = this.observations(history);
    if (finished.length < this.options.startupTrials) {
      return (await this.startup.propose(history, count)).map((p) => ({
        ...p,
        reason: `${this.label} start-up: ${p.reason} (${finished.length} of ${this.options.startupTrials} results before the model)`,
      }));
    }
    const seen = new Set(history.map((t) => configKey(t.config)));
    const worst = Math.max(...finished.map((o) => o.loss).filter(Number.isFinite), 0);
    // Constant liar: trials without a result yet are assumed to be as bad as the worst so far.
    const pending = history
      .filter((t) => t.value === undefined && !['failed', 'cancelled'].includes(t.state))
      .map((t) => this.observe(t.config, worst));
    const proposals: Proposal[] = [];
    const rng = new Rng(this.seed * 1_000_003 + history.length * 7919 + 3);
    for (let i = 0; i < count; i++) {
      const observations = [...finished, ...pending];
      const { config, score, good } = this.best(observations, rng, seen);
      if (!config) {
        // Every candidate was tried already (a small space): a random new one, if any is left.
        const [fresh] = await this.startup.propose(
          [...history, ...proposals.map((p) => ({ ...history[0]!, config: p.config }))],
          1,
        );
        if (!fresh || seen.has(configKey(fresh.config))) break;
        seen.add(configKey(fresh.config));
        pending.push(this.observe(fresh.config, worst));
        proposals.push({
          ...fresh,
          reason: `TPE: every candidate was tried already; ${fresh.reason}`,
        });
        continue;
      }
      seen.add(configKey(config));
      pending.push(this.observe(config, worst));
      proposals.push({
        config,
        reason: `${this.label}: best of ${this.options.candidates} candidates by l(x)/g(x) (log ratio ${score.toFixed(2)}), ${good} good of ${observations.length} results${pending.length > 1 ? `, ${pending.length - 1} pending as liars` : ''}`,
      });
    }
    return proposals;
  }

  /**
   * The results the model learns from: within the window (see TpeOptions.window), the latest
   * ones and the best of all; failures count as a little worse than the worst result.
   */
  private observations(history: readonly TrialRecord[]): Observation[] {
    const { scored, failed } = this.objectives?.isTradeOff
      ? this.ranked(this.objectives, history)
      : this.scored(history);
    const resultAt = [...scored, ...failed].map((r) => r.at).sort((a, b) => a - b);
    let worst = -Infinity;
    for (const r of scored) if (r.loss > worst) worst = r.loss;
    const failedLoss = (scored.length ? worst : 0) + 1;
    let keep = (_at: number) => true;
    const window = this.options.window;
    if (resultAt.length > window) {
      const cut = resultAt[resultAt.length - window]!;
      // The latest `window` results, and the best of the older ones (as many as the good group
      // takes) so the incumbent's region is never forgotten: a selection, not a sort of all.
      const best = new Set(
        smallest(
          scored.filter((r) => r.at < cut),
          goodCount(window),
          (r) => r.loss,
        ).map((r) => r.at),
      );
      keep = (at) => at >= cut || best.has(at);
    }
    return [
      ...scored.filter((r) => keep(r.at)).map((r) => this.observe(r.trial.config, r.loss)),
      ...failed.filter((r) => keep(r.at)).map((r) => this.observe(r.trial.config, failedLoss)),
    ];
  }

  /** One objective: a trial's loss is its value (pruned trials at the epoch they stopped). */
  private scored(history: readonly TrialRecord[]): Results {
    const scored: Results['scored'] = [];
    const failed: Results['failed'] = [];
    history.forEach((t, at) => {
      if ((t.state === 'completed' || t.state === 'pruned') && typeof t.value === 'number')
        scored.push({ trial: t, loss: lossOf(t.value, this.direction), at });
      else if (t.state === 'failed' || (t.state === 'completed' && t.value === null))
        failed.push({ trial: t, at });
    });
    return { scored, failed };
  }

  /**
   * A trade-off (multi-objective TPE, constrained TPE): a trial's "loss" is its place in
   * goodFirstOrder (feasible fronts first, the front the split cuts through ordered by what each
   * member adds to the hypervolume, then infeasible trials by how far they miss). Only complete
   * results are ranked; a pruned trial (half its peers beat it in every objective) and a
   * completed trial without every objective go with the failed ones, below every result.
   */
  private ranked(set: ObjectiveSet, history: readonly TrialRecord[]): Results {
    const at = new Map(history.map((t, i) => [t, i]));
    const results = completeResults(set, history);
    const scored = goodFirstOrder(results).map((k, place) => ({
      trial: results[k]!.trial,
      loss: place,
      at: at.get(results[k]!.trial)!,
    }));
    const failed: Results['failed'] = [];
    history.forEach((t, i) => {
      if (
        t.state === 'failed' ||
        t.state === 'pruned' ||
        (t.state === 'completed' && !set.lossesOf(t) && !t.segment)
      )
        failed.push({ trial: t, at: i });
    });
    return { scored, failed };
  }

  private observe(config: Config, loss: number): Observation {
    let encoded = this.encoded.get(config);
    if (!encoded) {
      encoded = {
        ...this.encoding.encode(config),
        numericActive: this.encoding.numeric.map((p) => this.encoding.isActive(p.name, config)),
        choiceActive: this.encoding.categorical.map((p) => this.encoding.isActive(p.name, config)),
      };
      this.encoded.set(config, encoded);
    }
    return { config, ...encoded, loss };
  }

  /** The candidate with the largest log l(x) - log g(x), or none when every one was tried. */
  private best(
    observations: Observation[],
    rng: Rng,
    seen: Set<string>,
  ): { config: Config | null; score: number; good: number } {
    const sorted = [...observations].sort((a, b) => a.loss - b.loss);
    const nGood = this.options.tiesToBad
      ? goodCountWithoutTies(
          sorted.map((o) => o.loss),
          goodCount(sorted.length),
        )
      : goodCount(sorted.length);
    const fit = (group: Observation[]) =>
      this.options.multivariate ? this.jointDensity(group) : this.independentDensities(group);
    const l = fit(sorted.slice(0, nGood));
    const g = fit(sorted.slice(nGood));
    let bestConfig: Config | null = null;
    let bestScore = -Infinity;
    for (let c = 0; c < this.options.candidates; c++) {
      const drawn = l.sample(rng);
      const config = this.encoding.decode(drawn.u, drawn.choices);
      if (seen.has(configKey(config))) continue;
      // Scored where it landed once decoded (integers rounded, inactive dimensions dropped).
      const point = this.observe(config, 0);
      const score = l.logDensity(point) - g.logDensity(point);
      if (score > bestScore) {
        bestScore = score;
        bestConfig = config;
      }
    }
    return { config: bestConfig, score: bestScore, good: nGood };
  }

  /** One product kernel per observation over all dimensions (see joint-parzen-estimator.ts). */
  private jointDensity(group: Observation[]): Density {
    const m = fitJointParzen(
      group,
      this.encoding.choiceCounts,
      this.encoding.numeric.length,
      this.options.priorWeight,
    );
    return {
      sample: (rng) => sampleJointParzen(m, rng),
      logDensity: (x) => jointParzenLogDensity(m, x),
    };
  }

  /** Independent densities per dimension, each learning only from trials where it applied. */
  private independentDensities(group: Observation[]): Density {
    const { priorWeight } = this.options;
    const numeric = this.encoding.numeric.map((_, d) =>
      fitMixture(
        group.filter((o) => o.numericActive[d]).map((o) => o.u[d]!),
        priorWeight,
      ),
    );
    const counts = this.encoding.choiceCounts;
    const choices = counts.map((count, d) =>
      fitCategorical(
        group.filter((o) => o.choiceActive[d]).map((o) => o.choices[d]!),
        count,
        priorWeight,
      ),
    );
    return {
      sample: (rng) => ({
        u: numeric.map((m) => sampleMixture(m, rng)),
        choices: choices.map((p) => sampleCategorical(p, rng)),
      }),
      logDensity: (x) => {
        let sum = 0;
        numeric.forEach((m, d) => {
          if (x.numericActive[d]) sum += mixtureLogDensity(m, x.u[d]!);
        });
        choices.forEach((p, d) => {
          if (x.choiceActive[d]) sum += Math.log(p[x.choices[d]!]!);
        });
        return sum;
      },
    };
  }
}

/** l(x) or g(x): where candidates come from, and how likely a point is. */
interface Density {
  sample(rng: Rng): { u: number[]; choices: number[] };
  logDensity(x: JointPoint): number;
}
