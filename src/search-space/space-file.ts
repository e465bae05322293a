import { LgtError } from '../errors/lgt-error.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { oneOf } from '../format/one-of.ts';
import { choice, float, int, type Area, type ChoiceValue, type ParamDef } from './param.ts';
import type { ParamDefs } from './search-space.ts';
import { DIRECTIONS } from '../maths/direction.ts';

const AREAS = ['architecture', 'training', 'features', 'regularization'] as const;
/** A parameter's name is also a {placeholder} in a command: letters, digits and _ only. */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PARAMS = 200;

const ChoiceValueSchema = z.union([z.string().max(200), z.number(), z.boolean()]);

const ConditionSchema = z.strictObject({
  param: z.string().regex(PARAM_NAME, 'must name another parameter'),
  oneOf: z.array(ChoiceValueSchema).min(1).optional(),
  atLeast: z.number().optional(),
});

const common = {
  description: z.string().max(1000).optional(),
  area: z.enum(AREAS, { error: oneOf(AREAS) }).optional(),
  when: ConditionSchema.optional(),
};

const NumericFields = {
  low: z.number({ error: 'must be a number' }),
  high: z.number({ error: 'must be a number' }),
  log: z.boolean().optional(),
  default: z.number({ error: 'must be a number' }).optional(),
  ...common,
};

const ParamSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('float'), ...NumericFields }),
      z.strictObject({ type: z.literal('int'), ...NumericFields }),
      z.strictObject({
        type: z.literal('choice'),
        choices: z.array(ChoiceValueSchema).min(1, 'must list at least one choice').max(1000),
        default: ChoiceValueSchema.optional(),
        ...common,
      }),
    ],
    { error: 'needs type: float, int or choice' },
  )
  // Each parameter's own consistency, checked even when another parameter is malformed, so one
  // run names every problem.
  .superRefine((p, ctx) => {
    const issue = (message: string, field: string) =>
      ctx.addIssue({ code: 'custom', message, path: [field] });
    if (p.type !== 'choice') {
      if (!(p.low < p.high)) issue(`must be below high (${p.high})`, 'low');
      if (p.log && p.low <= 0) issue('must be above 0 on a log scale (log: true)', 'low');
      if (p.type === 'int' && (!Number.isInteger(p.low) || !Number.isInteger(p.high)))
        issue('an int parameter has whole-number bounds', Number.isInteger(p.low) ? 'high' : 'low');
      if (p.default !== undefined && (p.default < p.low || p.default > p.high))
        issue(`must be within ${p.low}..${p.high}`, 'default');
      if (p.type === 'int' && p.default !== undefined && !Number.isInteger(p.default))
        issue('must be a whole number', 'default');
    } else if (p.default !== undefined && !p.choices.includes(p.default)) {
      issue(`must be one of the choices (${p.choices.join(', ')})`, 'default');
    }
    if (p.when && (p.when.oneOf === undefined) === (p.when.atLeast === undefined))
      issue('give either oneOf: [values] or atLeast: number', 'when');
  });
type ParamEntry = z.infer<typeof ParamSchema>;

/**
 * A search space as a file (YAML or JSON), for objectives that are commands: each parameter's
 * type, bounds, scale, choices, default and condition; optionally the metric and a description
 * the agents read. Checked in full, each error naming its field, before anything runs.
 */
export const SpaceFileSchema = z
  .strictObject({
    name: z.string().min(1).max(100).optional(),
    description: z.string().max(4000).optional(),
    metric: z.string().min(1).max(50).optional(),
    direction: z.enum(DIRECTIONS, { error: oneOf(DIRECTIONS) }).optional(),
    params: z
      .record(z.string(), ParamSchema)
      .refine((p) => Object.keys(p).length > 0, 'must define at least one parameter')
      .refine((p) => Object.keys(p).length <= MAX_PARAMS, `at most ${MAX_PARAMS} parameters`),
  })
  .superRefine((file, ctx) => {
    for (const [name, p] of Object.entries(file.params)) {
      const issue = (message: string, ...field: string[]) =>
        ctx.addIssue({ code: 'custom', message, path: ['params', name, ...field] });
      if (!PARAM_NAME.test(name))
        issue('a parameter name is letters, digits and _ (it is also a {placeholder})');
      if (p.when && (!(p.when.param in file.params) || p.when.param === name))
        issue(`names no other parameter ("${p.when.param}")`, 'when', 'param');
    }
  });
export type SpaceFile = z.infer<typeof SpaceFileSchema>;

/** A space file that cannot be used; the message lists every problem by field. */
export class SpaceFileError extends LgtError {
  constructor(file: string, problems: string[]) {
    super(
      'invalid-request',

      `${file}:${problems.length === 1 ? ` ${problems[0]}` : `\n  - ${problems.join('\n  - ')}`}`,
    );
    this.name = 'SpaceFileError';
  }
}

/** Reads and checks a space file (.yaml, .yml or .json). */
export function readSpaceFile(file: string): SpaceFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SpaceFileError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  let data: unknown;
  try {
    data = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SpaceFileError(file, [`is not valid YAML or JSON: ${(error as Error).message}`]);
  }
  return checkSpaceFile(data, file);
}

/** Checks a space as data (from a file, or from a job that carries it). */
export function checkSpaceFile(data: unknown, where: string): SpaceFile {
  const result = SpaceFileSchema.safeParse(data);
  if (!result.success) {
    throw new SpaceFileError(
      where,
      result.error.issues.map(
        (i) => `${i.path.length ? i.path.join('.') : '(the file)'}: ${i.message}`,
      ),
    );
  }
  return result.data;
}

/** The parameters of a checked space file, as the search space takes them. */
export function spaceFileParams(file: SpaceFile): ParamDefs {
  return Object.fromEntries(
    Object.entries(file.params).map(([name, p]) => [name, paramOf(name, p)]),
  );
}

function paramOf(name: string, p: ParamEntry): ParamDef {
  const base = {
    area: (p.area ?? 'training') as Area,
    description: p.description ?? name,
    ...(p.when
      ? { when: p.when as { param: string; oneOf?: ChoiceValue[]; atLeast?: number } }
      : {}),
  };
  if (p.type === 'choice')
    return choice(p.choices, { ...base, default: p.default ?? p.choices[0]! });
  const log = p.log ?? false;
  // Without a default: the middle of the range (on its scale).
  const middle = log ? Math.sqrt(p.low * p.high) : (p.low + p.high) / 2;
  if (p.type === 'int')
    return int(p.low, p.high, { ...base, log, default: p.default ?? Math.round(middle) });
  return float(p.low, p.high, { ...base, log, default: p.default ?? middle });
}
