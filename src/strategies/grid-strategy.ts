import type { TrialRecord } from '../contracts/trial-record.ts';
import { Rng } from '../random/rng.ts';
import { intoRangeIn, type ChoiceValue, type ParamDef } from '../search-space/param.ts';
import type { Config, SearchSpace } from '../search-space/search-space.ts';
import { configKey } from './config-sampling.ts';
import type { Proposal, Strategy } from './strategy.ts';

export interface GridOptions {
  /** Values per continuous dimension (and per integer one with a wider range). */
  resolution: number;
  /** The dimensions to vary; the others stay at the space's defaults. Default: all. */
  params?: string[];
}

/** The values a dimension takes on the grid: evenly spaced (on the log scale when it has one). */
export function gridValues(p: ParamDef, resolution: number): ChoiceValue[] {
  if (p.kind === 'choice') return [...p.choices];
  const at = (i: number) => {
    const t = resolution === 1 ? 0.5 : i / (resolution - 1);
    return p.log
      ? Math.exp(Math.log(p.low) + t * (Math.log(p.high) - Math.log(p.low)))
      : p.low + t * (p.high - p.low);
  };
  const values = Array.from({ length: resolution }, (_, i) => at(i));
  if (p.kind === 'float') return values.map((v) => Number(v.toPrecision(6)));
  if (p.high - p.low + 1 <= resolution)
    return Array.from({ length: p.high - p.low + 1 }, (_, i) => p.low + i);
  return [...new Set(values.map(Math.round))];
}

/**
 * Grid search. The grid of a real search space is far larger than any budget, so points are
 * visited in a seeded pseudo-random order (an affine permutation of the point indices, decoded in
 * mixed radix), which spreads even a short campaign over the whole grid. Points that differ only
 * in inactive dimensions are the same configuration and are skipped.
 */
export class GridStrategy implements Strategy {
  readonly name = 'grid';
  private readonly axes: { name: string; values: ChoiceValue[] }[];
  private readonly fixed: Config;
  readonly size: bigint;
  private readonly multiplier: bigint;
  private readonly offset: bigint;

  constructor(
    private readonly space: SearchSpace,
    seed: number,
    options: GridOptions,
  ) {
    const varied = options.params ?? space.params.map((p) => p.name);
    for (const name of varied) {
      if (!space.param(name))
        throw new Error(
          `grid: unknown parameter ${name}; known: ${space.params.map((p) => p.name).join(', ')}`,
        );
    }
    this.axes = space.params
      .filter((p) => varied.includes(p.name))
      .map((p) => ({ name: p.name, values: gridValues(p, options.resolution) }));
    const defaults = space.defaults() as Config;
    this.fixed = Object.fromEntries(Object.entries(defaults).filter(([k]) => !varied.includes(k)));
    this.size = this.axes.reduce((n, a) => n * BigInt(a.values.length), 1n);
    const rng = new Rng(seed);
    this.offset = randomBigBelow(this.size, rng);
    let a = randomBigBelow(this.size, rng) | 1n;
    while (gcd(a, this.size) !== 1n) a += 1n;
    this.multiplier = a % this.size === 0n ? 1n : a % this.size;
  }

  async propose(history: readonly TrialRecord[], count: number): Promise<Proposal[]> {
    // Replays the walk from the start: the history says how many distinct points were used.
    const seen = new Set<string>();
    const used = new Set(history.map((t) => configKey(t.config)));
    const proposals: Proposal[] = [];
    for (let k = 0n; k < this.size && proposals.length < count; k++) {
      const index = (this.multiplier * k + this.offset) % this.size;
      const config = this.point(index);
      const key = configKey(config);
      if (seen.has(key)) continue;
      seen.add(key);
      if (used.has(key)) continue;
      proposals.push({
        config,
        reason: `grid point ${seen.size} of ${this.size}: ${this.describe(config)}`,
      });
    }
    return proposals;
  }

  private point(index: bigint): Config {
    const raw: Config = { ...this.fixed };
    let rest = index;
    for (const axis of this.axes) {
      const radix = BigInt(axis.values.length);
      raw[axis.name] = axis.values[Number(rest % radix)]!;
      rest /= radix;
    }
    // A varied value whose range depends on a choice (see rangeIn) sits at the same place in it.
    for (const axis of this.axes) {
      const p = this.space.param(axis.name)!;
      if (p.kind !== 'choice' && p.rangePer) {
        const moved = intoRangeIn(p, raw[p.name] as number, raw);
        raw[p.name] = p.kind === 'float' ? Number(moved.toPrecision(6)) : moved;
      }
    }
    return this.space.parse(raw) as Config;
  }

  private describe(config: Config): string {
    return this.axes
      .filter((a) => a.name in config && a.values.length > 1)
      .map((a) => `${a.name}=${String(config[a.name])}`)
      .join(', ');
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

function randomBigBelow(n: bigint, rng: Rng): bigint {
  let r = 0n;
  for (let i = 0; i < 4; i++) r = (r << 32n) | BigInt(rng.nextUint32());
  return n === 0n ? 0n : r % n;
}
