import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_CELL_CHARS, parseCsvTable, readCsvTable } from '../../src/data/csv-table.ts';
import { findColumn, missingCount, type Column, type Table } from '../../src/data/table.ts';
import { sharedDataset } from '../helpers/paths.ts';

function numbers(table: Table, name: string): number[] {
  const column = findColumn(table, name);
  if (column.kind !== 'numeric') throw new Error(`${name} is ${column.kind}`);
  return Array.from(column.values);
}

function texts(table: Table, name: string): (string | null)[] {
  const column = findColumn(table, name);
  if (column.kind !== 'categorical') throw new Error(`${name} is ${column.kind}`);
  return column.values;
}

function tally(values: Iterable<string | number | null>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}

const kinds = (table: Table) => table.columns.map((c: Column) => c.kind);

// The expected counts below were taken with Python's csv module, independently of this reader.
describe('readCsvTable on the real data sets', () => {
  it('iris: quoted header names, numeric measurements, a quoted text target', async () => {
    const t = await readCsvTable(sharedDataset('iris.csv'));
    expect(t.source).toBe(sharedDataset('iris.csv'));
    expect(t.rowCount).toBe(150);
    expect(t.columns.map((c) => c.name)).toEqual([
      'Sepal.Length',
      'Sepal.Width',
      'Petal.Length',
      'Petal.Width',
      'Species',
    ]);
    expect(kinds(t)).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'categorical']);
    expect(tally(texts(t, 'Species'))).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });
    expect(t.columns.map((c) => c.values[0])).toEqual([5.1, 3.5, 1.4, 0.2, 'setosa']);
    expect(numbers(t, 'Sepal.Width')[1]).toBe(3); // written "3" by R
    expect(numbers(t, 'Sepal.Length').reduce((a, b) => a + b)).toBeCloseTo(876.5, 9);
    expect(t.columns.map(missingCount)).toEqual([0, 0, 0, 0, 0]);
  });

  it('red wine: semicolon-separated, quoted names with spaces', async () => {
    const t = await readCsvTable(sharedDataset('winequality-red.csv'));
    expect(t.rowCount).toBe(1599);
    expect(t.columns.map((c) => c.name)).toEqual([
      'fixed acidity',
      'volatile acidity',
      'citric acid',
      'residual sugar',
      'chlorides',
      'free sulfur dioxide',
      'total sulfur dioxide',
      'density',
      'pH',
      'sulphates',
      'alcohol',
      'quality',
    ]);
    expect(new Set(kinds(t))).toEqual(new Set(['numeric']));
    expect(t.columns.map((c) => c.values[0])).toEqual([
      7.4, 0.7, 0, 1.9, 0.076, 11, 34, 0.9978, 3.51, 0.56, 9.4, 5,
    ]);
    expect(tally(numbers(t, 'quality'))).toEqual({ 3: 10, 4: 53, 5: 681, 6: 638, 7: 199, 8: 18 });
  });

  it('white wine: comma-separated, same columns', async () => {
    const t = await readCsvTable(sharedDataset('winequality-white.csv'));
    expect(t.rowCount).toBe(4898);
    expect(t.columns).toHaveLength(12);
    expect(tally(numbers(t, 'quality'))).toEqual({
      3: 20,
      4: 163,
      5: 1457,
      6: 2198,
      7: 880,
      8: 175,
      9: 5,
    });
  });

  it('water potability: empty cells become NaN in numeric columns', async () => {
    const t = await readCsvTable(sharedDataset('water-potability.csv'));
    expect(t.rowCount).toBe(3276);
    expect(new Set(kinds(t))).toEqual(new Set(['numeric']));
    expect(Object.fromEntries(t.columns.map((c) => [c.name, missingCount(c)]))).toEqual({
      ph: 491,
      Hardness: 0,
      Solids: 0,
      Chloramines: 0,
      Sulfate: 781,
      Conductivity: 0,
      Organic_carbon: 0,
      Trihalomethanes: 162,
      Turbidity: 0,
      Potability: 0,
    });
    expect(Number.isNaN(numbers(t, 'ph')[0])).toBe(true); // the first row has no ph
    expect(numbers(t, 'ph')[1]).toBeCloseTo(3.71608007538699, 12);
    expect(tally(numbers(t, 'Potability'))).toEqual({ 0: 1998, 1: 1278 });
  });

  it('california housing: a categorical column and missing bedrooms', async () => {
    const t = await readCsvTable(sharedDataset('california-housing.csv'));
    expect(t.rowCount).toBe(20640);
    expect(kinds(t)).toEqual([...new Array(9).fill('numeric'), 'categorical']);
    expect(tally(texts(t, 'ocean_proximity'))).toEqual({
      '<1H OCEAN': 9136,
      INLAND: 6551,
      'NEAR OCEAN': 2658,
      'NEAR BAY': 2290,
      ISLAND: 5,
    });
    expect(missingCount(findColumn(t, 'total_bedrooms'))).toBe(207);
    expect(numbers(t, 'median_house_value')[0]).toBe(452600);
  });
});

describe('parseCsvTable on tricky texts', () => {
  it('handles a BOM, CRLF, semicolons, quoted fields holding separators and newlines', () => {
    const t = parseCsvTable(
      '\uFEFF"id";"note";"x"\r\n1;"a;b";0.5\r\n\r\n2;"two\r\nlines";-1e3\r\n   \r\n3;plain;+.25\r\n',
      'mem.csv',
    );
    expect(t.rowCount).toBe(3);
    expect(t.columns.map((c) => c.name)).toEqual(['id', 'note', 'x']);
    expect(texts(t, 'note')).toEqual(['a;b', 'two\r\nlines', 'plain']);
    expect(numbers(t, 'x')).toEqual([0.5, -1000, 0.25]);
  });

  it('reads a file whose lines end in CRLF and LF, mixed', () => {
    const table = parseCsvTable('a,b\r\n1,x\n2,y\r\n3,"z\r\nw"\n4,v\n', 'mixed.csv');
    expect(table.rowCount).toBe(4);
    expect(numbers(table, 'a')).toEqual([1, 2, 3, 4]);
    expect(texts(table, 'b')).toEqual(['x', 'y', 'z\r\nw', 'v']);
  });

  it('detects the separator outside quotes only', () => {
    const t = parseCsvTable('"a;b;c",d\n1,2\n', 'quoted.csv');
    expect(t.columns.map((c) => c.name)).toEqual(['a;b;c', 'd']);
    const semi = parseCsvTable('"a,b,c";d\n1;2\n', 'semi.csv');
    expect(semi.columns.map((c) => c.name)).toEqual(['a,b,c', 'd']);
  });

  it('reads every missing-value spelling as NaN or null, and trims cells', () => {
    const spellings = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?', 'None'];
    const text = ['num,cat', ...spellings.map((s) => `${s},"${s}"`), ' 4 ," red "', '5,blue'].join(
      '\n',
    );
    const t = parseCsvTable(text, 'missing.csv');
    expect(t.rowCount).toBe(11);
    expect(findColumn(t, 'num').kind).toBe('numeric');
    expect(numbers(t, 'num').slice(-2)).toEqual([4, 5]);
    expect(missingCount(findColumn(t, 'num'))).toBe(9);
    expect(texts(t, 'cat')).toEqual([...new Array(9).fill(null), 'red', 'blue']);
  });

  it('infers numeric only when every present value is a plain finite number', () => {
    const t = parseCsvTable(
      'dec,hex,inf,element,big\n1,0x10,1,Na,1\n2.5,2,Infinity,K,1e999\n',
      'types.csv',
    );
    expect(kinds(t)).toEqual([
      'numeric',
      'categorical',
      'categorical',
      'categorical',
      'categorical',
    ]);
    expect(texts(t, 'hex')).toEqual(['0x10', '2']);
    expect(texts(t, 'element')).toEqual(['Na', 'K']); // sodium is not "NA"
    // A column where every value is missing is numeric (all NaN), not text.
    expect(kinds(parseCsvTable('a,b\n1,\n2,NA\n', 'x.csv'))).toEqual(['numeric', 'numeric']);
  });

  it('names the file, the line and the expected number of fields for a ragged row, never its content', () => {
    const message = (text: string, source: string) => {
      try {
        parseCsvTable(text, source);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(message('a,b\r\n1,2\r\n\r\nsecret\r\n', 'short.csv')).toBe(
      'short.csv line 4: 1 field, expected 2 like the header (separator ",")',
    );
    expect(message('a;b;c\n1;2;3\n4;5;6;secret\n', 'long.csv')).toBe(
      'long.csv line 3: 4 fields, expected 3 like the header (separator ";")',
    );
    expect(message('a,b\n1,"secret\n', 'quote.csv')).toBe(
      'quote.csv line 2: a quoted field is not closed',
    );
    expect(message('a,b\n1,x"secret"\n', 'mid.csv')).not.toContain('secret');
  });

  it('refuses a cell or a column name past the size cap, naming the line and the column', () => {
    const big = 'x'.repeat(MAX_CELL_CHARS + 1);
    expect(() => parseCsvTable(`a,b\n1,2\n3,${big}\n`, 'big.csv')).toThrow(
      `big.csv line 3, column 2: a cell of ${(MAX_CELL_CHARS + 1).toLocaleString('en')} characters; a cell may hold at most ${MAX_CELL_CHARS.toLocaleString('en')}`,
    );
    expect(() => parseCsvTable(`a,${big}\n1,2\n`, 'name.csv')).toThrow(
      'name.csv: the name of column 2 has',
    );
    // At the cap, a cell is read as it is.
    expect(parseCsvTable(`a,b\n1,${'y'.repeat(MAX_CELL_CHARS)}\n`, 'ok.csv').rowCount).toBe(1);
  });

  it('refuses empty files, a header without rows, and repeated column names', () => {
    for (const empty of ['', '\uFEFF', ' \r\n\n'])
      expect(() => parseCsvTable(empty, 'empty.csv')).toThrow(
        'empty.csv is empty: a CSV file needs a header line',
      );
    for (const headerOnly of ['a,b', 'a,b\r\n', 'a,b\n\n'])
      expect(() => parseCsvTable(headerOnly, 'head.csv')).toThrow(
        'head.csv has a header line but no data rows',
      );
    expect(() => parseCsvTable('b,a,c,a\n1,2,3,4\n', 'dup.csv')).toThrow(
      'dup.csv: columns 2 and 4 of the header have the same name',
    );
  });

  it('readCsvTable names the file it read in its errors', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lgt-csv-')), 'ragged.csv');
    writeFileSync(file, 'x,y\n1,2\n3,4,5\n');
    await expect(readCsvTable(file)).rejects.toThrow(`${file} line 3: 3 fields, expected 2`);
  });
});
