import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCsvFiles } from '../../src/data/csv-listing.ts';

describe('the CSV files a server offers', () => {
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
});
