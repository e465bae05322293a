import { z } from 'zod';

/** How a job names its task, so any worker on any machine can load the same one. */
export const TaskSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), name: z.string().min(1) }),
  z.object({ kind: z.literal('module'), path: z.string().min(1) }),
  z.object({
    kind: z.literal('csv'),
    file: z.string().min(1),
    target: z.string().min(1),
    problem: z.enum(['classification', 'regression']).optional(),
  }),
]);
export type TaskSpec = z.infer<typeof TaskSpecSchema>;

export const NUMERIC_STRATEGY_NAMES = ['random', 'grid', 'tpe', 'cmaes', 'zo', 'fdpg'] as const;
export const STRATEGY_NAMES = [...NUMERIC_STRATEGY_NAMES, 'lgt', 'hybrid'] as const;
export const PRUNER_NAMES = ['none', 'median', 'asha'] as const;
/** f-DPG's divergences: Jensen-Shannon, forward KL, reverse KL, total variation. */
export const DIVERGENCE_NAMES = ['js', 'kl', 'rkl', 'tv'] as const;

const positiveInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be at least 1`);

/** Everything that defines a campaign; stored with it, so a resumed driver needs nothing else. */
export const CampaignRequestSchema = z.object({
  task: TaskSpecSchema,
  strategy: z.enum(STRATEGY_NAMES, {
    error: (issue) =>
      `unknown strategy ${JSON.stringify(issue.input)}: choose one of ${STRATEGY_NAMES.join(', ')}`,
  }),
  maxTrials: positiveInt('the trial budget (--trials)'),
  timeLimitSeconds: z
    .number()
    .positive('the time limit (--time-limit) must be positive')
    .optional(),
  parallel: positiveInt('--parallel'),
  seed: z.number().int().min(0, 'the seed must be >= 0'),
  splitSeed: z.number().int().min(0, 'the split seed must be >= 0'),
  pruner: z.enum(PRUNER_NAMES, {
    error: (issue) =>
      `unknown pruner ${JSON.stringify(issue.input)}: choose one of ${PRUNER_NAMES.join(', ')}`,
  }),
  /** Epochs for every trial, overriding the configurations' own. */
  epochs: positiveInt('--epochs').optional(),
  maxTrainRows: positiveInt('--max-train').optional(),
  /** Grid: values per continuous dimension, and the dimensions to vary (default: all). */
  gridResolution: z.number().int().min(2, 'the grid resolution must be at least 2').default(3),
  gridParams: z.array(z.string()).optional(),
  /**
   * Who answers for the agents (strategies lgt and hybrid): an LLM through the agents queue, or
   * the rule-based stand-ins. Decided when the campaign is created (is an LLM configured?).
   */
  agents: z.enum(['llm', 'rules']).default('rules'),
  /** The models, for the record (the key never is). */
  llmModels: z.record(z.string(), z.string()).optional(),
  /** Stop the campaign cleanly once its LLM calls have used this many tokens or this much money. */
  llmBudget: z
    .object({
      tokens: z.number().int().positive('the LLM token budget must be positive').optional(),
      costUsd: z.number().positive('the LLM cost budget must be positive').optional(),
    })
    .optional(),
  /** hybrid: the numeric strategy whose candidates the Advisor sees. */
  candidates: z
    .enum(NUMERIC_STRATEGY_NAMES, {
      error: (issue) =>
        `unknown candidate strategy ${JSON.stringify(issue.input)}: choose one of ${NUMERIC_STRATEGY_NAMES.join(', ')}`,
    })
    .default('tpe'),
  /** fdpg (also as hybrid's candidates): the f-divergence its proposal distribution minimizes. */
  divergence: z
    .enum(DIVERGENCE_NAMES, {
      error: (issue) =>
        `unknown divergence ${JSON.stringify(issue.input)}: choose one of ${DIVERGENCE_NAMES.join(', ')}`,
    })
    .default('js'),
  /** The Optimizer rewrites the Advisor's prompt every this many rounds. */
  optimizeEvery: z.number().int().min(1, '--optimize-every must be at least 1').default(3),
  /** Where the report and the best model are written. */
  outputDir: z.string().min(1),
  dataDirs: z.array(z.string()).optional(),
});
export type CampaignRequest = z.infer<typeof CampaignRequestSchema>;
export type CampaignRequestInput = z.input<typeof CampaignRequestSchema>;

/** Checks a request; the error lists each problem in words, one per line. */
export function parseCampaignRequest(input: unknown): CampaignRequest {
  const result = CampaignRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = issue.path.join('.');
    return issue.message.includes(' ') && !issue.message.startsWith('Invalid')
      ? issue.message
      : `${where}: ${issue.message}`;
  });
  throw new InvalidCampaignRequestError(lines);
}

export class InvalidCampaignRequestError extends Error {
  constructor(readonly problems: string[]) {
    super(`the campaign cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidCampaignRequestError';
  }
}
