import { realpathSync } from 'node:fs';
import path from 'node:path';

/** A path with its symbolic links resolved (as far as it exists), so a link cannot lead outside. */
function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Whether `file` is one of `dirs` or inside one, after resolving `..` and symbolic links: the
 * check that keeps a path from a request or a stored record within the places an operator allowed.
 */
export function isInsideDirectories(file: string, dirs: readonly string[]): boolean {
  const real = realOrResolved(file);
  return dirs.some((d) => {
    const root = realOrResolved(d);
    return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  });
}
