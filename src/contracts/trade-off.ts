/**
 * The language of a campaign that tunes a trade-off: its objectives (`val_accuracy:max`), its
 * constraints (`params<=100000`) and the rule that picks its final model from the front
 * (`max val_accuracy where params<=50000`, or `knee`). The command line and the API both write
 * them as text; the request keeps the structured form, and the report states the pick's rule in
 * the words it was given.
 */
import { z } from 'zod';
import { DirectionSchema, type Direction } from '../maths/direction.ts';
import { LgtError } from '../errors/lgt-error.ts';

/** A metric's name as a trial reports it (letters, digits, `_`, `.`, `-`). */
const MetricNameSchema = z
  .string()
  .min(1, 'must name a metric')
  .max(50, 'must be at most 50 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a metric name (letters, digits, _ . -)');

export const ObjectiveSchema = z.strictObject({
  metric: MetricNameSchema,
  direction: DirectionSchema,
});
export type Objective = z.infer<typeof ObjectiveSchema>;

export const CONSTRAINT_OPS = ['<=', '>='] as const;
export const ConstraintSchema = z.strictObject({
  metric: MetricNameSchema,
  op: z.enum(CONSTRAINT_OPS, { error: 'must be <= or >=' }),
  bound: z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be finite'),
});
export type Constraint = z.infer<typeof ConstraintSchema>;

/**
 * How the final model is chosen from the front: `knee` (see kneeIndex), or the best member by
 * one metric among those that meet every condition (`max val_accuracy where params<=50000`).
 */
export const PickRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('knee') }),
  z.strictObject({
    kind: z.literal('best'),
    metric: MetricNameSchema,
    direction: DirectionSchema,
    where: z.array(ConstraintSchema).max(20).default([]),
  }),
]);
export type PickRule = z.infer<typeof PickRuleSchema>;

/** A text form could not be read: the message says what was expected. */
export class TradeOffSyntaxError extends LgtError {
  constructor(message: string) {
    super('invalid-request', message);
    this.name = 'TradeOffSyntaxError';
  }
}

const DIRECTION_WORDS: Record<string, Direction> = {
  max: 'maximize',
  maximize: 'maximize',
  min: 'minimize',
  minimize: 'minimize',
};

function directionOf(word: string, what: string): Direction {
  const direction = DIRECTION_WORDS[word.toLowerCase()];
  if (!direction)
    throw new TradeOffSyntaxError(`${what}: the direction "${word}" is not max or min`);
  return direction;
}

function metricOf(name: string, what: string): string {
  const checked = MetricNameSchema.safeParse(name);
  if (!checked.success)
    throw new TradeOffSyntaxError(
      `${what}: "${name}" ${checked.error.issues[0]?.message ?? 'is not a metric name'}`,
    );
  return checked.data;
}

/** `val_accuracy:max` (or `:min`, `:maximize`, `:minimize`). */
export function parseObjective(text: string): Objective {
  const match = /^\s*([^:]+?)\s*:\s*(\S+)\s*$/.exec(text);
  if (!match)
    throw new TradeOffSyntaxError(
      `objective "${text}" is not metric:direction (e.g. val_accuracy:max or params:min)`,
    );
  const what = `objective "${text}"`;
  return { metric: metricOf(match[1]!, what), direction: directionOf(match[2]!, what) };
}

/** `params<=100000` or `val_accuracy>=0.8` (numbers as JavaScript reads them: 1e5 is fine). */
export function parseConstraint(text: string): Constraint {
  const match = /^\s*([^<>=\s]+)\s*(<=|>=)\s*(\S+)\s*$/.exec(text);
  if (!match)
    throw new TradeOffSyntaxError(
      `constraint "${text}" is not metric<=number or metric>=number (e.g. params<=100000)`,
    );
  const bound = Number(match[3]);
  if (!Number.isFinite(bound))
    throw new TradeOffSyntaxError(`constraint "${text}": "${match[3]}" is not a finite number`);
  return {
    metric: metricOf(match[1]!, `constraint "${text}"`),
    op: match[2] as '<=' | '>=',
    bound,
  };
}

/** `knee`, or `max val_accuracy`, optionally `where params<=50000 and ...`. */
export function parsePickRule(text: string): PickRule {
  const trimmed = text.trim();
  if (/^knee$/i.test(trimmed)) return { kind: 'knee' };
  const match = /^(\S+)\s+(\S+)(?:\s+where\s+(.+))?$/i.exec(trimmed);
  if (!match)
    throw new TradeOffSyntaxError(
      `pick "${text}" is not "knee" or "max|min <metric> [where <metric><=<number> and ...]"`,
    );
  const what = `pick "${text}"`;
  return {
    kind: 'best',
    direction: directionOf(match[1]!, what),
    metric: metricOf(match[2]!, what),
    where: match[3] ? match[3].split(/\s+and\s+/i).map(parseConstraint) : [],
  };
}

/** The words a rule is shown in (what parsePickRule reads back). */
export function describePickRule(rule: PickRule): string {
  if (rule.kind === 'knee') return 'knee';
  const head = `${rule.direction === 'maximize' ? 'max' : 'min'} ${rule.metric}`;
  return rule.where.length
    ? `${head} where ${rule.where.map(describeConstraint).join(' and ')}`
    : head;
}

export function describeConstraint(c: Constraint): string {
  return `${c.metric}${c.op}${c.bound}`;
}

export function describeObjective(o: Objective): string {
  return `${o.metric}:${o.direction === 'maximize' ? 'max' : 'min'}`;
}

const TrialNumber = z.number().int().min(1);

/** A trial on the front, or the pick: its number and its objectives' values, in order. */
export const FrontMemberSchema = z.object({
  trial: TrialNumber,
  values: z.array(z.number()),
});
export type FrontMember = z.infer<typeof FrontMemberSchema>;

/**
 * A trade-off campaign's result (report.json's `tradeOff`, the API, `lgt status`): its
 * objectives and constraints, the front of its feasible complete trials, the hypervolume the
 * front dominates against a stated reference point (after each trial, for the curve), how many
 * trials were feasible, and the pick with its rule.
 */
export const TradeOffReportSchema = z.object({
  objectives: z.array(ObjectiveSchema),
  constraints: z.array(ConstraintSchema),
  /** Trials with every objective, split by whether they met the constraints; and the rest. */
  counts: z.object({
    feasible: z.number().int().min(0),
    infeasible: z.number().int().min(0),
    /** Not completed (failed, pruned, cancelled, running) or an objective missing. */
    incomplete: z.number().int().min(0),
  }),
  /** The feasible trials no other feasible trial beats in every objective, by trial number. */
  front: z.array(FrontMemberSchema),
  /** The hypervolume's reference point, in the objectives' own values, and how it was chosen. */
  reference: z.object({ values: z.array(z.number()), rule: z.string() }).nullable(),
  /** The hypervolume of the front against the reference (objectives in their own units). */
  hypervolume: z.number().nullable(),
  /** The front's hypervolume after each trial number where it changed (a curve over trials). */
  hypervolumeByTrial: z.array(z.object({ trial: TrialNumber, hypervolume: z.number() })),
  /** The default configuration's values, when the campaign trained it, and whether it is on the front. */
  default: FrontMemberSchema.extend({ onFront: z.boolean(), feasible: z.boolean() }).nullable(),
  pick: z.object({
    rule: z.string(),
    /** Null when no feasible trial meets the rule's conditions. */
    member: FrontMemberSchema.extend({ onFront: z.boolean() }).nullable(),
    /** Why this one, in words. */
    reason: z.string(),
  }),
});
export type TradeOffReport = z.infer<typeof TradeOffReportSchema>;
