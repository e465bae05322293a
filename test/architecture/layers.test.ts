import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';

/**
 * Dependencies point one way (README, "Architecture"): the command line on top; the campaign
 * layer; strategies and agents; the LLM client, trial execution and the trainer; task families;
 * data, search space and random at the bottom. These checks read the imports of every source
 * file, so a change that points a dependency the wrong way fails here, with the file named.
 */

/** Where src/ may meet agents/ and tasks/ (the built-in task modules): the composition roots. */
const COMPOSITION_ROOTS = [
  'src/strategies/create-strategy.ts', // strategies meet the LGT agents
  'src/tasks/task-registry.ts', // the task families meet the built-in tasks
  'src/worker/worker-service.ts', // the LLM layer gets the agents' reply schemas
];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : /\.(ts|mts|mjs)$/.test(e.name)
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** The repository paths a file imports (relative specifiers only; packages are not layers). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => path.relative(REPO_ROOT, path.resolve(REPO_ROOT, path.dirname(file), s)));
}

const under = (file: string, dir: string) => file.startsWith(`${dir}/`);

function violations(files: string[], forbidden: (target: string) => boolean): string[] {
  return files.flatMap((f) =>
    importsOf(f)
      .filter(forbidden)
      .map((t) => `${f} imports ${t}`),
  );
}

describe('layers', () => {
  const src = sourceFiles('src');

  it('finds the imports it checks (the checks below can fail)', () => {
    expect(src.length).toBeGreaterThan(50);
    expect(importsOf('src/strategies/create-strategy.ts')).toContain('agents/lgt-strategy.ts');
    expect(importsOf('src/tasks/task-registry.ts')).toContain('tasks/index.ts');
  });

  it('src/ imports agents/ and tasks/ only at its composition roots', () => {
    const rest = src.filter((f) => !COMPOSITION_ROOTS.includes(f));
    expect(violations(rest, (t) => under(t, 'agents') || under(t, 'tasks'))).toEqual([]);
  });

  it('nothing but the command line imports the command line', () => {
    const others = [...src.filter((f) => !under(f, 'src/cli')), ...sourceFiles('agents')];
    expect(violations(others, (t) => under(t, 'src/cli'))).toEqual([]);
  });

  it('the layers below the campaign do not import it, and the bottom imports nothing above', () => {
    const lower = ['src/trainer', 'src/search-space', 'src/random', 'src/data', 'src/models'];
    const files = src.filter((f) => lower.some((d) => under(f, d)));
    expect(files.length).toBeGreaterThan(10);
    const above = ['src/campaign', 'src/worker', 'src/strategies', 'src/llm', 'src/cli', 'agents'];
    expect(violations(files, (t) => above.some((d) => under(t, d)))).toEqual([]);
  });
});
