// npm run build: stamps the start of the build (see build-state.js), then compiles the sources
// into dist/. `--if-available` (npm's prepare, run by `npm ci` and `npm install` in a checkout)
// skips the build where TypeScript is not installed (`npm ci --omit=dev`, as in the Dockerfile):
// lgt then runs its sources through tsx, as it does whenever the build is not up to date.
// `--if-stale` (npm test's pretest) skips a build that is up to date (npm ci has just made it).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildIsFresh, stampBuild } from './build-state.js';

const root = path.resolve(import.meta.dirname, '..');
if (process.argv.includes('--if-stale') && buildIsFresh(root)) {
  console.log('lgt: dist/ is up to date with the sources');
  process.exit(0);
}
let tsc;
try {
  tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (process.argv.includes('--if-available')) {
    console.log('lgt: TypeScript is not installed, so no build: lgt runs its sources through tsx');
    process.exit(0);
  }
  console.error('lgt: the build needs TypeScript: npm ci (with the dev dependencies) first');
  process.exit(1);
}
stampBuild(root);
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  process.exit(1);
}
