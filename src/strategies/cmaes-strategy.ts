import { trialOutcome } from './trial-outcome.ts';
import { z } from 'zod';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { labelledRng } from '../random/rng.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { configKey } from './config-sampling.ts';
import { ReplayIndex } from './replay-index.ts';
import { ReplaySnapshots, type SnapshotContext } from './replay-snapshots.ts';
import { SpaceEncoding } from './space-encoding.ts';
import type { Proposal, Strategy } from './strategy.ts';
import type { Direction } from '../maths/direction.ts';

export interface CmaEsOptions {
  /** Step size at the start of every run, in normalized units (the box is [0, 1] per axis). */
  sigma0: number;
  /**
   * Mean of the first run: the centre of the box, the space's defaults, or the best finished
   * trial in the history (from any source) when the run's first member is proposed.
   */
  start: 'center' | 'defaults' | 'incumbent';
  /**
   * Step size of the first run when not sigma0 (restarts keep sigma0): small to refine around
   * an incumbent another sampler found, as `auto`'s hand-over from the GP does.
   */
  firstRunSigma?: number;
  /** Population of the first run; 4 + floor(3 ln n) when absent. */
  populationSize?: number;
  /** Population growth at each restart: 2 is IPOP, 1 restarts with the same population. */
  restartPopulationFactor: number;
  /** Restart once the largest standard deviation, sigma * sqrt(max C_ii), falls below this. */
  minStd: number;
  /** Restart once a generation's values all lie within this of each other (metric units). */
  flatTolerance: number;
  /**
   * Active CMA: the worse half of a generation gets negative weights in the rank-mu update, so
   * C shrinks along directions that did badly (Hansen's tutorial, 2016, and the `cmaes` library
   * behind Optuna). False: positive weights on the better half only.
   */
  negativeWeights: boolean;
  /**
   * A member outside the box: 'reflect' folds it back (x mod 2, mirrored); 'resample' draws
   * again, up to 100 times, then clips, and the update uses the clipped step (the `cmaes`
   * library's repair).
   */
  bounds: 'reflect' | 'resample';
}

// sigma0 1/6 of the box and resampling at the bounds, as Optuna's CmaEsSampler (through the
// `cmaes` library): with 0.3 and reflection, lgt's CMA-ES trailed Optuna's by 6.2 times on
// Rosenbrock-10 and 2.1 times on Hartmann-6 at 100 trials (20 seeds); 1/6 alone brought
// Rosenbrock from 2.3e4 to 4.7e3, resampling to 3.4e3 (docs/benchmarks.md).
const DEFAULTS: CmaEsOptions = {
  sigma0: 1 / 6,
  start: 'center',
  restartPopulationFactor: 2,
  minStd: 1e-3,
  flatTolerance: 1e-9,
  negativeWeights: true,
  bounds: 'resample',
};

/** Generations replayed between two snapshots stored for a driver that takes over. */
const SNAPSHOT_EVERY = 25;

/** The state of one CMA-ES run after some generations: everything a new generation needs. */
const stateSchema = z.object({
  run: z.number().int().min(0),
  generation: z.number().int().min(0),
  lambda: z.number().int().min(2),
  mean: z.array(z.number()),
  sigma: z.number(),
  /** Covariance matrix and its eigen-decomposition C = B diag(D^2) B^T. */
  C: z.array(z.array(z.number())),
  B: z.array(z.array(z.number())),
  D: z.array(z.number()),
  pSigma: z.array(z.number()),
  pC: z.array(z.number()),
  /** Where the run started (stored with its first generation's members). */
  start: z.array(z.number()),
});
export type CmaEsState = z.infer<typeof stateSchema>;

const snapshotSchema = z.object({
  state: stateSchema,
  freeGenerations: z.number().int().min(0),
});
/** Where a replay may go on from: the state after every finished generation up to it. */
type Replayed = z.infer<typeof snapshotSchema>;

/** IPOP doubles the population at each restart; past this it stops growing. */
const MAX_POPULATION = 1024;
/** Above this condition number of C the eigen-decomposition is noise: restart instead. */
const MAX_CONDITION = 1e14;
/**
 * Generations whose members all repeat configurations already in the history cost no trial and
 * are replayed for free; this many in a row means the space around the search is exhausted.
 */
const MAX_FREE_GENERATIONS = 100;

const memberMeta = z.object({
  cmaes: z.object({
    run: z.number().int().min(0),
    generation: z.number().int().min(0),
    index: z.number().int().min(0),
    z: z.array(z.number()),
    start: z.array(z.number()).optional(),
    /**
     * The member's place was taken by another configuration (the hybrid's Advisor overrode
     * it): the update counts that configuration, its z worked out from where it is (see
     * injectedZ), not the z drawn for the member.
     */
    injected: z.literal(true).optional(),
  }),
});
type MemberMeta = z.infer<typeof memberMeta>['cmaes'];

interface Constants {
  mu: number;
  /** All lambda weights: positive for the best mu (summing to 1), negative or zero after. */
  weights: number[];
  muEff: number;
  cSigma: number;
  dSigma: number;
  cC: number;
  c1: number;
  cMu: number;
  chiN: number;
}

type Outcome = { kind: 'finished'; loss: number } | { kind: 'pending' } | { kind: 'unproposed' };

interface Member {
  index: number;
  z: number[];
  config: Config;
  outcome: Outcome;
}

/** Where the replay stopped: a generation that still waits for proposals or results. */
interface CurrentGeneration {
  state: CmaEsState;
  members: Member[];
}

/**
 * CMA-ES (weighted recombination, rank-mu with negative weights and rank-one covariance updates,
 * cumulative step-size adaptation) over the unit cube of the space's encoding, with IPOP restarts.
 *
 * Deterministic from the history: the generations are replayed from the trials this strategy
 * proposed, found by `meta.cmaes` = { run, generation, index, z }, so a resumed driver continues
 * exactly. The replay is incremental: the state after the last finished generation is kept
 * between calls (a finished generation never changes), so a call replays only the generations
 * finished since, and each trial's meta is read once. With a context (its strategy state), that
 * state is also stored beside the campaign every SNAPSHOT_EVERY generations, so a driver that
 * takes over a long campaign starts from it rather than from generation 0. A
 * member's z comes from a generator seeded by (seed, run, generation, index), so whichever call
 * proposes it, it is the same point. Trials of other sources do not enter the update (their
 * configurations were not drawn from this distribution, and ranking them with its members would
 * bias the mean); with `start: 'incumbent'` the best of them picks the first mean.
 *
 * Boundaries (`bounds`): by default a member outside the box is drawn again (from the same
 * seeded generator, so the replay finds the same point), and after 100 misses clipped, with the
 * update told the clipped step; this samples the Gaussian truncated to the box, as the `cmaes`
 * library does. With 'reflect', a coordinate outside [0, 1] is folded back (x mod 2, mirrored):
 * f(reflect(x)) is continuous on the whole line with the optima mirrored, so CMA-ES runs
 * unmodified, but measured on the benchmark functions it wasted more trials near the bounds.
 *
 * Categorical dimensions: each choice of k options is one more coordinate in [0, 1], cut into
 * k equal bins, so CMA-ES moves it with the same step size, correlations and restarts as the
 * numeric ones and the update stays plain CMA-ES on the z it drew. An
 * independent categorical re-estimated from the best mu members of one generation was the
 * alternative; with mu about 4 it would jump between options at every generation and need a
 * smoothing constant of its own. The price is an arbitrary order of the options (neighbouring
 * bins look related); most choices have 2 or 3 options, where that barely matters, and restarts
 * start elsewhere. Choices with one option (pinned dimensions) get no coordinate.
 *
 * Duplicates: a member whose configuration is already in the history (integers and choices
 * round, so near points coincide) is not trained again; it takes that trial's result, which the
 * replay finds the same way. Failed and cancelled trials (no value) rank below every value;
 * pruned ones rank with the value they reported.
 *
 * Restarts (IPOP: population times `restartPopulationFactor`, mean uniform in the box, step
 * size sigma0) when the largest standard deviation falls below `minStd`, when a generation's
 * values are all equal within `flatTolerance` (plain CMA-ES would widen the step on a plateau;
 * with a training budget a fresh start pays more), or when C becomes ill-conditioned.
 */
export class CmaEsStrategy implements Strategy {
  readonly name = 'cmaes';
  private readonly encoding: SpaceEncoding;
  private readonly options: CmaEsOptions;
  /** Index of each choice dimension that gets a coordinate, and its number of options. */
  private readonly choiceAxes: { dim: number; options: number }[];
  private readonly n: number;
  /** Its own trials and the configurations tried, kept up to date across calls. */
  private readonly index: ReplayIndex<MemberMeta>;
  /** The state after the last finished generation this instance replayed (or loaded). */
  private replayed: Replayed | null = null;
  private readonly snapshots: ReplaySnapshots<Replayed>;

  constructor(
    space: SearchSpace,
    private readonly seed: number,
    private readonly direction: Direction,
    options: Partial<CmaEsOptions> = {},
    /** Where snapshots of the replay are kept for a driver that takes over (optional). */
    context?: SnapshotContext,
  ) {
    this.encoding = new SpaceEncoding(space);
    this.options = { ...DEFAULTS, ...options };
    this.choiceAxes = this.encoding.choiceCounts
      .map((options, dim) => ({ dim, options }))
      .filter((a) => a.options > 1);
    this.n = this.encoding.numeric.length + this.choiceAxes.length;
    this.index = new ReplayIndex<MemberMeta>(
      (trial) => {
        const parsed = memberMeta.safeParse(trial.meta);
        return parsed.success && parsed.data.cmaes.z.length === this.n ? parsed.data.cmaes : null;
      },
      (m) => memberKey(m.run, m.generation, m.index),
      direction,
    );
    this.snapshots = new ReplaySnapshots<Replayed>(
      context,
      snapshotSchema,
      (r) => generationCount(r.state),
      SNAPSHOT_EVERY,
    );
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    const seen = new Set(history.map((t) => configKey(t.config)));
    if (this.n === 0) {
      // Every dimension is pinned: the space has one configuration.
      const config = this.decode([]);
      return count > 0 && !seen.has(configKey(config))
        ? [{ config, reason: 'CMA-ES: the space has a single configuration' }]
        : [];
    }
    // A new instance (a driver that took over) starts from the stored snapshot, if any.
    this.replayed ??= await this.snapshots.load((r) => r.state.mean.length === this.n);
    const current = this.replayToCurrent(history);
    await this.snapshots.save(this.replayed);
    if (!current) return [];
    const { state, members } = current;
    const proposals: Proposal[] = [];
    for (const m of members) {
      if (proposals.length >= count) break;
      if (m.outcome.kind !== 'unproposed') continue;
      const key = configKey(m.config);
      // Two members of one batch can round to one configuration: the later one will take the
      // earlier one's result at replay.
      if (seen.has(key)) continue;
      seen.add(key);
      const meta: MemberMeta = {
        run: state.run,
        generation: state.generation,
        index: m.index,
        z: m.z,
        ...(state.generation === 0 ? { start: state.start } : {}),
      };
      proposals.push({
        config: m.config,
        reason: `CMA-ES generation ${state.generation + 1}, member ${m.index + 1} of ${state.lambda}, sigma ${state.sigma.toPrecision(2)}${state.run > 0 ? `, restart ${state.run}` : ''}`,
        meta: { cmaes: meta },
      });
    }
    return proposals;
  }

  /**
   * An override of one of its proposals: `config` takes the member's place, and the member's
   * meta says so, so the update counts `config` where the member was (see injectedZ). What a
   * hybrid's core does with the Advisor's configuration: CMA-ES learns from every result,
   * overrides included.
   */
  adopt(own: Proposal, config: Config): Proposal {
    const parsed = memberMeta.safeParse(own.meta);
    if (!parsed.success) return { ...own, config };
    return { ...own, config, meta: { cmaes: { ...parsed.data.cmaes, injected: true } } };
  }

  /**
   * The z of an external solution (Hansen 2011, "Injecting external solutions into CMA-ES"):
   * z = D^-1 B^T (x - m) / sigma for its coordinates x, its length clipped to
   * sqrt(n) + 2n / (n + 2), so one far point cannot drag the mean and the paths by more than a
   * sampled member could. A point CMA-ES itself would have proposed gets back its own z.
   */
  private injectedZ(s: CmaEsState, config: Config): number[] {
    const x = this.coordinates(config);
    const y = s.mean.map((m, i) => (x[i]! - m) / s.sigma);
    const bt = s.B[0]!.map((_, col) => s.B.reduce((sum, row, r) => sum + row[col]! * y[r]!, 0));
    const z = bt.map((v, i) => v / s.D[i]!);
    const norm = Math.sqrt(z.reduce((a, v) => a + v * v, 0));
    const limit = Math.sqrt(this.n) + (2 * this.n) / (this.n + 2);
    return norm > limit ? z.map((v) => (v * limit) / norm) : z;
  }

  /**
   * Its state in words and numbers, for an Advisor that overrides it (issue 33's hybrid): where
   * its mean is (as a configuration), its step size, and its principal axes (the directions
   * its covariance has learned, each with its share of the variance and the dimensions that
   * move along it most, signed).
   */
  stateInWords(history: readonly TrialRecord[]): string {
    const s = this.state(history);
    if (!s) return 'CMA-ES: the space has a single configuration';
    const names = [
      ...this.encoding.numeric.map((p) => p.name),
      ...this.choiceAxes.map((a) => this.encoding.categorical[a.dim]!.name),
    ];
    const variances = s.D.map((d) => d * d);
    const total = variances.reduce((a, b) => a + b, 0);
    const axes = variances
      .map((v, k) => ({ share: v / total, k }))
      .sort((a, b) => b.share - a.share)
      .slice(0, 2)
      .map(({ share, k }, rank) => {
        const loadings = s.B.map((row, i) => ({ w: row[k]!, name: names[i]! }))
          .sort((a, b) => Math.abs(b.w) - Math.abs(a.w))
          .slice(0, 3)
          .map((e) => `${e.w >= 0 ? '+' : '-'}${Math.abs(e.w).toFixed(2)} ${e.name}`)
          .join(' ');
        return `axis ${rank + 1} (${(100 * share).toFixed(0)}% of the variance): ${loadings}`;
      });
    const mean = this.decode(s.mean.map((m) => Math.min(1, Math.max(0, m))));
    return [
      `CMA-ES run ${s.run + 1}, generation ${s.generation + 1}, ${s.lambda} members per generation`,
      `its mean: ${Object.entries(mean)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toPrecision(3) : String(v)}`)
        .join(', ')}`,
      `its step size: ${s.sigma.toPrecision(2)} of each dimension's range (1 = the whole range)`,
      `the directions it has learned: ${axes.join('; ')}`,
    ].join('\n');
  }

  /** The state the next proposals come from (for diagnostics and tests). */
  state(history: readonly TrialRecord[]): CmaEsState | null {
    return this.n === 0 ? null : (this.replayToCurrent(history)?.state ?? null);
  }

  /**
   * Replays every generation whose members all have results, restarting where the criteria say
   * so, and returns the first generation that does not: the one to propose from or wait for.
   * Starts from the last finished generation it knows (see `replayed`).
   */
  private replayToCurrent(history: readonly TrialRecord[]): CurrentGeneration | null {
    // Another history than the one replayed so far: start over.
    if (!this.index.update(history)) this.replayed = null;
    const own = this.index.own;
    const from = this.replayed ?? {
      state: this.newRun(0, history, own),
      freeGenerations: 0,
    };
    let { state, freeGenerations } = structuredClone(from);
    let constants = this.constants(state.lambda);
    for (;;) {
      const members: Member[] = [];
      for (let index = 0; index < state.lambda; index++) {
        const mine = own.get(memberKey(state.run, state.generation, index));
        if (mine) {
          members.push({
            index,
            z: mine.meta.injected ? this.injectedZ(state, mine.trial.config) : mine.meta.z,
            config: mine.trial.config,
            outcome: this.outcome(mine.trial),
          });
          continue;
        }
        const z = this.drawZ(state, index);
        const config = this.decode(this.point(state, z));
        const twin = this.index.twin(configKey(config));
        members.push({
          index,
          z,
          config,
          outcome: twin ? this.outcome(twin) : { kind: 'unproposed' },
        });
      }
      if (members.some((m) => m.outcome.kind !== 'finished')) return { state, members };

      const free = members.every((m) => !own.has(memberKey(state.run, state.generation, m.index)));
      freeGenerations = free ? freeGenerations + 1 : 0;
      if (freeGenerations >= MAX_FREE_GENERATIONS) return null;

      const losses = members.map((m) => (m.outcome as { loss: number }).loss);
      const restart = this.update(state, constants, members, losses);
      if (restart) {
        state = this.newRun(state.run + 1, history, own);
        constants = this.constants(state.lambda);
      }
      // A finished generation never changes: the next call goes on from here.
      this.replayed = structuredClone({ state, freeGenerations });
    }
  }

  /** A failed or cancelled member ranks last (an infinite loss). */
  private outcome(trial: TrialRecord): Outcome {
    const o = trialOutcome(trial, this.direction);
    return o.kind === 'finished' ? { kind: 'finished', loss: o.loss ?? Infinity } : o;
  }

  /**
   * One generation's update, in place. Returns whether the run should end (a restart).
   * Ranks ascending by loss; equal losses keep the member order, so the replay is deterministic.
   */
  private update(s: CmaEsState, k: Constants, members: Member[], losses: number[]): boolean {
    const n = this.n;
    const order = members.map((_, i) => i).sort((a, b) => losses[a]! - losses[b]! || a - b);
    const best = losses[order[0]!]!;
    const worst = losses[order[order.length - 1]!]!;
    const flat =
      (best === Infinity && worst === Infinity) ||
      (Number.isFinite(worst) && worst - best <= this.options.flatTolerance);

    const ys = order.map((i) => this.bd(s, members[i]!.z));
    const zw = new Array<number>(n).fill(0);
    const yw = new Array<number>(n).fill(0);
    order.slice(0, k.mu).forEach((i, rank) => {
      const w = k.weights[rank]!;
      const zi = members[i]!.z;
      for (let d = 0; d < n; d++) {
        zw[d]! += w * zi[d]!;
        yw[d]! += w * ys[rank]![d]!;
      }
    });
    for (let d = 0; d < n; d++) s.mean[d]! += s.sigma * yw[d]!;

    // C^(-1/2) y_w = B z_w: the step-size path compares the step with an isotropic one.
    const bzw = matVec(s.B, zw);
    const pSigmaRate = Math.sqrt(k.cSigma * (2 - k.cSigma) * k.muEff);
    for (let d = 0; d < n; d++) s.pSigma[d] = (1 - k.cSigma) * s.pSigma[d]! + pSigmaRate * bzw[d]!;
    const pSigmaNorm = norm(s.pSigma);
    // Stall the rank-one path while the step-size path is long (sigma about to grow), so C does
    // not grow along a direction the step size already accounts for.
    const hSigma =
      pSigmaNorm / Math.sqrt(1 - Math.pow(1 - k.cSigma, 2 * (s.generation + 1))) <
      (1.4 + 2 / (n + 1)) * k.chiN
        ? 1
        : 0;
    const pCRate = Math.sqrt(k.cC * (2 - k.cC) * k.muEff);
    for (let d = 0; d < n; d++) s.pC[d] = (1 - k.cC) * s.pC[d]! + hSigma * pCRate * yw[d]!;

    // A negative weight is rescaled by n / |C^(-1/2) y|^2 = n / |z|^2, so a long bad step
    // cannot make C indefinite (Hansen 2016, eq. 46).
    const rankWeights = order.map((i, r) => {
      const w = k.weights[r]!;
      if (w >= 0) return w;
      const z2 = members[i]!.z.reduce((sum, v) => sum + v * v, 0);
      return (w * n) / Math.max(z2, 1e-12);
    });
    const weightSum = k.weights.reduce((a, w) => a + w, 0);
    const keep = 1 - k.c1 - k.cMu * weightSum + (1 - hSigma) * k.c1 * k.cC * (2 - k.cC);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let rankMu = 0;
        for (let r = 0; r < ys.length; r++) {
          if (rankWeights[r] !== 0) rankMu += rankWeights[r]! * ys[r]![a]! * ys[r]![b]!;
        }
        const v = keep * s.C[a]![b]! + k.c1 * s.pC[a]! * s.pC[b]! + k.cMu * rankMu;
        s.C[a]![b] = v;
        s.C[b]![a] = v;
      }
    }
    s.sigma *= Math.exp((k.cSigma / k.dSigma) * (pSigmaNorm / k.chiN - 1));

    const { values, vectors } = symmetricEigen(s.C);
    s.B = vectors;
    s.D = values.map((v) => Math.sqrt(Math.max(v, 1e-300)));
    s.generation += 1;

    const maxStd = s.sigma * Math.sqrt(Math.max(...s.C.map((row, i) => row[i]!)));
    const condition = Math.max(...values) / Math.max(Math.min(...values), 1e-300);
    return (
      flat ||
      !Number.isFinite(s.sigma) ||
      s.mean.some((v) => !Number.isFinite(v)) ||
      maxStd < this.options.minStd ||
      condition > MAX_CONDITION
    );
  }

  /** Strategy parameters for a population of lambda (Hansen's 2016 defaults). */
  private constants(lambda: number): Constants {
    const n = this.n;
    const mu = Math.floor(lambda / 2);
    const raw = Array.from(
      { length: lambda },
      (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1),
    );
    const positive = raw.slice(0, mu);
    const negative = raw.slice(mu).filter((w) => w < 0);
    const sumPositive = positive.reduce((a, b) => a + b, 0);
    const muEff = sumPositive ** 2 / positive.reduce((a, w) => a + w * w, 0);
    const cSigma = (muEff + 2) / (n + muEff + 5);
    const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
    const cC = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
    const c1 = 2 / ((n + 1.3) ** 2 + muEff);
    const cMu = Math.min(1 - c1 - 1e-8, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
    const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    let negativeScale = 0;
    if (this.options.negativeWeights && negative.length > 0) {
      const sumNegative = negative.reduce((a, w) => a - w, 0);
      const muEffMinus = sumNegative ** 2 / negative.reduce((a, w) => a + w * w, 0);
      // The largest negative mass that keeps C positive definite (eqs. 50-53).
      const alphaMin = Math.min(
        1 + c1 / cMu,
        1 + (2 * muEffMinus) / (muEff + 2),
        (1 - c1 - cMu) / (n * cMu),
      );
      negativeScale = alphaMin / sumNegative;
    }
    const weights = raw.map((w, i) => (i < mu ? w / sumPositive : w < 0 ? w * negativeScale : 0));
    return { mu, weights, muEff, cSigma, dSigma, cC, c1, cMu, chiN };
  }

  private newRun(
    run: number,
    history: readonly TrialRecord[],
    own: Map<string, { trial: TrialRecord; meta: MemberMeta }>,
  ): CmaEsState {
    const n = this.n;
    const lambda0 = this.options.populationSize ?? 4 + Math.floor(3 * Math.log(n));
    const lambda = Math.min(
      MAX_POPULATION,
      Math.max(2, Math.round(lambda0 * this.options.restartPopulationFactor ** run)),
    );
    // The start is fixed by the run's first proposed member, so a run begun at the incumbent
    // keeps its start even when a better trial arrives later.
    let start: number[] | undefined;
    for (const { meta } of own.values()) {
      if (meta.run === run && meta.generation === 0 && meta.start?.length === n) {
        start = meta.start;
        break;
      }
    }
    start ??= run === 0 ? this.firstMean(history) : this.randomMean(run);
    return {
      run,
      generation: 0,
      lambda,
      mean: [...start],
      sigma: run === 0 ? (this.options.firstRunSigma ?? this.options.sigma0) : this.options.sigma0,
      C: identity(n),
      B: identity(n),
      D: new Array<number>(n).fill(1),
      pSigma: new Array<number>(n).fill(0),
      pC: new Array<number>(n).fill(0),
      start,
    };
  }

  private firstMean(history: readonly TrialRecord[]): number[] {
    if (this.options.start === 'defaults')
      return this.coordinates(this.encoding.space.defaults() as Config);
    if (this.options.start === 'incumbent') {
      let best: TrialRecord | undefined;
      let bestLoss = Infinity;
      for (const t of history) {
        const o = this.outcome(t);
        if (o.kind === 'finished' && o.loss < bestLoss) {
          best = t;
          bestLoss = o.loss;
        }
      }
      if (best) return this.coordinates(best.config);
    }
    return new Array<number>(this.n).fill(0.5);
  }

  private randomMean(run: number): number[] {
    const rng = labelledRng(this.seed, 2, run);
    return Array.from({ length: this.n }, () => rng.next());
  }

  /** A configuration's coordinates: numeric ones as encoded, a choice at its bin's centre. */
  private coordinates(config: Config): number[] {
    const { u, choices } = this.encoding.encode(config);
    return [...u, ...this.choiceAxes.map((a) => (choices[a.dim]! + 0.5) / a.options)];
  }

  private drawZ(s: CmaEsState, index: number): number[] {
    const rng = labelledRng(this.seed, 1, s.run, s.generation, index);
    const draw = () => Array.from({ length: this.n }, () => rng.normal());
    if (this.options.bounds === 'reflect') return draw();
    for (let attempt = 0; attempt < 100; attempt++) {
      const z = draw();
      const y = this.bd(s, z);
      if (s.mean.every((m, i) => m + s.sigma * y[i]! >= 0 && m + s.sigma * y[i]! <= 1)) return z;
    }
    // Clipped: the z of the clipped point, D^-1 B^T (x - m) / sigma, so the update learns
    // from where the member really was.
    const y = this.bd(s, draw());
    const step = s.mean.map(
      (m, i) => (Math.min(1, Math.max(0, m + s.sigma * y[i]!)) - m) / s.sigma,
    );
    const bt = s.B[0]!.map((_, col) => s.B.reduce((sum, row, r) => sum + row[col]! * step[r]!, 0));
    return bt.map((v, i) => v / s.D[i]!);
  }

  /** B D z: a member's step before scaling by sigma. */
  private bd(s: CmaEsState, z: readonly number[]): number[] {
    return matVec(
      s.B,
      z.map((v, i) => v * s.D[i]!),
    );
  }

  /** A member's coordinates in the box: mean + sigma B D z, reflected. */
  private point(s: CmaEsState, z: readonly number[]): number[] {
    const y = this.bd(s, z);
    return s.mean.map((m, i) => reflect(m + s.sigma * y[i]!));
  }

  private decode(x: readonly number[]): Config {
    const numeric = this.encoding.numeric.length;
    const choices = this.encoding.choiceCounts.map(() => 0);
    this.choiceAxes.forEach((a, i) => {
      choices[a.dim] = Math.min(a.options - 1, Math.floor(x[numeric + i]! * a.options));
    });
    return this.encoding.decode(x.slice(0, numeric), choices);
  }
}

/** x folded into [0, 1] by mirroring at both bounds (period 2), continuous everywhere. */
export function reflect(x: number): number {
  const m = ((x % 2) + 2) % 2;
  return m > 1 ? 2 - m : m;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (exact enough for the
 * small matrices of hyperparameter spaces, and without dependencies). Returns the eigenvalues
 * and the eigenvectors as the columns of `vectors`.
 */
export function symmetricEigen(matrix: readonly (readonly number[])[]): {
  values: number[];
  vectors: number[][];
} {
  const n = matrix.length;
  const a = matrix.map((row) => [...row]);
  const v = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = a[i]![j]! * a[i]![j]!;
        total += x;
        if (i !== j) off += x;
      }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        // The rotation angle that zeroes a[p][q]: t = tan(phi), the smaller root of
        // t^2 + 2 theta t - 1 = 0, for stability.
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]!), vectors: v };
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
}

function matVec(m: readonly (readonly number[])[], x: readonly number[]): number[] {
  return m.map((row) => row.reduce((sum, v, j) => sum + v * x[j]!, 0));
}

function norm(x: readonly number[]): number {
  return Math.sqrt(x.reduce((s, v) => s + v * v, 0));
}

/** How far a replay has come, as one number that only grows (runs, then generations). */
function generationCount(state: { run: number; generation: number }): number {
  return state.run * 1_000_000 + state.generation;
}

function memberKey(run: number, generation: number, index: number): string {
  return `${run}/${generation}/${index}`;
}
