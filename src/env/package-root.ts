import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * lgt's own directory (the one with its package.json), whether this code runs from its
 * TypeScript sources (src/env/) or from their build (dist/src/env/): files that are not code
 * (prompts, the dashboard's pages, package.json) are found from here, never from a module's
 * own directory, which differs between the two.
 */
export const PACKAGE_ROOT = findPackageRoot(import.meta.dirname);

/**
 * How lgt's own modules end: '.ts' from the sources (run through tsx), '.js' from the build.
 * A module lgt loads by path (a sandboxed trial processor, the entry a task module's
 * `import 'lgt'` resolves to) is taken from the same side as the code that loads it.
 */
export const OWN_MODULE_EXTENSION = path.extname(import.meta.filename) === '.ts' ? '.ts' : '.js';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`lgt's package.json is not above ${from}`);
  }
}
