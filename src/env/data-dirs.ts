import path from 'node:path';

/**
 * The data directories a campaign keeps (the ones given, then LGT_DATA_DIR), absolute: stored
 * with it, so `lgt resume` and workers elsewhere find the files without the variable.
 */
export function dataDirsOf(given: readonly string[] = []): { dataDirs?: string[] } {
  const fromEnv = (process.env['LGT_DATA_DIR'] ?? '').split(path.delimiter).filter(Boolean);
  const dirs = [...new Set([...given, ...fromEnv].map((d) => path.resolve(d)))];
  return dirs.length ? { dataDirs: dirs } : {};
}
