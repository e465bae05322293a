import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';

/**
 * The schemas are the types (README, "Architecture"): what comes from Redis, a job, HTTP, a file
 * or an LLM reply is parsed through its zod schema, and a type is what the schema infers. Two
 * casts would undo that without a compiler error, so they are looked for here, in every source
 * file: `as unknown as` (a type joined to something it is not), and a cast on what JSON.parse or
 * a queue returned (data typed by the reader's wish).
 */
const SOURCE_DIRS = ['src', 'agents', 'tasks', 'bin'];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name))
    .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)));
}

/** Each match as file:line, for a message that says where to look. */
function occurrences(pattern: RegExp): string[] {
  const found: string[] = [];
  for (const file of SOURCE_DIRS.flatMap(sourceFiles)) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(pattern)) {
      found.push(`${file}:${text.slice(0, m.index).split('\n').length}`);
    }
  }
  return found;
}

describe('the schemas are the types', () => {
  it('has no `as unknown as` cast anywhere in the sources', () => {
    expect(occurrences(/\bas unknown as\b/g)).toEqual([]);
  });

  it('casts nothing JSON.parse or a queue returned: it is parsed through a schema', () => {
    // JSON.parse(...) as T, possibly over several lines, and a job's returnvalue as T.
    const parsedAs = /JSON\.parse\((?:[^()]|\([^()]*\))*\)\s*\)?\s*as\s+(?!const\b)[A-Z{]/g;
    expect(occurrences(parsedAs)).toEqual([]);
    expect(occurrences(/\.returnvalue\s+as\s+(?!unknown\b)/g)).toEqual([]);
  });

  it('finds what it looks for (the patterns match the casts they forbid)', () => {
    const parsedAs = /JSON\.parse\((?:[^()]|\([^()]*\))*\)\s*\)?\s*as\s+(?!const\b)[A-Z{]/;
    expect(parsedAs.test('const x = JSON.parse(raw) as TrialRecord;')).toBe(true);
    expect(parsedAs.test('JSON.parse(buf.toString("utf8")) as {\n a: 1 }')).toBe(true);
    expect(parsedAs.test('Schema.parse(JSON.parse(raw));')).toBe(false);
    expect(/\bas unknown as\b/.test('x as unknown as Redis')).toBe(true);
  });
});
