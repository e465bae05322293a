import type { SnapshotContext } from '../../src/strategies/replay-snapshots.ts';

/**
 * A strategy's named state held in memory with the semantics of the store's (a change that
 * returns null writes nothing; what is written is a copy), for unit tests of a strategy alone;
 * the campaign tests use the real store on a real Redis.
 */
export function stateBox() {
  let state: unknown = null;
  let writes = 0;
  return {
    writes: () => writes,
    peek: () => state,
    poke: (s: unknown) => (state = structuredClone(s)),
    context: {
      getState: <T>() => Promise.resolve(structuredClone(state) as T | null),
      updateState: <T>(change: (current: T | null) => T | null) => {
        const next = change(structuredClone(state) as T | null);
        if (next !== null) {
          state = structuredClone(next);
          writes += 1;
        }
        return Promise.resolve(next);
      },
    } satisfies SnapshotContext,
  };
}
