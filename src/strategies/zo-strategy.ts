import { adamStep, newAdamState } from '../maths/adam.ts';
import {
  clipNorm,
  estimateGradient,
  unitDirection,
  type DifferenceSample,
} from '../maths/zeroth-order.ts';
import { trialOutcome, type TrialOutcome } from './trial-outcome.ts';
import { z } from 'zod';
import type { TrialRecord } from '../contracts/trial-record.ts';
import { labelledRng } from '../random/rng.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { configKey } from './config-sampling.ts';
import { SpaceEncoding } from './space-encoding.ts';
import type { Proposal, Strategy } from './strategy.ts';
import { ReplayIndex } from './replay-index.ts';
import { ReplaySnapshots, type SnapshotContext } from './replay-snapshots.ts';
import type { Direction } from '../maths/direction.ts';

export interface ZeroOrderOptions {
  /** Random directions per step (q); the number of numeric dimensions when absent. */
  directions?: number;
  /** Probe distance in normalized units (at most 0.5). */
  epsilon: number;
  /** Adam's step size, in normalized units. */
  learningRate: number;
  beta1: number;
  beta2: number;
  /** Largest norm of a gradient estimate (metric units per normalized unit). */
  clipNorm: number;
  /**
   * forward: theta + eps u against theta (q + 1 trials a step, or q when theta's value is
   * known); central: theta + eps u against theta - eps u (2q trials, half the bias).
   */
  differences: 'forward' | 'central';
  /**
   * incumbent: a local refiner that starts at the best finished trial in the history (any
   * source), keeping its choices; defaults: starts at the space's defaults. Either falls back
   * to the defaults when the history has no result yet.
   */
  start: 'incumbent' | 'defaults';
}

const DEFAULTS: ZeroOrderOptions = {
  epsilon: 0.1,
  learningRate: 0.05,
  beta1: 0.9,
  beta2: 0.999,
  clipNorm: 5,
  differences: 'forward',
  start: 'incumbent',
};

/** Steps whose points all repeat configurations of the history; this many in a row: give up. */
const MAX_FREE_STEPS = 100;

const startSchema = z.object({ u: z.array(z.number()), choices: z.array(z.number().int()) });
type Start = z.infer<typeof startSchema>;

const pointMeta = z.object({
  zo: z.object({
    step: z.number().int().min(0),
    role: z.enum(['center', 'plus', 'minus']),
    direction: z.number().int().min(0).optional(),
    start: startSchema.optional(),
  }),
});
type PointMeta = z.infer<typeof pointMeta>['zo'];

type Outcome = TrialOutcome | { kind: 'unproposed' };

/** Steps replayed between two snapshots stored for a driver that takes over. */
const SNAPSHOT_EVERY = 25;

/** Where the replay stopped: a step still waiting for proposals or results. */
const stateSchema = z.object({
  step: z.number().int().min(0),
  theta: z.array(z.number()),
  choices: z.array(z.number().int()),
  start: startSchema,
  /** L(theta) at every finished step (null when theta's trial failed). */
  centerLosses: z.array(z.number().nullable()),
});
export type ZeroOrderState = z.infer<typeof stateSchema>;

const replayedSchema = z.object({
  state: stateSchema,
  adam: z.object({ m: z.array(z.number()), v: z.array(z.number()), t: z.number().int().min(0) }),
  /** The worst loss seen so far (null before any). */
  worstSeen: z.number().nullable(),
  freeSteps: z.number().int().min(0),
});
/** Where a replay may go on from: everything after its last finished step. */
type Replayed = z.infer<typeof replayedSchema>;

interface Point {
  role: 'center' | 'plus' | 'minus';
  direction?: number;
  /** Coordinates in the unit cube (the numeric dimensions only). */
  x: number[];
  config: Config;
  outcome: Outcome;
  proposedHere: boolean;
}

/**
 * Zeroth-order descent after CBBT: at the current point theta (the numeric dimensions in the
 * unit cube; choices stay at the start's values) it probes q random directions u_i, uniform on
 * the unit sphere, estimates the gradient of the loss L from the differences,
 *   g = (d / q) * sum_i [(L(theta + eps u_i) - L(theta)) / eps] * u_i,
 * clips its norm, and moves theta by Adam. L is the metric, negated when it is maximized.
 *
 * All probes of a step are independent trials, so a parallel driver gets them together; the
 * next step begins when every probe has a result. Paired evaluations share the campaign's
 * training seed and data order (every trial does, unless a proposal asks for another seed), so
 * the differences are common-random-number differences: the seed's noise mostly cancels.
 *
 * Deterministic from the history: the steps are replayed from the trials this strategy
 * proposed, found by `meta.zo` = { step, role, direction }; directions come from a generator
 * seeded by (seed, step, direction), and the start (theta and the choices) is stored with step
 * 0's trials, so a resumed driver continues exactly and a later, better incumbent does not move a
 * running refinement. The replay is incremental (the state after the last finished step is kept
 * between calls) and, with a context, snapshotted beside the campaign every 25 steps for a
 * driver that takes over (as CMA-ES does).
 *
 * A probe that would leave the cube has the offending components of its direction flipped (the
 * probe stays a full eps away, so the difference quotient is exact for the direction used);
 * central probes are clamped and the quotient uses the actual displacement. A probe whose
 * configuration is already in the history (integers round) takes that trial's result instead
 * of training a twin; so does theta when its value is known (the incumbent at step 0). On
 * coarse integer dimensions eps must exceed half a cell, or probes round back to theta and
 * measure nothing (after 100 such steps in a row it offers nothing more).
 * Failed and cancelled trials count as the worst loss the refinement has seen so far (a region
 * that diverges is bad, but not infinitely), pruned ones with the value they reported.
 */
export class ZeroOrderStrategy implements Strategy {
  readonly name = 'zo';
  private readonly encoding: SpaceEncoding;
  private readonly options: ZeroOrderOptions;
  private readonly d: number;
  private readonly q: number;
  /** Its own trials and the configurations tried, kept up to date across calls. */
  private readonly index: ReplayIndex<PointMeta>;
  /** Where the replay stopped last time: after the last finished step. */
  private replayed: Replayed | null = null;
  private readonly snapshots: ReplaySnapshots<Replayed>;

  constructor(
    space: SearchSpace,
    private readonly seed: number,
    private readonly direction: Direction,
    options: Partial<ZeroOrderOptions> = {},
    /** Where snapshots of the replay are kept for a driver that takes over (optional). */
    context?: SnapshotContext,
  ) {
    this.encoding = new SpaceEncoding(space);
    this.options = { ...DEFAULTS, ...options };
    if (!(this.options.epsilon > 0 && this.options.epsilon <= 0.5))
      throw new Error(`zo: epsilon must be in (0, 0.5], got ${this.options.epsilon}`);
    this.d = this.encoding.numeric.length;
    this.q = Math.max(1, Math.round(this.options.directions ?? this.d));
    this.index = new ReplayIndex<PointMeta>(
      (trial) => {
        const parsed = pointMeta.safeParse(trial.meta);
        return parsed.success ? parsed.data.zo : null;
      },
      (m) => pointKey(m.step, m.role, m.direction),
      direction,
    );
    this.snapshots = new ReplaySnapshots<Replayed>(
      context,
      replayedSchema,
      (r) => r.state.step,
      SNAPSHOT_EVERY,
    );
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    if (this.d === 0) return [];
    // A new instance (a driver that took over) starts from the stored snapshot, if any.
    this.replayed ??= await this.snapshots.load((r) => r.state.theta.length === this.d);
    const current = this.replay(history);
    await this.snapshots.save(this.replayed);
    if (!current) return [];
    const { state, points } = current;
    const seen = new Set(history.map((t) => configKey(t.config)));
    const proposals: Proposal[] = [];
    const kind = this.options.differences === 'central' ? 'central' : 'one-sided';
    for (const p of points) {
      if (proposals.length >= count) break;
      if (p.outcome.kind !== 'unproposed') continue;
      const key = configKey(p.config);
      // Two probes of a step can round to one configuration: the later takes the earlier's result.
      if (seen.has(key)) continue;
      seen.add(key);
      const meta: PointMeta = {
        step: state.step,
        role: p.role,
        ...(p.direction !== undefined ? { direction: p.direction } : {}),
        ...(state.step === 0 ? { start: state.start } : {}),
      };
      const moved = distance(state.theta, state.start.u);
      proposals.push({
        config: p.config,
        reason:
          p.role === 'center'
            ? `ZO step ${state.step + 1}: the current point (moved ${moved.toFixed(3)} from the start), the anchor of its ${this.q} probes`
            : `ZO step ${state.step + 1}: probe ${p.direction! + 1} of ${this.q}${p.role === 'minus' ? ' (mirror)' : ''}, eps ${this.options.epsilon} along a random direction (${kind} differences)`,
        meta: { zo: meta },
      });
    }
    return proposals;
  }

  /** Where the next proposals come from (for diagnostics and tests). */
  state(history: readonly TrialRecord[]): ZeroOrderState | null {
    return this.d === 0 ? null : (this.replay(history)?.state ?? null);
  }

  private replay(
    history: readonly TrialRecord[],
  ): { state: ZeroOrderState; points: Point[] } | null {
    // Another history than the one replayed so far: start over.
    if (!this.index.update(history)) this.replayed = null;
    const own = this.index.own;
    let replayed: Replayed = this.replayed
      ? structuredClone(this.replayed)
      : {
          state: this.firstState(history, own),
          adam: newAdamState(this.d),
          worstSeen: null,
          freeSteps: 0,
        };
    for (;;) {
      const { state, adam } = replayed;
      const points = this.layout(state).map((layout): Point => {
        const mine = own.get(pointKey(state.step, layout.role, layout.direction));
        if (mine)
          return {
            ...layout,
            config: mine.trial.config,
            outcome: this.outcome(mine.trial),
            proposedHere: true,
          };
        const config = this.encoding.decode(layout.x, state.choices);
        const twin = this.index.twin(configKey(config));
        return {
          ...layout,
          config,
          outcome: twin ? this.outcome(twin) : { kind: 'unproposed' },
          proposedHere: false,
        };
      });
      if (points.some((p) => p.outcome.kind !== 'finished')) return { state, points };
      const freeSteps = points.some((p) => p.proposedHere) ? 0 : replayed.freeSteps + 1;
      if (freeSteps >= MAX_FREE_STEPS) return null;

      // Failures are judged against what the refinement has seen up to this step only, so a
      // later failure never rewrites an earlier step (and the trials proposed since).
      const raw = points.map((p) => (p.outcome as { loss: number | null }).loss);
      let worstSeen = replayed.worstSeen ?? -Infinity;
      for (const v of raw) if (v !== null) worstSeen = Math.max(worstSeen, v);
      const loss = raw.map((v) => v ?? (Number.isFinite(worstSeen) ? worstSeen : 0));
      const center = points.findIndex((p) => p.role === 'center');
      state.centerLosses.push(center >= 0 ? raw[center]! : null);

      const samples = this.differenceSamples(state.theta, points, loss);
      const g = clipNorm(estimateGradient(samples, this.d), this.options.clipNorm);
      state.theta = adamStep(state.theta, g, adam, this.options).map((v) =>
        Math.min(1, Math.max(0, v)),
      );
      state.step += 1;
      replayed = {
        state,
        adam,
        worstSeen: Number.isFinite(worstSeen) ? worstSeen : null,
        freeSteps,
      };
      // A finished step never changes: the next call goes on from here.
      this.replayed = structuredClone(replayed);
    }
  }

  private firstState(
    history: readonly TrialRecord[],
    own: ReadonlyMap<string, { trial: TrialRecord; meta: PointMeta }>,
  ): ZeroOrderState {
    const start = this.startOf(history, own);
    return {
      step: 0,
      theta: [...start.u],
      choices: [...start.choices],
      start,
      centerLosses: [],
    };
  }

  /** The points of the current step: theta (forward differences), then each probe. */
  private layout(state: ZeroOrderState): Omit<Point, 'config' | 'outcome' | 'proposedHere'>[] {
    const eps = this.options.epsilon;
    const points: Omit<Point, 'config' | 'outcome' | 'proposedHere'>[] = [];
    const central = this.options.differences === 'central';
    if (!central) points.push({ role: 'center', x: [...state.theta] });
    for (let i = 0; i < this.q; i++) {
      const u = this.directionAt(state.step, i);
      if (central) {
        points.push({
          role: 'plus',
          direction: i,
          x: state.theta.map((t, j) => clamp01(t + eps * u[j]!)),
        });
        points.push({
          role: 'minus',
          direction: i,
          x: state.theta.map((t, j) => clamp01(t - eps * u[j]!)),
        });
      } else {
        // With eps <= 0.5, theta - eps u_j is inside whenever theta + eps u_j is not.
        const x = state.theta.map((t, j) => {
          const plus = t + eps * u[j]!;
          return plus < 0 || plus > 1 ? t - eps * u[j]! : plus;
        });
        points.push({ role: 'plus', direction: i, x });
      }
    }
    return points;
  }

  private differenceSamples(theta: number[], points: Point[], loss: number[]): DifferenceSample[] {
    const samples: DifferenceSample[] = [];
    if (this.options.differences === 'central') {
      for (let i = 0; i < this.q; i++) {
        const plus = points.findIndex((p) => p.role === 'plus' && p.direction === i);
        const minus = points.findIndex((p) => p.role === 'minus' && p.direction === i);
        samples.push({
          displacement: points[plus]!.x.map((v, j) => v - points[minus]!.x[j]!),
          difference: loss[plus]! - loss[minus]!,
        });
      }
    } else {
      const center = points.findIndex((p) => p.role === 'center');
      points.forEach((p, k) => {
        if (p.role !== 'plus') return;
        samples.push({
          displacement: p.x.map((v, j) => v - theta[j]!),
          difference: loss[k]! - loss[center]!,
        });
      });
    }
    return samples;
  }

  private outcome(trial: TrialRecord): Outcome {
    return trialOutcome(trial, this.direction);
  }

  private startOf(
    history: readonly TrialRecord[],
    own: ReadonlyMap<string, { trial: TrialRecord; meta: PointMeta }>,
  ): Start {
    for (const { meta } of own.values()) {
      if (
        meta.step === 0 &&
        meta.start &&
        meta.start.u.length === this.d &&
        meta.start.choices.length === this.encoding.categorical.length
      )
        return meta.start;
    }
    let from = this.encoding.space.defaults() as Config;
    if (this.options.start === 'incumbent') {
      let bestLoss = Infinity;
      for (const t of history) {
        const o = this.outcome(t);
        if (o.kind === 'finished' && o.loss !== null && o.loss < bestLoss) {
          bestLoss = o.loss;
          from = t.config;
        }
      }
    }
    return this.encoding.encode(from);
  }

  /** Direction i of a step: a normalized Gaussian vector, uniform on the unit sphere. */
  private directionAt(step: number, i: number): number[] {
    return unitDirection(labelledRng(this.seed, step, i), this.d);
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function distance(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));
}

function pointKey(step: number, role: string, direction?: number): string {
  return `${step}/${role}/${direction ?? ''}`;
}
