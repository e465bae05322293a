/**
 * How long the `lgt` command takes to start and answer, from the build (dist/, what bin/lgt.js
 * runs while it is up to date) and from the TypeScript sources through tsx (what it ran before
 * the build existed, and runs after an edit): `lgt --version`, and `lgt list` against a
 * redis-server this script starts. Each is run in turn, `--runs` times, and the median, the
 * fastest and the slowest wall-clock times are printed.
 *
 *   npm run build && npx tsx bench/cli-start.ts [--runs 7]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIsFresh } from '../bin/build-state.js';
import { startRedisServer } from '../src/queue/redis-server-process.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const root = path.resolve(import.meta.dirname, '..');
if (!buildIsFresh()) {
  console.error('dist/ is older than the sources: npm run build first');
  process.exit(1);
}

const redis = await startRedisServer();
const commands: [string, string[]][] = [
  ['lgt --version', ['--version']],
  ['lgt list', ['list', '--redis-url', redis.url]],
];
const sides: [string, Record<string, string>][] = [
  ['build (dist/)', {}],
  ['sources (tsx)', { LGT_FROM_SOURCE: '1' }],
];
const times = new Map<string, number[]>();
try {
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of commands) {
      for (const [side, env] of sides) {
        const started = process.hrtime.bigint();
        const run = spawnSync(process.execPath, [path.join(root, 'bin/lgt.js'), ...args], {
          env: { ...process.env, ...env, NO_COLOR: '1' },
          encoding: 'utf8',
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (run.status !== 0) throw new Error(`${name} (${side}) failed: ${run.stderr}`);
        const key = `${name} | ${side}`;
        times.set(key, [...(times.get(key) ?? []), seconds]);
      }
    }
    process.stderr.write(`run ${i + 1} of ${runs}\n`);
  }
} finally {
  await redis.stop();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`| command | runs from | median s | fastest s | slowest s |`);
console.log(`| --- | --- | --- | --- | --- |`);
for (const [key, xs] of times) {
  const [name, side] = key.split(' | ');
  console.log(
    `| \`${name}\` | ${side} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} |`,
  );
}
