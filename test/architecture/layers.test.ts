import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';

/**
 * Dependencies point one way (README, "Architecture"): down the layers below. These checks read
 * the imports of every source file, so a change that points a dependency the wrong way fails
 * here, with the file named.
 */

/**
 * The layers, top first. A file may import its own layer and any layer below it, never one
 * above. A new directory must be placed here (a check below fails until it is).
 */
const LAYERS: readonly (readonly string[])[] = [
  ['src/index.ts'], // the package's entry
  ['src/cli', 'src/server', 'src/client'], // the command line, the HTTP service, scripts' client
  ['src/worker'], // the BullMQ workers and the trial processor: composition of what runs
  ['src/campaign'], // requests in, the driver, the store, reports
  ['src/strategies', 'agents', 'src/importance'], // what to try next: samplers, the LGT method, what mattered
  ['src/llm', 'src/trials', 'src/predict', 'src/trade-offs'], // LLM client, trial execution, a saved model's use, what a trade-off campaign reads off its trials
  ['src/contracts'], // the request, the stored records and events, with their schemas
  ['src/ensemble'], // ensembles chosen from the trials' predictions
  ['src/trainer'], // training, and the predictions a trained model makes
  ['src/catalog'], // the task registry: the kinds of task meet the built-in tasks
  ['src/task-kinds', 'tasks'], // what a task is and the kinds a task is made of; the built-in tasks
  ['src/data', 'src/search-space', 'src/models', 'src/queue', 'src/surrogates'],
  [
    'src/random',
    'src/format',
    'src/errors',
    'src/env',
    'src/secrets',
    'src/stats',
    'src/files',
    'src/maths',
  ],
];

/** A file's layer: the index in LAYERS of the directory (or file) that holds it, or -1. */
function layerOf(file: string): number {
  return LAYERS.findIndex((dirs) => dirs.some((d) => file === d || under(file, d)));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : /\.(ts|mts|mjs|js)$/.test(e.name)
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
    expect(importsOf('src/campaign/create-strategy.ts')).toContain('agents/lgt-strategy.ts');
    expect(importsOf('src/catalog/task-registry.ts')).toContain('tasks/index.ts');
  });

  it('nothing but the command line imports the command line', () => {
    const others = [...src.filter((f) => !under(f, 'src/cli')), ...sourceFiles('agents')];
    expect(violations(others, (t) => under(t, 'src/cli'))).toEqual([]);
  });

  it('places every source directory in a layer', () => {
    const files = [...src, ...sourceFiles('agents'), ...sourceFiles('tasks')];
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('imports only its own layer or the layers below', () => {
    const files = [...src, ...sourceFiles('agents'), ...sourceFiles('tasks')];
    const upward = files.flatMap((f) =>
      importsOf(f)
        .filter((t) => layerOf(t) >= 0 && layerOf(t) < layerOf(f))
        .map((t) => `${f} imports ${t} (a layer above)`),
    );
    expect(upward).toEqual([]);
  });

  it('has no cycle between folders', () => {
    // Within a layer imports may go either way; two folders importing each other are one concept
    // split in two, or a composition that belongs above both.
    const files = [...src, ...sourceFiles('agents'), ...sourceFiles('tasks')];
    const cycles = folderCycles(files);
    expect(cycles).toEqual([]);
  });

  it('would see a cycle between folders', () => {
    // As before the composition moved up: the strategies built the agents, which use strategies.
    const graph = new Map([
      ['src/strategies', new Set(['agents', 'src/search-space'])],
      ['agents', new Set(['src/strategies'])],
    ]);
    expect(cyclesIn(graph)).toEqual(['agents -> src/strategies -> agents']);
  });

  it('would see an import that points up', () => {
    // The check above is only as good as layerOf: the trainer sits below the campaign.
    expect(layerOf('src/campaign/campaign-store.ts')).toBeLessThan(
      layerOf('src/trainer/trainer.ts'),
    );
    expect(layerOf('src/trials/trial-runner.ts')).toBeLessThan(
      layerOf('src/contracts/trial-record.ts'),
    );
  });
});

/** A file's folder as the layers name them: `src/<name>` or the top-level folder. */
function folderOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** The folder-level import graph's cycles, each written from its alphabetically first folder. */
function folderCycles(files: string[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const f of files) {
    const from = folderOf(f);
    for (const t of importsOf(f)) {
      const to = folderOf(t);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return cyclesIn(graph);
}

/** Every elementary cycle found by a depth-first search from each folder, without repeats. */
function cyclesIn(graph: Map<string, Set<string>>): string[] {
  const found = new Set<string>();
  const walk = (start: string, at: string, path: string[]) => {
    for (const next of graph.get(at) ?? []) {
      if (next === start) {
        found.add([...path, start].join(' -> '));
      } else if (!path.includes(next) && next > start) {
        walk(start, next, [...path, next]);
      }
    }
  };
  for (const start of [...graph.keys()].sort()) walk(start, start, [start]);
  return [...found].sort();
}
