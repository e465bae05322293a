import { adamStep, newAdamState, type AdamState } from '../maths/adam.ts';
import { scoreOf } from '../maths/direction.ts';
import { z } from 'zod';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { labelledRng, Rng } from '../random/rng.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { configKey } from './config-sampling.ts';
import { latestAndBest } from './history-window.ts';
import { SpaceEncoding } from './space-encoding.ts';
import type { Proposal, Strategy } from './strategy.ts';
import type { Direction } from '../maths/direction.ts';
import { softmax } from '../maths/softmax.ts';

/** js: Jensen-Shannon; kl: forward KL(p || pi); rkl: reverse KL(pi || p); tv: total variation. */
export type Divergence = 'js' | 'kl' | 'rkl' | 'tv';

export interface FdpgOptions {
  divergence: Divergence;
  /** Temperature of the target a(x) exp(score / beta), on standardized scores (unitless). */
  beta: number;
  /** Importance weights pi/q: normalized over the evaluations, or clipped at `weightClip`. */
  weights: 'self-normalized' | 'clipped';
  weightClip: number;
  /** Adam's step size on the distribution's parameters. */
  learningRate: number;
  /** Gradient steps after each batch of evaluations. */
  stepsPerBatch: number;
  /** Evaluations per replayed batch (in trial order). */
  batchSize: number;
  /** Rate of the baseline's moving average of the pseudo-rewards. */
  baselineRate: number;
  /** Standard deviation of the initial Gaussians (normalized units, centred in the box). */
  initialStd: number;
  /** Trials proposed by others: folded into the prior a(x), or ignored. */
  foreignTrials: 'prior' | 'ignore';
  /** Kernel width around a foreign trial in the prior (normalized units). */
  priorBandwidth: number;
  /**
   * The fit replays the latest `window` finished trials and the best older ones (as many as
   * TPE keeps, 25): the replay's cost grows with the square of what it reads, so an unbounded
   * one would slow a long campaign without end. Up to `window` trials nothing is left out.
   * Infinity: every trial.
   */
  window: number;
}

const DEFAULTS: FdpgOptions = {
  divergence: 'js',
  beta: 0.2,
  weights: 'self-normalized',
  weightClip: 10,
  learningRate: 0.05,
  stepsPerBatch: 5,
  batchSize: 4,
  baselineRate: 0.3,
  initialStd: 0.3,
  foreignTrials: 'prior',
  priorBandwidth: 0.1,
  window: 300,
};
/** Older trials kept beside the window: the best ones, so the incumbent's region stays known. */
const KEEP_BEST = 25;

/**
 * Standard deviations stay in this range: narrow enough that clamping does not pile most
 * samples onto the bounds, wide enough to keep importance weights finite.
 */
const MIN_LOG_STD = Math.log(0.02);
const MAX_LOG_STD = Math.log(0.5);
/** Means may leave the box a little, so that a bound can get most of the mass. */
const MEAN_RANGE = [-0.25, 1.25] as const;
const MAX_LOGIT = 10;
/** log t beyond this is numerical noise that would only blow up 1/t or exp. */
const MAX_LOG_T = 30;
const MAX_DRAWS = 100;
/** Probability a foreign trial's kernel gives its own option of a choice (the rest shared). */
const PRIOR_SAME_CHOICE = 0.8;

const proposalMeta = z.object({
  fdpg: z.object({
    logq: z.number(),
    u: z.array(z.number()),
    choices: z.array(z.number().int().min(0)),
  }),
});

/**
 * f'(t) of each divergence, from log t (t = pi(x) / p(x)); the pseudo-reward is -f'(t).
 * forward KL: -1/t; reverse KL: log t + 1; Jensen-Shannon: log 2 - softplus(-log t);
 * total variation: sign(log t) / 2.
 */
export function fPrime(divergence: Divergence, logT: number): number {
  switch (divergence) {
    case 'kl':
      return -Math.exp(-logT);
    case 'rkl':
      return logT + 1;
    case 'js':
      return Math.LN2 - softplus(-logT);
    case 'tv':
      return Math.sign(logT) / 2;
  }
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The proposal distribution q_theta: Gaussians over numeric coordinates, softmax categoricals. */
export interface ProposalDistribution {
  mean: number[];
  logStd: number[];
  logits: number[][];
}

interface Evaluation {
  number: number;
  u: number[];
  choices: number[];
  /** log q(x) when this strategy proposed it; foreign trials have none. */
  logq?: number;
  score: number;
}

/**
 * f-DPG over configurations: a parametric proposal distribution q_theta (independent Gaussians
 * with a mean and a log-std per normalized numeric coordinate, sampled and clamped into [0, 1];
 * an independent softmax categorical per choice) is moved toward the target
 *   p(x) = P(x) / Z,  P(x) = a(x) * exp(score~(x) / beta),
 * by minimizing an f-divergence D_f(pi_theta || p) with importance-weighted samples: every past
 * evaluation stays usable because log q(x) of the distribution that proposed it is stored in
 * `meta.fdpg` = { logq, u, choices }. score~ is the metric (negated when minimized) standardized by
 * the mean and spread of every result, so beta is unitless: beta = 0.2 makes a result one
 * standard deviation better e^5 times as likely under the target.
 *
 * Stateless: each call replays the estimator from the initial parameters over this strategy's
 * finished evaluations in trial order (the latest 300 and the best 25 older ones on a long
 * history, see FdpgOptions.window), batch by batch: after each batch the buffer (all
 * evaluations so far) gives
 *   Z^ = mean(P / q),  t = pi_theta(x) / (P(x) / Z^),  r = -f'(t),  A = r - baseline,
 *   loss = sum w * (-A) * log pi_theta(x),  w = pi_theta / q (self-normalized, or clipped / n),
 * and a few Adam steps follow (Adam because the score of a narrow Gaussian grows as 1/sigma^2, and
 * Adam's per-parameter scaling keeps the steps bounded); the baseline is a moving average of the
 * weighted mean of r, one update per step. Proposals are samples of the resulting q_theta from a
 * generator seeded by (seed, proposal index), so the same history gives the same proposals.
 *
 * Densities: clamping puts a point mass at each bound; pi, q and the prior are all evaluated with
 * the Gaussian density at the clamped value, one base measure for all three, which keeps every
 * ratio finite (the point mass is approximated by the density at the bound).
 *
 * Trials from other sources (an LLM, the baseline) were not drawn from any q, so they cannot be
 * importance-weighted; with `foreignTrials: 'prior'` they are folded into the prior instead:
 * a(x) = (1 - lambda) * uniform + lambda * mean of kernels around them, lambda = m / (m + 4) for
 * m of them, which makes the target denser where others chose to look. Their results also enter
 * the standardization. Failed trials count with the worst score seen (a region that diverges is
 * as bad as the worst), pruned ones with the value they reported; cancelled ones are left out.
 */
export class FdpgStrategy implements Strategy {
  readonly name = 'fdpg';
  private readonly encoding: SpaceEncoding;
  private readonly options: FdpgOptions;
  private readonly counts: number[];

  constructor(
    space: SearchSpace,
    private readonly seed: number,
    private readonly direction: Direction,
    options: Partial<FdpgOptions> = {},
  ) {
    this.encoding = new SpaceEncoding(space);
    this.options = { ...DEFAULTS, ...options };
    this.counts = this.encoding.choiceCounts;
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const { distribution, own, foreign, effectiveSize } = this.fit(history);
    const seen = new Set(history.map((t) => configKey(t.config)));
    const proposals: Proposal[] = [];
    for (let i = 0; i < count; i++) {
      const index = history.length + i;
      const rng = labelledRng(this.seed, index);
      let sample = this.sample(distribution, rng);
      for (let draw = 1; seen.has(configKey(sample.config)) && draw < MAX_DRAWS; draw++)
        sample = this.sample(distribution, rng);
      if (seen.has(configKey(sample.config))) break;
      seen.add(configKey(sample.config));
      const learned =
        own === 0
          ? 'the initial distribution (no results of its own yet)'
          : `q_theta fitted by ${this.options.divergence} to ${own} weighted results (effective ${effectiveSize.toFixed(1)})${foreign > 0 ? `, ${foreign} others in the prior` : ''}`;
      proposals.push({
        config: sample.config,
        reason: `f-DPG sample ${index + 1} from ${learned}`,
        meta: {
          fdpg: {
            logq: logDensity(distribution, sample.u, sample.choices),
            u: sample.u,
            choices: sample.choices,
          },
        },
      });
    }
    return proposals;
  }

  /** The distribution the next proposals are drawn from (for diagnostics and tests). */
  distribution(history: readonly TrialRecord[]): ProposalDistribution {
    return this.fit(history).distribution;
  }

  private fit(history: readonly TrialRecord[]): {
    distribution: ProposalDistribution;
    own: number;
    foreign: number;
    effectiveSize: number;
  } {
    const o = this.options;
    const theta = this.initial();
    const evaluations = this.evaluations(history);
    const own = evaluations.filter((e) => e.logq !== undefined).sort((a, b) => a.number - b.number);
    const foreign =
      o.foreignTrials === 'prior' ? evaluations.filter((e) => e.logq === undefined) : [];
    if (own.length === 0)
      return { distribution: theta, own: 0, foreign: foreign.length, effectiveSize: 0 };

    // log P(x) = log a(x) + score~ / beta, fixed for the whole replay.
    const scores = evaluations.map((e) => e.score);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const spread = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / scores.length);
    const scale = spread > 1e-12 ? spread : 1;
    const logP = own.map((e) => this.logPrior(e, foreign) + (e.score - mean) / scale / o.beta);
    const logq = own.map((e) => e.logq!);

    const adam = newAdamState(size(theta));
    let baseline: number | undefined;
    let effectiveSize = 0;
    for (
      let end = Math.min(o.batchSize, own.length);
      ;
      end = Math.min(end + o.batchSize, own.length)
    ) {
      const buffer = own.slice(0, end);
      const logZ = logMeanExp(buffer.map((_, i) => logP[i]! - logq[i]!));
      for (let step = 0; step < o.stepsPerBatch; step++) {
        const logPi = buffer.map((e) => logDensity(theta, e.u, e.choices));
        const logW = logPi.map((lp, i) => lp - logq[i]!);
        const w = this.weightsOf(logW);
        const totalW = w.reduce((a, b) => a + b, 0);
        const r = logPi.map((lp, i) => {
          const logT = clamp(lp - logP[i]! + logZ, -MAX_LOG_T, MAX_LOG_T);
          return -fPrime(o.divergence, logT);
        });
        const meanR = totalW > 0 ? r.reduce((a, ri, i) => a + w[i]! * ri, 0) / totalW : 0;
        baseline =
          baseline === undefined ? meanR : (1 - o.baselineRate) * baseline + o.baselineRate * meanR;
        // d loss / d theta = -sum w A grad log pi (w and A held constant, as in the estimator).
        const grad = zeros(size(theta));
        buffer.forEach((e, i) => {
          const coef = -w[i]! * (r[i]! - baseline!);
          if (coef !== 0) addScaled(grad, scoreFunction(theta, e.u, e.choices), coef);
        });
        this.adamStep(theta, grad, adam);
        if (step === o.stepsPerBatch - 1 && end === own.length)
          effectiveSize = totalW > 0 ? totalW ** 2 / w.reduce((a, b) => a + b * b, 0) : 0;
      }
      if (end === own.length) break;
    }
    return { distribution: theta, own: own.length, foreign: foreign.length, effectiveSize };
  }

  private weightsOf(logW: number[]): number[] {
    if (this.options.weights === 'clipped')
      return logW.map(
        (lw) => Math.min(Math.exp(Math.min(lw, 50)), this.options.weightClip) / logW.length,
      );
    const top = Math.max(...logW);
    const raw = logW.map((lw) => Math.exp(lw - top));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  }

  /**
   * Finished trials with a score, within the window (see FdpgOptions.window); failures at the
   * worst score seen there.
   */
  private evaluations(history: readonly TrialRecord[]): Evaluation[] {
    // A cancelled trial says nothing about its configuration (unlike CMA-ES and ZO, f-DPG has
    // no generation that must be completed), so it is left out like a running one.
    const scoreOfTrial = (t: TrialRecord) =>
      (t.state === 'completed' || t.state === 'pruned') && typeof t.value === 'number'
        ? scoreOf(t.value, this.direction)
        : null;
    const finished = latestAndBest(
      history.filter((t) => ['completed', 'pruned', 'failed'].includes(t.state)),
      this.options.window,
      KEEP_BEST,
      (t) => -(scoreOfTrial(t) ?? -Infinity),
    );
    const finite = finished.map(scoreOfTrial).filter((s): s is number => s !== null);
    const worst = finite.length ? Math.min(...finite) : 0;
    const d = this.encoding.numeric.length;
    return finished.map((t) => {
      const score = scoreOfTrial(t) ?? worst;
      const parsed = proposalMeta.safeParse(t.meta);
      if (
        parsed.success &&
        parsed.data.fdpg.u.length === d &&
        parsed.data.fdpg.choices.length === this.counts.length &&
        parsed.data.fdpg.choices.every((c, j) => c < this.counts[j]!)
      ) {
        const m = parsed.data.fdpg;
        return { number: t.number, u: m.u, choices: m.choices, logq: m.logq, score };
      }
      return { number: t.number, ...this.encoding.encode(t.config), score };
    });
  }

  /** log a(x): uniform over the space, mixed with kernels around foreign trials. */
  private logPrior(x: Evaluation, foreign: readonly Evaluation[]): number {
    const logUniform = -this.counts.reduce((a, k) => a + Math.log(k), 0);
    if (foreign.length === 0) return logUniform;
    const lambda = foreign.length / (foreign.length + 4);
    const h = this.options.priorBandwidth;
    const kernels = foreign.map((f) => {
      let lk = 0;
      x.u.forEach((v, j) => {
        lk += logNormal(v, f.u[j]!, Math.log(h));
      });
      x.choices.forEach((c, j) => {
        const k = this.counts[j]!;
        if (k > 1)
          lk += Math.log(
            c === f.choices[j] ? PRIOR_SAME_CHOICE : (1 - PRIOR_SAME_CHOICE) / (k - 1),
          );
      });
      return lk;
    });
    const logKernels = logMeanExp(kernels);
    return logAddExp(Math.log(1 - lambda) + logUniform, Math.log(lambda) + logKernels);
  }

  private initial(): ProposalDistribution {
    const d = this.encoding.numeric.length;
    return {
      mean: new Array<number>(d).fill(0.5),
      logStd: new Array<number>(d).fill(Math.log(this.options.initialStd)),
      logits: this.counts.map((k) => new Array<number>(k).fill(0)),
    };
  }

  /** Adam on the flattened parameters, then the ranges that keep q_theta well-behaved. */
  private adamStep(theta: ProposalDistribution, grad: number[], adam: AdamState): void {
    const params = adamStep(flatten(theta), grad, adam, {
      learningRate: this.options.learningRate,
      beta1: 0.9,
      beta2: 0.999,
    });
    unflatten(theta, params);
    theta.mean = theta.mean.map((m) => clamp(m, MEAN_RANGE[0], MEAN_RANGE[1]));
    theta.logStd = theta.logStd.map((s) => clamp(s, MIN_LOG_STD, MAX_LOG_STD));
    theta.logits = theta.logits.map((row) => row.map((l) => clamp(l, -MAX_LOGIT, MAX_LOGIT)));
  }

  private sample(
    theta: ProposalDistribution,
    rng: Rng,
  ): { config: Config; u: number[]; choices: number[] } {
    const u = theta.mean.map((m, j) => clamp(m + Math.exp(theta.logStd[j]!) * rng.normal(), 0, 1));
    const choices = theta.logits.map((row) => {
      const p = softmax(row);
      let x = rng.next();
      for (let k = 0; k < p.length; k++) {
        x -= p[k]!;
        if (x < 0) return k;
      }
      return p.length - 1;
    });
    return { config: this.encoding.decode(u, choices), u, choices };
  }
}

/** log pi_theta(x): Gaussian densities at the (clamped) coordinates plus categorical log-probs. */
export function logDensity(
  theta: ProposalDistribution,
  u: readonly number[],
  choices: readonly number[],
): number {
  let lp = 0;
  u.forEach((v, j) => {
    lp += logNormal(v, theta.mean[j]!, theta.logStd[j]!);
  });
  choices.forEach((c, j) => {
    const row = theta.logits[j]!;
    lp += row[c]! - logSumExp(row);
  });
  return lp;
}

/** grad log pi_theta(x) with respect to the flattened parameters (means, log-stds, logits). */
export function scoreFunction(
  theta: ProposalDistribution,
  u: readonly number[],
  choices: readonly number[],
): number[] {
  const dMean = u.map((v, j) => {
    const s = Math.exp(theta.logStd[j]!);
    return (v - theta.mean[j]!) / (s * s);
  });
  const dLogStd = u.map((v, j) => {
    const s = Math.exp(theta.logStd[j]!);
    return ((v - theta.mean[j]!) / s) ** 2 - 1;
  });
  const dLogits = theta.logits.map((row, j) => {
    const p = softmax(row);
    return p.map((pk, k) => (k === choices[j] ? 1 : 0) - pk);
  });
  return [...dMean, ...dLogStd, ...dLogits.flat()];
}

function flatten(theta: ProposalDistribution): number[] {
  return [...theta.mean, ...theta.logStd, ...theta.logits.flat()];
}

function unflatten(theta: ProposalDistribution, params: readonly number[]): void {
  const d = theta.mean.length;
  theta.mean = params.slice(0, d);
  theta.logStd = params.slice(d, 2 * d);
  let at = 2 * d;
  theta.logits = theta.logits.map((row) => {
    const next = params.slice(at, at + row.length);
    at += row.length;
    return next;
  });
}

function size(theta: ProposalDistribution): number {
  return 2 * theta.mean.length + theta.logits.reduce((a, row) => a + row.length, 0);
}

function logNormal(x: number, mean: number, logStd: number): number {
  const s = Math.exp(logStd);
  return -0.5 * Math.log(2 * Math.PI) - logStd - ((x - mean) * (x - mean)) / (2 * s * s);
}

function logSumExp(xs: readonly number[]): number {
  const top = Math.max(...xs);
  if (!Number.isFinite(top)) return top;
  return top + Math.log(xs.reduce((a, x) => a + Math.exp(x - top), 0));
}

function logMeanExp(xs: readonly number[]): number {
  return logSumExp(xs) - Math.log(xs.length);
}

function logAddExp(a: number, b: number): number {
  return logSumExp([a, b]);
}

function addScaled(into: number[], v: readonly number[], scale: number): void {
  for (let i = 0; i < into.length; i++) into[i]! += scale * v[i]!;
}

function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}
