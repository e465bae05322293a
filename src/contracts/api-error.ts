import { z } from 'zod';

/**
 * What the HTTP API answers when it refuses or fails a request: a code, a message that says what
 * to change, and for a bad request each field with what it must be.
 */
export const ApiErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
