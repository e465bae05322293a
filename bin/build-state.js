// Whether dist/ (npm run build) holds the current sources: bin/lgt.js runs the build only then,
// and the TypeScript sources through tsx otherwise, so an edit is never hidden behind an old
// build. Plain JavaScript: it runs before any TypeScript loader.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SOURCES = ['src', 'tasks', 'agents'];
// How they are compiled: a changed setting makes the build as stale as a changed source.
const SETTINGS = ['tsconfig.json', 'tsconfig.build.json'];
const STAMP = 'dist/.built';

/** The newest modification time (ms) of the files under `dir`, 0 when there are none. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    latest = Math.max(latest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * True when the build's stamp is newer than every file of the sources under `root`. The stamp is
 * written when the build starts, so a file changed while it ran counts as newer.
 */
export function buildIsFresh(root = ROOT) {
  let built;
  try {
    built = statSync(path.join(root, STAMP)).mtimeMs;
  } catch {
    return false;
  }
  const settings = SETTINGS.map((file) => {
    try {
      return statSync(path.join(root, file)).mtimeMs;
    } catch {
      return 0;
    }
  });
  return (
    Math.max(...settings) <= built && SOURCES.every((dir) => newest(path.join(root, dir)) <= built)
  );
}

/** Marks the start of a build (bin/build.js, before it compiles). */
export function stampBuild(root = ROOT) {
  const file = path.join(root, STAMP);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${new Date().toISOString()}\n`);
}
