import type { z } from 'zod';
import type { SnapshotContext } from '../../src/strategies/replay-snapshots.ts';

/**
 * A strategy's named state held in memory with the semantics of the store's (a change that
 * returns null writes nothing; what is written is a copy), for unit tests of a strategy alone;
 * the campaign tests use the real store on a real Redis.
 */
export function stateBox() {
  let state: unknown = null;
  let writes = 0;
  // Through the schema, as the store reads it: a test that keeps the wrong shape fails here.
  const read = <S extends z.ZodType>(schema: S): z.output<S> | null =>
    state === null ? null : schema.parse(structuredClone(state));
  return {
    writes: () => writes,
    peek: () => state,
    poke: (s: unknown) => (state = structuredClone(s)),
    context: {
      getState: <S extends z.ZodType>(schema: S) => Promise.resolve(read(schema)),
      updateState: <S extends z.ZodType>(
        schema: S,
        change: (current: z.output<S> | null) => z.output<S> | null,
      ) => {
        const next = change(read(schema));
        if (next !== null) {
          state = structuredClone(next);
          writes += 1;
        }
        return Promise.resolve(next);
      },
    } satisfies SnapshotContext,
  };
}
