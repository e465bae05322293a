import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically } from '../../src/files/write-atomically.ts';

/** A large JSON document as many small pieces, yielding between them so two writers interleave. */
async function* pieces(label: string, count: number): AsyncGenerator<string> {
  yield `{"writer":"${label}","items":[`;
  for (let i = 0; i < count; i++) {
    yield `${i ? ',' : ''}{"i":${i},"pad":"${label.repeat(20)}"}`;
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  yield ']}';
}

describe('writeAtomically', () => {
  it('two writers of one file: the file is one of their documents whole, never a mix', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lgt-atomic-'));
    const file = path.join(dir, 'report.json');
    // Different lengths: with one shared partial file the longer writer's tail outlived the
    // shorter one's end, and the JSON did not parse.
    await Promise.all([
      writeAtomically(file, pieces('a', 4000)),
      writeAtomically(file, pieces('b', 1500)),
    ]);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { writer: string; items: unknown[] };
    expect(doc.items).toHaveLength(doc.writer === 'a' ? 4000 : 1500);
    // No partial file is left behind.
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('a failing source leaves the file as it was and no partial file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lgt-atomic-'));
    const file = path.join(dir, 'report.json');
    await writeAtomically(file, ['{"ok":true}']);
    async function* failing(): AsyncGenerator<string> {
      yield '{"half":';
      throw new Error('the store went away');
    }
    await expect(writeAtomically(file, failing())).rejects.toThrow('the store went away');
    expect(readFileSync(file, 'utf8')).toBe('{"ok":true}');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });
});
