import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:unit`: the tests that start nothing, no Redis, no worker or CLI process, no
 * browser, no scripted LLM server: strategies, pruners, encoders, agents' rules, the trainer on
 * small data, the formats. Under a minute on the 2-core machine, against about seven for `npm
 * test`. A file belongs here by what it uses, read from its imports, so a new test that starts
 * Redis goes to the full tier by itself, with no list to keep.
 */
const STARTS_SOMETHING =
  /campaign-redis|redis-server-process|run-cli|lgt-process|worker-process-harness|playwright|scripted-llm-server|campaign-fixtures|in-process-campaign|node:child_process/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(file);
    return e.name.endsWith('.test.ts') ? [file] : [];
  });
}

const root = import.meta.dirname;
const unit = testFiles(path.join(root, 'test'))
  .filter((file) => !STARTS_SOMETHING.test(readFileSync(file, 'utf8')))
  .map((file) => path.relative(root, file));

// The base config with its include replaced (mergeConfig would append to it).
export default defineConfig({ ...base, test: { ...base.test, include: unit } });
