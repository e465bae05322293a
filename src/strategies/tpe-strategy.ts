import type { TrialRecord } from '../campaign/campaign-records.ts';
import { Rng } from '../random/rng.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { configKey } from './config-sampling.ts';
import {
  fitCategorical,
  fitMixture,
  mixtureLogDensity,
  sampleCategorical,
  sampleMixture,
  type TruncatedMixture,
} from './parzen-estimator.ts';
import { RandomStrategy } from './random-strategy.ts';
import { SpaceEncoding } from './space-encoding.ts';
import type { Proposal, Strategy } from './strategy.ts';

export interface TpeOptions {
  /** Random trials before the model is used. */
  startupTrials: number;
  /** Candidates drawn from the good density per proposal; the best by l(x)/g(x) wins. */
  candidates: number;
  /** Weight of the prior component in every estimator. */
  priorWeight: number;
}

const DEFAULTS: TpeOptions = { startupTrials: 10, candidates: 24, priorWeight: 1 };

interface Observation {
  config: Config;
  u: number[];
  choices: number[];
  loss: number;
}

/** How many observations are "good": 10% of them, at least one, at most 25 (as Optuna). */
export function goodCount(n: number): number {
  return Math.max(1, Math.min(25, Math.ceil(0.1 * n)));
}

/**
 * The Tree-structured Parzen Estimator. Finished trials are split into the best gamma fraction
 * and the rest; each dimension gets a density of the good ones, l(x), and of the others, g(x)
 * (Parzen mixtures on the normalized scale, smoothed categoricals; a conditional dimension
 * learns only from trials where it applied). Candidates are drawn from l and the one with the
 * largest sum of log l(x) - log g(x) over its active dimensions (expected improvement, up to a
 * monotone transform) is proposed. Running trials count as bad results (a constant liar), as
 * does each proposal of the same batch once chosen, so parallel proposals spread out.
 */
export class TpeStrategy implements Strategy {
  readonly name = 'tpe';
  private readonly encoding: SpaceEncoding;
  private readonly options: TpeOptions;
  private readonly startup: RandomStrategy;

  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
    private readonly direction: 'maximize' | 'minimize',
    options: Partial<TpeOptions> = {},
  ) {
    this.encoding = new SpaceEncoding(space);
    this.options = { ...DEFAULTS, ...options };
    this.startup = new RandomStrategy(space, seed);
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const finished = this.observations(history);
    if (finished.length < this.options.startupTrials) {
      return (await this.startup.propose(history, count)).map((p) => ({
        ...p,
        reason: `TPE start-up: ${p.reason} (${finished.length} of ${this.options.startupTrials} results before the model)`,
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
      const { config, score } = this.best(observations, rng, seen);
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
        reason: `TPE: best of ${this.options.candidates} candidates by l(x)/g(x) (log ratio ${score.toFixed(2)}), ${goodCount(observations.length)} good of ${observations.length} results${pending.length > 1 ? `, ${pending.length - 1} pending as liars` : ''}`,
      });
    }
    return proposals;
  }

  /** Finished trials as losses to minimize; failed ones (no value) count as the worst. */
  private observations(history: readonly TrialRecord[]): Observation[] {
    const scored = history.filter(
      (t) => (t.state === 'completed' || t.state === 'pruned') && typeof t.value === 'number',
    );
    const losses = scored.map((t) =>
      this.direction === 'maximize' ? -(t.value as number) : (t.value as number),
    );
    const worst = losses.length ? Math.max(...losses) : 0;
    const failed = history.filter(
      (t) => t.state === 'failed' || (t.state === 'completed' && t.value === null),
    );
    return [
      ...scored.map((t, i) => this.observe(t.config, losses[i]!)),
      ...failed.map((t) => this.observe(t.config, worst + 1)),
    ];
  }

  private observe(config: Config, loss: number): Observation {
    return { config, ...this.encoding.encode(config), loss };
  }

  /** The candidate with the largest log l(x) - log g(x), or none when every one was tried. */
  private best(
    observations: Observation[],
    rng: Rng,
    seen: Set<string>,
  ): { config: Config | null; score: number } {
    const sorted = [...observations].sort((a, b) => a.loss - b.loss);
    const nGood = goodCount(sorted.length);
    const good = sorted.slice(0, nGood);
    const bad = sorted.slice(nGood);
    const { numeric, categorical } = this.encoding;
    // A dimension learns only from the trials where it applied (conditional spaces).
    const activeIn = (name: string, group: Observation[]) =>
      group.filter((o) => this.encoding.isActive(name, o.config));
    const numericModels = numeric.map((p, i) => ({
      l: fitMixture(
        activeIn(p.name, good).map((o) => o.u[i]!),
        this.options.priorWeight,
      ),
      g: fitMixture(
        activeIn(p.name, bad).map((o) => o.u[i]!),
        this.options.priorWeight,
      ),
    }));
    const counts = this.encoding.choiceCounts;
    const choiceModels = categorical.map((p, i) => ({
      l: fitCategorical(
        activeIn(p.name, good).map((o) => o.choices[i]!),
        counts[i]!,
        this.options.priorWeight,
      ),
      g: fitCategorical(
        activeIn(p.name, bad).map((o) => o.choices[i]!),
        counts[i]!,
        this.options.priorWeight,
      ),
    }));
    let bestConfig: Config | null = null;
    let bestScore = -Infinity;
    for (let c = 0; c < this.options.candidates; c++) {
      const u = numericModels.map((m) => sampleMixture(m.l, rng));
      const choices = choiceModels.map((m) => sampleCategorical(m.l, rng));
      const config = this.encoding.decode(u, choices);
      if (seen.has(configKey(config))) continue;
      let score = 0;
      numeric.forEach((p, i) => {
        if (this.encoding.isActive(p.name, config))
          score += logRatio(numericModels[i]!.l, numericModels[i]!.g, u[i]!);
      });
      categorical.forEach((p, i) => {
        if (this.encoding.isActive(p.name, config))
          score +=
            Math.log(choiceModels[i]!.l[choices[i]!]!) - Math.log(choiceModels[i]!.g[choices[i]!]!);
      });
      if (score > bestScore) {
        bestScore = score;
        bestConfig = config;
      }
    }
    return { config: bestConfig, score: bestScore };
  }
}

function logRatio(l: TruncatedMixture, g: TruncatedMixture, x: number): number {
  return mixtureLogDensity(l, x) - mixtureLogDensity(g, x);
}
