import { z } from 'zod';
import { closestName } from '../format/closest-name.ts';
import {
  describeCondition,
  describeRange,
  type ChoiceValue,
  type Condition,
  type NumericParam,
  type ParamDef,
  type ParamValue,
  searchedParam,
} from './param.ts';
import { LgtError } from '../errors/lgt-error.ts';

export type ParamDefs = Record<string, ParamDef>;

/** A configuration of a space: conditional dimensions are optional (absent when inactive). */
export type ConfigOf<P extends ParamDefs> = {
  -readonly [K in keyof P as P[K] extends { when: Condition } ? never : K]: ParamValue<P[K]>;
} & {
  -readonly [K in keyof P as P[K] extends { when: Condition } ? K : never]?: ParamValue<P[K]>;
};

/** Any task's configuration, as the trainer and the command line see it. */
export type Config = Record<string, ChoiceValue>;

export type NamedParam = ParamDef & { name: string };

export interface FieldError {
  field: string;
  message: string;
}

export type ValidationResult<C> = { ok: true; config: C } | { ok: false; errors: FieldError[] };

/** Thrown by `SearchSpace.parse`; its message names every bad field and what it allows. */
export class InvalidConfigError extends LgtError {
  constructor(readonly errors: FieldError[]) {
    super(
      'invalid-request',
      `invalid configuration:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`,
    );
    this.name = 'InvalidConfigError';
  }
}

/**
 * A task's search space: named dimensions with bounds, scales, choices, defaults and conditions.
 * `schema` is the zod schema of a configuration; `validate` explains every bad field in words and
 * drops dimensions whose condition does not hold, so equal configurations look equal.
 */
export class SearchSpace<P extends ParamDefs = ParamDefs> {
  readonly params: NamedParam[];
  readonly schema: z.ZodType;

  constructor(readonly defs: P) {
    this.params = Object.entries(defs).map(([name, def]) => ({ name, ...def }));
    for (const p of this.params) {
      if (p.when && !(p.when.param in defs)) {
        throw new Error(
          `parameter ${p.name}: its condition names unknown parameter ${p.when.param}`,
        );
      }
      if (p.kind !== 'choice' && p.searchPer) checkSearchPer(p, defs);
    }
    this.schema = z.strictObject(
      Object.fromEntries(this.params.map((p) => [p.name, fieldSchema(p)])) as Record<
        string,
        z.ZodType
      >,
    );
  }

  param(name: string): NamedParam | undefined {
    return this.params.find((p) => p.name === name);
  }

  /** The default configuration (each dimension at its default, inactive ones dropped). */
  defaults(): ConfigOf<P> {
    return this.parse({});
  }

  /** Checks a configuration; fills defaults for missing fields and drops inactive ones. */
  validate(input: unknown): ValidationResult<ConfigOf<P>> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return {
        ok: false,
        errors: [{ field: '', message: 'a configuration must be a JSON object of field: value' }],
      };
    }
    const result = this.schema.safeParse(input);
    if (!result.success) {
      return { ok: false, errors: this.explain(result.error, input as Record<string, unknown>) };
    }
    return { ok: true, config: this.dropInactive(result.data as Config) as ConfigOf<P> };
  }

  /** Like `validate`, but throws an InvalidConfigError. */
  parse(input: unknown): ConfigOf<P> {
    const result = this.validate(input);
    if (!result.ok) throw new InvalidConfigError(result.errors);
    return result.config;
  }

  /** Whether a dimension applies to a configuration (its condition holds). */
  isActive(name: string, config: Config): boolean {
    const p = this.param(name);
    if (!p?.when) return p !== undefined;
    if (!this.isActive(p.when.param, config)) return false;
    const v = config[p.when.param];
    if (p.when.atLeast !== undefined) return typeof v === 'number' && v >= p.when.atLeast;
    return (p.when.oneOf ?? []).includes(v as ChoiceValue);
  }

  /** The same space with some dimensions pinned to one value (e.g. a campaign-wide epoch count). */
  withFixed(values: Config): SearchSpace {
    const defs: ParamDefs = { ...this.defs };
    for (const [name, value] of Object.entries(values)) {
      const p = defs[name];
      if (!p) throw new Error(`cannot fix unknown parameter ${name}`);
      const { area, description, when } = p;
      defs[name] = {
        kind: 'choice',
        choices: [value],
        default: value,
        area,
        description,
        ...(when ? { when } : {}),
      };
    }
    // A range per choice whose choice is pinned becomes that choice's range (the default's
    // range when the default lies outside it, as a search range must hold the default).
    for (const [name, p] of Object.entries(defs)) {
      if (p.kind === 'choice' || !p.searchPer || !(p.searchPer.param in values)) continue;
      const { searchPer, ...rest } = p;
      const pinned = searchPer.ranges[String(values[searchPer.param])];
      const holdsDefault = pinned && pinned[0] <= p.default && p.default <= pinned[1];
      defs[name] = holdsDefault ? { ...rest, search: pinned } : rest;
    }
    return new SearchSpace(defs);
  }

  /**
   * The space strategies search: each dimension narrowed to its search range or choices (what a
   * practitioner would try: no learning rate that leaves a model untrained or makes it diverge,
   * no untransformed regression target). Every value of this space is valid in the full one,
   * which still checks what is trained, so an untuned baseline outside the ranges runs as before.
   */
  searched(): SearchSpace {
    if (!this.params.some((p) => p.search || (p.kind !== 'choice' && p.searchPer))) return this;
    return new SearchSpace(
      Object.fromEntries(Object.entries(this.defs).map(([n, p]) => [n, searchedParam(p)])),
    );
  }

  /** Machine-readable form, for outside optimizers and the `hybrid` strategy. */
  toJSON(): NamedParam[] {
    return this.params.map((p) => ({ ...p }));
  }

  /** One line per dimension, grouped by area: what it is, its range and default. */
  describe(): string {
    return this.params
      .map((p) => {
        const cond = p.when ? `, only ${describeCondition(p.when)}` : '';
        return `- ${p.name} [${p.area}]: ${p.description}; ${describeRange(p)}, default ${JSON.stringify(p.default)}${cond}`;
      })
      .join('\n');
  }

  private dropInactive(config: Config): Config {
    const out: Config = {};
    for (const p of this.params) {
      const v = config[p.name];
      if (v !== undefined && this.isActive(p.name, config)) out[p.name] = v;
    }
    return out;
  }

  private explain(error: z.ZodError, input: Record<string, unknown>): FieldError[] {
    const errors: FieldError[] = [];
    for (const issue of error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const near = closestName(
            key,
            this.params.map((p) => p.name),
          );
          errors.push({
            field: key,
            message: `${key}: unknown field${near ? ` (did you mean ${near}?)` : ''}; known fields: ${this.params.map((p) => p.name).join(', ')}`,
          });
        }
        continue;
      }
      const field = String(issue.path[0] ?? '');
      const p = this.param(field);
      if (!p || errors.some((e) => e.field === field)) continue;
      errors.push({
        field,
        message: `${field}: got ${JSON.stringify(input[field])}, allowed ${describeRange(p)}`,
      });
    }
    return errors;
  }
}

/** A range per choice names a choice dimension, its choices, and holds the default's default. */
function checkSearchPer(p: NamedParam & NumericParam, defs: ParamDefs): void {
  const per = p.searchPer!;
  const by = defs[per.param];
  if (by?.kind !== 'choice')
    throw new Error(
      `parameter ${p.name}: its ranges per ${per.param} need a choice parameter of that name`,
    );
  for (const value of Object.keys(per.ranges)) {
    if (!by.choices.some((c) => String(c) === value))
      throw new Error(
        `parameter ${p.name}: it has a range for ${per.param} ${value}, which is not one of its choices`,
      );
  }
  const [low, high] = per.ranges[String(by.default)] ?? [p.low, p.high];
  if (p.default < low || p.default > high)
    throw new Error(
      `parameter ${p.name}: default ${p.default} is outside its search range for ${per.param} ${String(by.default)} (${low}..${high})`,
    );
}

function fieldSchema(p: NamedParam): z.ZodType {
  switch (p.kind) {
    case 'float':
      return z.number().min(p.low).max(p.high).default(p.default);
    case 'int':
      return z.number().int().min(p.low).max(p.high).default(p.default);
    case 'choice': {
      return z.literal(p.choices).default(p.default);
    }
  }
}
