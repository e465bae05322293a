import type { z } from 'zod';
import { LgtError } from '../errors/lgt-error.ts';

/** Redis held something that is not an lgt record: said with where it was and what is wrong. */
export class InvalidStoredRecordError extends LgtError {
  constructor(what: string, problems: string[]) {
    super(
      'invalid-record',
      `${what} in Redis is not a valid lgt record, so it is refused (was it written by something else?): ${problems.join('; ')}`,
    );
    this.name = 'InvalidStoredRecordError';
  }
}

/**
 * Parses stored JSON with a schema; the error names the record and each bad field. What comes
 * back is the schema's type, never one a caller chooses.
 */
export function parseStored<S extends z.ZodType>(
  schema: S,
  what: string,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InvalidStoredRecordError(
      what,
      result.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`),
    );
  }
  return result.data;
}
