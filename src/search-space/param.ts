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
}

export interface IntParam extends ParamBase {
  kind: 'int';
  low: number;
  high: number;
  log: boolean;
  default: number;
  /** The range strategies draw from (see SearchSpace.searched); low..high when absent. */
  search?: readonly [number, number];
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

/** The condition in words, e.g. "when hiddenLayers >= 3". */
export function describeCondition(c: Condition): string {
  if (c.atLeast !== undefined) return `when ${c.param} >= ${c.atLeast}`;
  return `when ${c.param} is ${(c.oneOf ?? []).map((v) => JSON.stringify(v)).join(' or ')}`;
}

export function fmt(x: number): string {
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(0);
  return String(x);
}

/** The dimension as strategies search it: its search range or choices in place of the full ones. */
export function searchedParam<P extends ParamDef>(p: P): P {
  if (!p.search) return p;
  const { search, ...rest } = p;
  if (p.kind === 'choice') return { ...rest, choices: search } as unknown as P;
  const [low, high] = search as readonly [number, number];
  return { ...rest, low, high } as unknown as P;
}
