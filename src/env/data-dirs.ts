import path from 'node:path';
import { isInsideDirectories } from '../files/path-inside.ts';

/** LGT_DATA_DIR's directories (a PATH-like list), absolute. */
function dataDirsFromEnv(): string[] {
  return (process.env['LGT_DATA_DIR'] ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((d) => path.resolve(d));
}

/**
 * The data directories a campaign keeps (the ones given, then LGT_DATA_DIR), absolute: stored
 * with it, so `lgt resume` and workers elsewhere look in the same places first.
 */
export function dataDirsOf(given: readonly string[] = []): { dataDirs?: string[] } {
  const dirs = allowedDataDirs(given);
  return dirs.length ? { dataDirs: dirs } : {};
}

/**
 * The directories this process reads data files from: its operator's LGT_DATA_DIR and `extra`
 * (a worker's --data-dir). A campaign record's own list cannot add to them: a record is data,
 * and which files a machine reads is its operator's choice.
 */
export function allowedDataDirs(extra: readonly string[] = []): string[] {
  return [...new Set([...extra.map((d) => path.resolve(d)), ...dataDirsFromEnv()])];
}

/**
 * Where this process looks for a campaign's data: the campaign's directories that lie inside the
 * allowed ones (in the campaign's order), then the allowed ones. None allowed: none (a built-in
 * task then looks in the user cache only, see defaultDataDirs).
 */
export function dataDirsFor(
  requested: readonly string[] | undefined,
  allowed: readonly string[],
): string[] {
  const inside = (requested ?? []).filter((d) => isInsideDirectories(d, allowed));
  return [...new Set([...inside, ...allowed])];
}
