import { z } from 'zod';

/** One version of the Advisor's prompt: its text, why the Optimizer wrote it, what it came from. */
export const PromptVersionSchema = z.object({
  version: z.number().int(),
  template: z.string(),
  rationale: z.string(),
  parent: z.number().int().nullable(),
});
export type PromptVersion = z.infer<typeof PromptVersionSchema>;

/** The prompt versions as stored in the LGT state (read back through this schema). */
export const StoredPromptsSchema = z.looseObject({
  prompts: z.array(PromptVersionSchema),
  activePrompt: z.number().int(),
});

/** A campaign's prompt versions, each with a unified diff against its parent (the API's answer). */
export const PromptHistorySchema = z.object({
  active: z.number().int().nullable(),
  versions: z.array(PromptVersionSchema.extend({ diff: z.string().nullable() })),
});
export type PromptHistory = z.infer<typeof PromptHistorySchema>;
