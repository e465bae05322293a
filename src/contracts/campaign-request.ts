import { z } from 'zod';
import { oneOf } from '../format/one-of.ts';
import { PathTextSchema, TaskSpecSchema } from '../task-kinds/task-spec.ts';
import { LgtError, type FieldProblem } from '../errors/lgt-error.ts';
import { ConstraintSchema, ObjectiveSchema, PickRuleSchema } from './trade-off.ts';

export const NUMERIC_STRATEGY_NAMES = [
  'random',
  'grid',
  'tpe',
  'gp',
  'cmaes',
  'zo',
  'fdpg',
  'nsga2',
] as const;
/**
 * The strategies that tune a trade-off (several objectives, or constraints): TPE becomes
 * multi-objective TPE, NSGA-II is one, auto picks between them; random and grid do not model
 * the objective at all; hybrid with one of those in control, its Advisor told the front. The
 * others learn from one number and would ignore the rest.
 */
export const TRADE_OFF_STRATEGY_NAMES = [
  'auto',
  'random',
  'grid',
  'tpe',
  'nsga2',
  'hybrid',
] as const;
/** The cores a hybrid campaign can put in control of a trade-off. */
export const TRADE_OFF_CORE_NAMES = ['auto', 'tpe'] as const;
export const STRATEGY_NAMES = ['auto', ...NUMERIC_STRATEGY_NAMES, 'lgt', 'hybrid'] as const;
/** The numeric optimizers a hybrid campaign can put in control. */
export const CORE_NAMES = ['auto', 'gp', 'tpe', 'cmaes'] as const;
const PRUNER_NAMES = ['none', 'median', 'asha'] as const;
/** f-DPG's divergences: Jensen-Shannon, forward KL, reverse KL, total variation. */
export const DIVERGENCE_NAMES = ['js', 'kl', 'rkl', 'tv'] as const;
/** The three agents, as a request names them (llmModels' keys, proxyDecisions). */
export const AGENT_NAMES = ['advisor', 'evaluator', 'optimizer'] as const;
/**
 * search: separate trials, each a configuration trained from scratch; dynamic: the agents steer
 * one run between epochs (the LGT authors' loop); pbt: population-based training.
 */
export const MODE_NAMES = ['search', 'dynamic', 'pbt'] as const;
export type CampaignMode = (typeof MODE_NAMES)[number];
/** The in-run settings a request leaves out. */
export const IN_RUN_DEFAULTS = { decideEvery: 1, attempts: 3, population: 4 } as const;

/**
 * Upper bounds of a campaign: far above any real use on one Redis, low enough that a typo or a
 * hostile request cannot make a driver write a million trials or a worker train for days.
 */
const REQUEST_LIMITS = {
  maxTrials: 100_000,
  parallel: 1_000,
  epochs: 10_000,
  timeLimitSeconds: 30 * 24 * 3600,
  trialTimeoutSeconds: 7 * 24 * 3600,
  maxTrainRows: 100_000_000,
  gridResolution: 100,
  optimizeEvery: 1_000,
} as const;

// Messages say what a value must be, not where it came from: the error names the field
// (maxTrials must be at least 1), and the command line says which flag sets it.
const positiveInt = (max: number) =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max.toLocaleString('en')}`);

/** Everything that defines a campaign; stored with it, so a resumed driver needs nothing else. */
export const CampaignRequestSchema = z.strictObject({
  task: TaskSpecSchema,
  // The defaults are `lgt run`'s, so a script or an API body may leave them out.
  strategy: z.enum(STRATEGY_NAMES, { error: oneOf(STRATEGY_NAMES) }).default('random'),
  maxTrials: positiveInt(REQUEST_LIMITS.maxTrials).default(20),
  timeLimitSeconds: z
    .number()
    .positive('must be positive')
    .max(REQUEST_LIMITS.timeLimitSeconds, 'must be at most 30 days')
    .optional(),
  parallel: positiveInt(REQUEST_LIMITS.parallel).default(2),
  /**
   * Longest one trial may train; past it the trial ends as timed out and the campaign goes on.
   * Absent: 20 times the campaign's median trial once 3 have finished (at least 2 minutes).
   */
  trialTimeoutSeconds: z
    .number()
    .positive('must be positive')
    .max(REQUEST_LIMITS.trialTimeoutSeconds, 'must be at most 7 days')
    .optional(),
  /**
   * Most optimizer steps one trial may take, as a multiple of the steps of the task's default
   * configuration; a configuration past it trains fewer epochs (see step-budget.ts). 0 turns
   * the cap off; absent: 10.
   */
  stepBudget: z
    .number({ error: 'must be a number' })
    .min(0, 'must be >= 0 (0 turns it off)')
    .max(10_000, 'must be at most 10,000')
    .optional(),
  seed: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be >= 0')
    .default(0),
  splitSeed: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be >= 0')
    .default(0),
  pruner: z.enum(PRUNER_NAMES, { error: oneOf(PRUNER_NAMES) }).default('none'),
  /** The pruner's settings; absent ones take its defaults. */
  prunerOptions: z
    .strictObject({
      /** median: finished trials that must have reached an epoch before it prunes there (3). */
      minTrials: positiveInt(1_000).optional(),
      /** median: epochs before it prunes at all (2). */
      warmupEpochs: z.number().int('must be a whole number').min(0, 'must be >= 0').optional(),
      /** asha: epochs at the first rung (1). */
      minEpochs: positiveInt(REQUEST_LIMITS.epochs).optional(),
      /** asha: eta; rungs at minEpochs * eta^k, the best 1/eta go on (3). */
      reductionFactor: z
        .number({ error: 'must be a number' })
        .min(1.5, 'must be at least 1.5')
        .max(100, 'must be at most 100')
        .optional(),
    })
    .optional(),
  /**
   * Cross-validation folds per trial: a trial's score is the mean over this many folds of the
   * training and validation rows (1: the validation split alone). Absent: decided when the
   * campaign is created (see CV_ROW_THRESHOLD).
   */
  cv: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1 (1 = no cross-validation)')
    .max(20, 'must be at most 20')
    .optional(),
  /** Epochs for every trial, overriding the configurations' own. */
  epochs: positiveInt(REQUEST_LIMITS.epochs).optional(),
  maxTrainRows: positiveInt(REQUEST_LIMITS.maxTrainRows).optional(),
  /** Grid: values per continuous dimension, and the dimensions to vary (default: all). */
  gridResolution: z
    .number()
    .int()
    .min(2, 'must be at least 2')
    .max(REQUEST_LIMITS.gridResolution, `must be at most ${REQUEST_LIMITS.gridResolution}`)
    .default(3),
  gridParams: z.array(z.string().max(200)).max(200).optional(),
  /**
   * Who answers for the agents (strategies lgt and hybrid): an LLM through the agents queue, or
   * the rule-based stand-ins. Decided when the campaign is created (is an LLM configured?).
   */
  agents: z.enum(['llm', 'rules'], { error: oneOf(['llm', 'rules']) }).default('rules'),
  /** The models, for the record (the key never is): one per agent, keyed by the agent's name. */
  llmModels: z
    .partialRecord(z.enum(AGENT_NAMES, { error: oneOf(AGENT_NAMES) }), z.string().max(200))
    .optional(),
  /**
   * Fail the campaign at the first agent turn the LLM does not answer (agents: llm), rather than
   * go on with the rule-based stand-ins: for runs whose point is the LLM.
   */
  llmRequired: z.boolean().optional(),
  /** Stop the campaign cleanly once its LLM calls have used this many tokens or this much money. */
  llmBudget: z
    .strictObject({
      tokens: z.number().int('must be a whole number').positive('must be positive').optional(),
      costUsd: z.number().positive('must be positive').optional(),
    })
    .optional(),
  /**
   * The agents whose choices among labels are proxy-tuned decisions (LGT_PROXY_TUNING on the
   * agents workers): their prompts take the decision form. Set when the campaign is created.
   */
  proxyDecisions: z
    .array(z.enum(AGENT_NAMES, { error: oneOf(AGENT_NAMES) }))
    .max(3)
    .optional(),
  /** lgt: a numeric strategy whose candidates the Advisor sees (and may take) every round. */
  candidates: z.enum(NUMERIC_STRATEGY_NAMES, { error: oneOf(NUMERIC_STRATEGY_NAMES) }).optional(),
  /**
   * hybrid: the numeric optimizer in control (auto: the GP or TPE as `--strategy auto` picks).
   * Centaur's was CMA-ES; auto is the default here because at the budgets people use the GP
   * leads lgt's samplers (docs/benchmarks.md).
   */
  core: z.enum(CORE_NAMES, { error: oneOf(CORE_NAMES) }).default('auto'),
  /** hybrid: the share of trials after the warm-up the Advisor proposes (Centaur's 0.3). */
  llmShare: z
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(0.3),
  /**
   * hybrid: configurations the Advisor proposes first, after the default, from the task's
   * description and space alone (LLAMBO's zero-shot warm start); the core starts from them.
   */
  llmWarmStart: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(1000)
    .default(0),
  /** hybrid: trials (the default included) the core proposes alone first (Centaur's 10). */
  llmWarmup: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(100_000)
    .default(10),
  /** fdpg (also as hybrid's candidates): the f-divergence its proposal distribution minimizes. */
  divergence: z.enum(DIVERGENCE_NAMES, { error: oneOf(DIVERGENCE_NAMES) }).default('js'),
  /**
   * Trial 1 is the search space's default configuration, whatever the strategy: the control the
   * summary and the report compare the best against (--no-default-first turns it off).
   */
  defaultFirst: z.boolean().default(true),
  /**
   * The final model is an ensemble of the campaign's trained configurations, chosen greedily in
   * this many rounds over their validation (or out-of-fold) predictions (see ensembleRoundsOf);
   * 0: the single configuration the campaign picks. Absent: DEFAULT_ENSEMBLE_ROUNDS.
   */
  ensemble: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 (no ensemble) or more rounds')
    .max(200, 'must be at most 200')
    .optional(),
  /** The Optimizer rewrites the Advisor's prompt every this many rounds. */
  optimizeEvery: positiveInt(REQUEST_LIMITS.optimizeEvery).default(3),
  /** Where the report and the best model are written. */
  outputDir: PathTextSchema,
  dataDirs: z.array(PathTextSchema).max(20).optional(),
  /** Search trials (the default), or one of the in-run modes. */
  mode: z.enum(MODE_NAMES, { error: oneOf(MODE_NAMES) }).default('search'),
  /** The in-run modes' settings; absent ones take their defaults (IN_RUN_DEFAULTS). */
  inRun: z
    .strictObject({
      /** Epochs between two decisions (dynamic) or two exploit/explore steps (pbt). */
      decideEvery: positiveInt(REQUEST_LIMITS.epochs).optional(),
      /** dynamic: proposals tried per decision before the run carries on unchanged. */
      attempts: positiveInt(10).optional(),
      /** pbt: runs in the population. */
      population: z
        .number({ error: 'must be a number' })
        .int('must be a whole number')
        .min(2, 'must be at least 2')
        .max(64, 'must be at most 64')
        .optional(),
      /**
       * Where a run starts when no starts are given: the search space's default configuration
       * (absent: this), or the task's deliberately plain baseline (the LGT paper's setting).
       */
      start: z.enum(['default', 'baseline'], { error: 'must be default or baseline' }).optional(),
      /**
       * dynamic: the configurations the runs start from, one run each (--continue-best K fills
       * them with another campaign's best K); absent: one run from `start`.
       */
      starts: z
        .array(
          z.record(z.string().max(200), z.union([z.string().max(1000), z.number(), z.boolean()])),
        )
        .min(1, 'must hold at least one configuration')
        .max(16, 'must hold at most 16 configurations')
        .optional(),
    })
    .optional(),
  /** Stop proposing once this many epochs were trained in all (every trial and branch counted). */
  maxEpochs: positiveInt(100_000_000).optional(),
  /**
   * A trade-off: two to four metrics each trial reports, each to maximize or minimize. The
   * campaign keeps its front (the trials no other beats in every objective) and ships one member
   * of it, chosen by `pick`. Absent: the task's metric alone.
   */
  objectives: z
    .array(ObjectiveSchema)
    .min(2, 'must hold at least two objectives (one is the task metric: --metric)')
    .max(4, 'must hold at most four objectives')
    .optional(),
  /** Bounds a trial must meet to count (infeasible trials are kept apart, never shipped). */
  constraints: z.array(ConstraintSchema).max(20, 'must hold at most 20 constraints').optional(),
  /** How the shipped model is chosen from the front (absent: the knee). */
  pick: PickRuleSchema.optional(),
});
export type CampaignRequest = z.infer<typeof CampaignRequestSchema>;
export type PrunerOptions = NonNullable<CampaignRequest['prunerOptions']>;
export type CampaignRequestInput = z.input<typeof CampaignRequestSchema>;

/** Rounds of ensemble selection when the request says none (auto-sklearn uses 50 over more models). */
export const DEFAULT_ENSEMBLE_ROUNDS = 20;

/**
 * Rounds of ensemble selection the campaign's final model comes from; 0 when it ships one model:
 * asked so, or an in-run mode (its result is one run, not a set of trained configurations).
 */
export function ensembleRoundsOf(
  request: Pick<CampaignRequest, 'ensemble' | 'mode' | 'objectives' | 'constraints'>,
): number {
  if (request.mode !== 'search') return 0;
  // A trade-off ships one front member: an average of several would be larger and slower than
  // any of them, off the front it was chosen from.
  if (request.objectives || request.constraints?.length) return 0;
  return request.ensemble ?? DEFAULT_ENSEMBLE_ROUNDS;
}

/** Checks a request; the error names each field that is wrong and what it must be. */
export function parseCampaignRequest(input: unknown): CampaignRequest {
  const result = CampaignRequestSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidCampaignRequestError(result.error.issues.flatMap(fieldProblems));
}

/**
 * What one zod issue says of the request, field by field: an unknown key is named as its own
 * field ("prunerOptions.a is not a field of prunerOptions"), so a typo is found where it was made.
 */
export function fieldProblems(issue: z.core.$ZodIssue): FieldProblem[] {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' || issue.code === 'invalid_key') {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [String(at.pop())];
    return keys.map((key) => ({
      field: [...at, key].join('.'),
      message: `is not a field of ${at.length ? at.join('.') : 'a campaign request'}; remove it or check its spelling`,
    }));
  }
  return [
    {
      field: at.join('.') || '(request)',
      // Ours say what the value must be; zod's own ("Invalid input: expected number, received
      // string") follow the field after "is invalid".
      message: /^(must|names|is|cannot)\b/.test(issue.message)
        ? issue.message
        : `is invalid: ${issue.message}`,
    },
  ];
}

/** One thing wrong with a request: the field (a dotted path) and what it must be. */
export type { FieldProblem };

/**
 * A request that cannot start a campaign. `fields` names each problem's field, so a caller can
 * say it in its own terms (the command line: which flag; a service: which body field).
 */
export class InvalidCampaignRequestError extends LgtError {
  readonly problems: string[];

  constructor(override readonly fields: FieldProblem[]) {
    const problems = fields.map((f) => `${f.field} ${f.message}`);
    super(
      'invalid-request',
      `the campaign cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      fields,
    );
    this.name = 'InvalidCampaignRequestError';
    this.problems = problems;
  }
}
