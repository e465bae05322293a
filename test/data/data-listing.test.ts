import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCsvFiles, listModules } from '../../src/data/data-listing.ts';

describe('the files a server offers its start form', () => {
  it("lists the data directories' own CSV files with their columns, nothing outside them", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-csv-list-'));
    const outside = mkdtempSync(path.join(os.tmpdir(), 'lgt-csv-outside-'));
    writeFileSync(path.join(dir, 'wine.csv'), '"fixed acidity";"pH";"quality"\n7.4;3.51;5\n');
    writeFileSync(path.join(dir, 'plain.csv'), 'a,b,"c, with a comma"\n1,2,3\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'not a table\n');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'deeper.csv'), 'x,y\n1,2\n');
    // A link to a file elsewhere is not the operator's data directory.
    writeFileSync(path.join(outside, 'secret.csv'), 'user,password\n');
    symlinkSync(path.join(outside, 'secret.csv'), path.join(dir, 'link.csv'));
    expect(await listCsvFiles([dir, path.join(dir, 'missing')])).toEqual([
      { dir, name: 'plain.csv', columns: ['a', 'b', 'c, with a comma'] },
      { dir, name: 'wine.csv', columns: ['fixed acidity', 'pH', 'quality'] },
    ]);
  });

  it('lists task modules by name, importing none, and nothing outside the directories', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-modules-list-'));
    const outside = mkdtempSync(path.join(os.tmpdir(), 'lgt-modules-outside-'));
    const marker = path.join(outside, 'imported');
    for (const name of ['task.ts', 'other.mjs', 'types.d.ts', 'data.json'])
      writeFileSync(
        path.join(dir, name),
        `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x');\n`,
      );
    writeFileSync(path.join(outside, 'evil.ts'), 'export default {};\n');
    symlinkSync(path.join(outside, 'evil.ts'), path.join(dir, 'evil.ts'));
    expect(await listModules([dir])).toEqual([
      { dir, name: 'other.mjs' },
      { dir, name: 'task.ts' },
    ]);
    expect(existsSync(marker)).toBe(false);
  });
});
