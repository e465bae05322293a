import {
  rangeIn,
  type ChoiceValue,
  type NumericParam,
  type ParamDef,
} from '../search-space/param.ts';
import type { Config, NamedParam, SearchSpace } from '../search-space/search-space.ts';

/**
 * A search space seen by numeric optimizers: every float and integer dimension as a coordinate
 * in [0, 1] (on its log scale when it has one), every choice dimension as an index. A dimension
 * whose range depends on a choice (learning rates per optimizer, see rangeIn) spans that
 * choice's range, so its coordinate means "low or high for this choice". Inactive
 * dimensions (their condition does not hold) encode at their default and are dropped again on
 * decoding, so an optimizer may move them freely.
 */
export class SpaceEncoding {
  /** Float and integer dimensions, in the space's order. */
  readonly numeric: NamedParam[];
  /** Choice dimensions (booleans and numeric choices included), in the space's order. */
  readonly categorical: NamedParam[];
  /** The space's defaults, worked out once: encode runs for every trial of a history. */
  private readonly defaults: Config;

  constructor(readonly space: SearchSpace) {
    this.numeric = space.params.filter((p) => p.kind !== 'choice');
    this.categorical = space.params.filter((p) => p.kind === 'choice');
    this.defaults = space.defaults() as Config;
  }

  /** The coordinates of a configuration: numeric ones in [0, 1], choices as indices. */
  encode(config: Config): { u: number[]; choices: number[] } {
    const full = { ...this.defaults, ...config };
    const u = this.numeric.map((p) =>
      toUnit(p as NumericParam, (full[p.name] ?? p.default) as number, full),
    );
    const choices = this.categorical.map((p) => {
      const options = (p as Extract<ParamDef, { kind: 'choice' }>).choices;
      const i = options.indexOf((full[p.name] ?? p.default) as ChoiceValue);
      return i < 0 ? 0 : i;
    });
    return { u, choices };
  }

  /** The configuration at some coordinates (clamped into [0, 1], integers rounded, validated). */
  decode(u: readonly number[], choices: readonly number[]): Config {
    const raw: Config = {};
    // Choices first: a numeric dimension's range may depend on one.
    this.categorical.forEach((p, i) => {
      const options = (p as Extract<ParamDef, { kind: 'choice' }>).choices;
      raw[p.name] = options[Math.min(options.length - 1, Math.max(0, choices[i] ?? 0))]!;
    });
    this.numeric.forEach((p, i) => {
      raw[p.name] = fromUnit(p as NumericParam, u[i] ?? 0.5, raw);
    });
    return this.space.parse(raw) as Config;
  }

  /** Number of options of each choice dimension. */
  get choiceCounts(): number[] {
    return this.categorical.map((p) => (p as Extract<ParamDef, { kind: 'choice' }>).choices.length);
  }

  /** Whether a dimension applies to a configuration (so a model of it should learn from it). */
  isActive(name: string, config: Config): boolean {
    return this.space.isActive(name, config);
  }
}

/** The ends of a dimension's coordinate for a configuration (integers own [k - 0.5, k + 0.5)). */
function unitEnds(p: NumericParam, config: Config): [number, number, number, number] {
  const [low, high] = rangeIn(p, config);
  // Integers: widen the range so both ends get a full cell.
  const lo = p.kind === 'int' ? (p.log ? Math.max(low - 0.5, 1e-9) : low - 0.5) : low;
  const hi = p.kind === 'int' ? high + 0.5 : high;
  return [low, high, lo, hi];
}

/** A float or integer value to [0, 1] on its dimension's (log) scale, in its range for `config`. */
function toUnit(p: NumericParam, value: number, config: Config): number {
  const t = (x: number) => (p.log ? Math.log(x) : x);
  const [, , lo, hi] = unitEnds(p, config);
  const v = Math.min(hi, Math.max(lo, value));
  return (t(v) - t(lo)) / (t(hi) - t(lo));
}

/** A coordinate in [0, 1] back to a value of the dimension (clamped, rounded for integers). */
function fromUnit(p: NumericParam, unit: number, config: Config): number {
  const u = Math.min(1, Math.max(0, unit));
  const t = (x: number) => (p.log ? Math.log(x) : x);
  const inv = (y: number) => (p.log ? Math.exp(y) : y);
  const [low, high, lo, hi] = unitEnds(p, config);
  const v = inv(t(lo) + u * (t(hi) - t(lo)));
  if (p.kind === 'int') return Math.min(high, Math.max(low, Math.round(v)));
  return Math.min(high, Math.max(low, v));
}
