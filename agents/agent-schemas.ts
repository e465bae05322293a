import { z } from 'zod';

/**
 * The replies the agents must give, as zod schemas: sent to the model as structured-output JSON
 * schemas and checked on the way back. An LLM's reply is data, never code. Every text and list
 * has a cap (TEXT_LIMITS): what one reply says is carried into later prompts and the report, so
 * an overlong one is refused (and repaired) rather than growing every prompt after it.
 */
const TEXT_LIMITS = {
  analysis: 2_000,
  reason: 1_000,
  expectedEffect: 600,
  explanation: 1_000,
  textualGradient: 2_000,
  lesson: 300,
  lessons: 12,
  verdicts: 64,
  proposals: 32,
  configFields: 64,
  configValue: 200,
  prompt: 12_000,
  rationale: 2_000,
} as const;
const L = TEXT_LIMITS;
export const AdvisorReplySchema = z.object({
  analysis: z.string().max(L.analysis).describe('what the results so far say, in a few sentences'),
  proposals: z
    .array(
      z.object({
        config: z
          .record(
            z.string().max(L.configValue),
            z.union([z.string().max(L.configValue), z.number(), z.boolean()]),
          )
          .refine((c) => Object.keys(c).length <= L.configFields, {
            message: `at most ${L.configFields} fields`,
          })
          .describe('the configuration: field -> value'),
        reason: z.string().max(L.reason).describe('why this configuration'),
        expected_effect: z
          .string()
          .max(L.expectedEffect)
          .describe('what it should do to the metric and the learning curve'),
      }),
    )
    .min(1)
    .max(L.proposals),
});
export type AdvisorReply = z.infer<typeof AdvisorReplySchema>;

export const EvaluatorReplySchema = z.object({
  verdicts: z
    .array(
      z.object({
        trial: z.number().int(),
        verdict: z.enum(['improved', 'regressed', 'inconclusive']),
        explanation: z.string().max(L.explanation),
      }),
    )
    .max(L.verdicts),
  textual_gradient: z.string().max(L.textualGradient).describe('what to change next, and why'),
  lessons: z.array(z.string().max(L.lesson)).max(L.lessons).describe('short rules learned so far'),
});
export type EvaluatorReply = z.infer<typeof EvaluatorReplySchema>;

export const OptimizerReplySchema = z.object({
  prompt: z.string().max(L.prompt).describe("the Advisor's new prompt template"),
  rationale: z.string().max(L.rationale).describe('why these changes should help'),
});
export type OptimizerReply = z.infer<typeof OptimizerReplySchema>;

const ConfigValuesSchema = z
  .record(
    z.string().max(L.configValue),
    z.union([z.string().max(L.configValue), z.number(), z.boolean()]),
  )
  .refine((c) => Object.keys(c).length <= L.configFields, {
    message: `at most ${L.configFields} fields`,
  });

/** The in-run Advisor's answer: one change to a running training, from the next epoch on. */
export const InRunChangeReplySchema = z.object({
  analysis: z.string().max(L.analysis).describe('what the curve so far says, in a few sentences'),
  change: ConfigValuesSchema.describe(
    'only the fields to change from the next epoch on: field -> new value (empty: change nothing)',
  ),
  reason: z.string().max(L.reason).describe('why this change'),
  expected_effect: z
    .string()
    .max(L.expectedEffect)
    .describe('what it should do to the validation metric over the next epochs'),
});
export type InRunChangeReply = z.infer<typeof InRunChangeReplySchema>;

/** The Evaluator's verdict on a change branch against the no-change branch. */
export const BranchVerdictReplySchema = z.object({
  accept: z.boolean().describe('true: the run carries on with the change; false: without it'),
  reason: z.string().max(L.explanation).describe('why, with the numbers and the noise'),
});
export type BranchVerdictReply = z.infer<typeof BranchVerdictReplySchema>;

/** By name, so an `agents` queue worker can check a reply for a job that names its schema. */
export const AGENT_SCHEMAS = {
  advisor_reply: AdvisorReplySchema,
  evaluator_reply: EvaluatorReplySchema,
  optimizer_reply: OptimizerReplySchema,
  in_run_change: InRunChangeReplySchema,
  branch_verdict: BranchVerdictReplySchema,
} as const;
export type AgentSchemaName = keyof typeof AGENT_SCHEMAS;
