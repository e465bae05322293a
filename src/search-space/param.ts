/**
 * The dimensions a search space is made of. Each helper returns a plain, serialisable description
 * (bounds, scale, choices, default, the condition under which it applies, and a sentence for
 * people and LLMs); `SearchSpace` turns a record of them into a zod schema.
 */

/** The four areas of a configuration in the LGT paper. */
export type Area = 'architecture' | 'training' | 'features' | 'regularization';

export type ChoiceValue = string | number | boolean;

/**
 * A dimension applies only when another one has one of some values (`oneOf`) or is at least a
 * number (`atLeast`), e.g. "units of layer 3 only if there are 3 or more layers".
 */
export interface Condition {
  param: string;
  oneOf?: readonly ChoiceValue[];
  atLeast?: number;
}

/**
 * Search ranges that depend on a choice dimension's value, e.g. the learning rates that train
 * with each optimizer. A choice without a range of its own is searched over the dimension's
 * search range (or its bounds).
 */
export interface SearchPer {
  param: string;
  ranges: Readonly<Record<string, readonly [number, number]>>;
}

interface ParamBase {
  area: Area;
  description: string;
  when?: Condition;
}

export interface FloatParam extends ParamBase {
  kind: 'float';
  low: number;
  high: number;
  log: boolean;
  default: number;
  /** The range strategies draw from (see SearchSpace.searched); low..high when absent. */
  search?: readonly [number, number];
  /** Narrower ranges strategies draw from, per value of a choice dimension (see rangeIn). */
  searchPer?: SearchPer;
  /**
   * The searchPer ranges in force: set on the dimension of the space strategies search
   * (SearchSpace.searched), so that the full space is still drawn from whole (see rangeIn).
   */
  rangePer?: SearchPer;
}

export interface IntParam extends ParamBase {
  kind: 'int';
  low: number;
  high: number;
  log: boolean;
  default: number;
  /** The range strategies draw from (see SearchSpace.searched); low..high when absent. */
  search?: readonly [number, number];
  /** Narrower ranges strategies draw from, per value of a choice dimension (see rangeIn). */
  searchPer?: SearchPer;
  /**
   * The searchPer ranges in force: set on the dimension of the space strategies search
   * (SearchSpace.searched), so that the full space is still drawn from whole (see rangeIn).
   */
  rangePer?: SearchPer;
}

export interface ChoiceParam<T extends ChoiceValue = ChoiceValue> extends ParamBase {
  kind: 'choice';
  choices: readonly T[];
  default: T;
  /** The choices strategies draw from (see SearchSpace.searched); all when absent. */
  search?: readonly T[];
}

export type ParamDef = FloatParam | IntParam | ChoiceParam;

/** The value type a parameter takes. */
export type ParamValue<P extends ParamDef> =
  P extends ChoiceParam<infer T> ? T : P extends FloatParam | IntParam ? number : never;

interface NumericOptions {
  default: number;
  area: Area;
  description: string;
  log?: boolean;
  when?: Condition;
  /**
   * A practitioner's range inside low..high, where strategies look; values outside it stay valid
   * (an untuned baseline, a configuration a person gives).
   */
  search?: readonly [number, number];
  /**
   * Where strategies look given another dimension's choice (learning rates per optimizer): each
   * range inside the search range (or low..high); SearchSpace checks the default against the
   * range of the other dimension's default.
   */
  searchPer?: SearchPer;
}

interface ChoiceOptions<T extends ChoiceValue> {
  default: T;
  area: Area;
  description: string;
  when?: Condition;
  /** The choices strategies look among; the others stay valid (see NumericOptions.search). */
  search?: readonly T[];
}

function checkBounds(kind: string, low: number, high: number, opts: NumericOptions): void {
  if (!(low < high))
    throw new Error(`${kind} parameter: low (${low}) must be below high (${high})`);
  if (opts.log && low <= 0) throw new Error(`${kind} parameter on a log scale needs low > 0`);
  if (opts.default < low || opts.default > high) {
    throw new Error(`${kind} parameter: default ${opts.default} is outside ${low}..${high}`);
  }
  if (opts.search) {
    const [from, to] = opts.search;
    if (!(low <= from && from < to && to <= high))
      throw new Error(
        `${kind} parameter: search range ${from}..${to} is not inside ${low}..${high}`,
      );
    if (opts.default < from || opts.default > to)
      throw new Error(`${kind} parameter: default ${opts.default} is outside its search range`);
  }
  const [outerLow, outerHigh] = opts.search ?? [low, high];
  for (const [value, [from, to]] of Object.entries(opts.searchPer?.ranges ?? {})) {
    if (!(outerLow <= from && from < to && to <= outerHigh))
      throw new Error(
        `${kind} parameter: its search range for ${opts.searchPer!.param} ${value} (${from}..${to}) is not inside ${outerLow}..${outerHigh}`,
      );
  }
}

/** Conditional dimensions are typed as optional keys of a config (see `ConfigOf`). */
export type WithWhen<O> = O extends { when: Condition } ? { when: Condition } : unknown;

export function float<const O extends NumericOptions>(
  low: number,
  high: number,
  opts: O,
): FloatParam & WithWhen<O> {
  checkBounds('float', low, high, opts);
  return { kind: 'float', low, high, log: opts.log ?? false, ...withoutLog(opts) } as FloatParam &
    WithWhen<O>;
}

export function int<const O extends NumericOptions>(
  low: number,
  high: number,
  opts: O,
): IntParam & WithWhen<O> {
  checkBounds('int', low, high, opts);
  if (!Number.isInteger(low) || !Number.isInteger(high) || !Number.isInteger(opts.default)) {
    throw new Error('int parameter: bounds and default must be integers');
  }
  return { kind: 'int', low, high, log: opts.log ?? false, ...withoutLog(opts) } as IntParam &
    WithWhen<O>;
}

export function choice<const T extends ChoiceValue, const O extends ChoiceOptions<T>>(
  choices: readonly T[],
  opts: O,
): ChoiceParam<T> & WithWhen<O> {
  if (choices.length === 0) throw new Error('choice parameter needs at least one choice');
  if (!choices.includes(opts.default)) {
    throw new Error(`choice parameter: default ${String(opts.default)} is not among the choices`);
  }
  if (
    opts.search &&
    !(opts.search.includes(opts.default) && opts.search.every((c) => choices.includes(c)))
  )
    throw new Error('choice parameter: its search choices must be choices and include the default');
  return { kind: 'choice', choices, ...opts } as ChoiceParam<T> & WithWhen<O>;
}

/** An on/off switch: a choice between false and true. */
export function flag<const O extends ChoiceOptions<boolean>>(
  opts: O,
): ChoiceParam<boolean> & WithWhen<O> {
  return choice<boolean, O>([false, true], opts);
}

function withoutLog(opts: NumericOptions): Omit<NumericOptions, 'log'> {
  const { log: _log, ...rest } = opts;
  return rest;
}

/** "1e-5..1 (log scale)", "one of sgd, adam", ... : the allowed values in words. */
export function describeRange(p: ParamDef): string {
  switch (p.kind) {
    case 'float':
      return `a number in ${fmt(p.low)}..${fmt(p.high)}${p.log ? ' (log scale)' : ''}`;
    case 'int':
      return `an integer in ${p.low}..${p.high}${p.log ? ' (log scale)' : ''}`;
    case 'choice':
      return `one of ${p.choices.map((c) => JSON.stringify(c)).join(', ')}`;
  }
}

/**
 * Where strategies look, in words, when it is narrower than the allowed values: "; strategies
 * search 5e-4..0.3 (with optimizer sgd 0.01..0.2, ...)"; empty when they search everything.
 */
export function describeSearch(p: ParamDef): string {
  if (p.kind === 'choice')
    return p.search ? `; strategies try ${p.search.map((c) => JSON.stringify(c)).join(', ')}` : '';
  const [low, high] = p.search ?? [p.low, p.high];
  const per = p.searchPer
    ? ` (with ${p.searchPer.param} ${Object.entries(p.searchPer.ranges)
        .map(([value, [from, to]]) => `${value} ${fmt(from)}..${fmt(to)}`)
        .join(', ')})`
    : '';
  return p.search || per ? `; strategies search ${fmt(low)}..${fmt(high)}${per}` : '';
}

/** The condition in words, e.g. "when hiddenLayers >= 3". */
export function describeCondition(c: Condition): string {
  if (c.atLeast !== undefined) return `when ${c.param} >= ${c.atLeast}`;
  return `when ${c.param} is ${(c.oneOf ?? []).map((v) => JSON.stringify(v)).join(' or ')}`;
}

export function fmt(x: number): string {
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(0);
  return String(x);
}

/**
 * The dimension as strategies search it: its search range or choices in place of the full ones,
 * and its ranges per choice in force (see rangeIn).
 */
export function searchedParam(p: ParamDef): ParamDef {
  if (p.kind === 'choice') {
    if (!p.search) return p;
    const { search, ...rest } = p;
    return { ...rest, choices: search };
  }
  if (!p.search && !p.searchPer) return p;
  const { search, searchPer, ...rest } = p;
  const [low, high] = search ?? [p.low, p.high];
  return { ...rest, low, high, ...(searchPer ? { rangePer: searchPer } : {}) };
}

export type NumericParam = FloatParam | IntParam;

/**
 * The range a strategy searches a numeric dimension in for one configuration: on a searched
 * space, the range for the choice the configuration makes (`rangePer`), else the dimension's
 * own bounds.
 */
export function rangeIn(
  p: NumericParam,
  config: Readonly<Record<string, unknown>>,
): readonly [number, number] {
  const per = p.rangePer;
  return (per && per.ranges[String(config[per.param])]) ?? [p.low, p.high];
}

/**
 * A value of the dimension's bounds moved to the same place, on its scale, in the range the
 * configuration's choice gives (see rangeIn): how a strategy that draws over the bounds (random
 * search, a grid) lands in the narrower range. The identity without a `rangePer`.
 */
export function intoRangeIn(
  p: NumericParam,
  value: number,
  config: Readonly<Record<string, unknown>>,
): number {
  const [low, high] = rangeIn(p, config);
  if (low === p.low && high === p.high) return value;
  const t = (x: number) => (p.log ? Math.log(x) : x);
  const share = (t(value) - t(p.low)) / (t(p.high) - t(p.low));
  const moved = t(low) + share * (t(high) - t(low));
  const v = p.log ? Math.exp(moved) : moved;
  return Math.min(high, Math.max(low, p.kind === 'int' ? Math.round(v) : v));
}
