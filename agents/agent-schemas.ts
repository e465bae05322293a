import { z } from 'zod';

/**
 * The replies the agents must give, as zod schemas: sent to the model as structured-output JSON
 * schemas and checked on the way back. An LLM's reply is data, never code.
 */
export const AdvisorReplySchema = z.object({
  analysis: z.string().describe('what the results so far say, in a few sentences'),
  proposals: z
    .array(
      z.object({
        config: z
          .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
          .describe('the configuration: field -> value'),
        reason: z.string().describe('why this configuration'),
        expected_effect: z
          .string()
          .describe('what it should do to the metric and the learning curve'),
      }),
    )
    .min(1),
});
export type AdvisorReply = z.infer<typeof AdvisorReplySchema>;

export const EvaluatorReplySchema = z.object({
  verdicts: z.array(
    z.object({
      trial: z.number().int(),
      verdict: z.enum(['improved', 'regressed', 'inconclusive']),
      explanation: z.string(),
    }),
  ),
  textual_gradient: z.string().describe('what to change next, and why'),
  lessons: z.array(z.string()).describe('short rules learned so far'),
});
export type EvaluatorReply = z.infer<typeof EvaluatorReplySchema>;

export const OptimizerReplySchema = z.object({
  prompt: z.string().describe("the Advisor's new prompt template"),
  rationale: z.string().describe('why these changes should help'),
});
export type OptimizerReply = z.infer<typeof OptimizerReplySchema>;

/** By name, so an `agents` queue worker can check a reply for a job that names its schema. */
export const AGENT_SCHEMAS = {
  advisor_reply: AdvisorReplySchema,
  evaluator_reply: EvaluatorReplySchema,
  optimizer_reply: OptimizerReplySchema,
} as const;
export type AgentSchemaName = keyof typeof AGENT_SCHEMAS;
