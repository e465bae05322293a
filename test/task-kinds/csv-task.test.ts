import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCsvTask } from '../../src/task-kinds/csv-task.ts';
import type { TabularData } from '../../src/task-kinds/tabular/tabular-task.ts';

/** A small customer table: an ID, a name per row, free text, real features, a sometimes missing target. */
function customers(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-csv-task-'));
  const file = path.join(dir, 'customers.csv');
  const lines = ['id,name,comment,age,plan,churned'];
  for (let i = 1; i <= 240; i++) {
    const churned = i % 20 === 0 ? '' : i % 3 === 0 ? 'yes' : 'no';
    // 120 different comments, each on two rows: text, not a category.
    lines.push(
      `${i},customer ${i},comment number ${i % 120},${20 + (i % 50)},${['basic', 'pro'][i % 2]},${churned}`,
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('a task from a CSV file', () => {
  it('drops and counts the rows whose target is missing', async () => {
    const task = await createCsvTask({ file: customers(), target: 'churned' });
    expect(task.notes).toContain('dropped 12 of 240 rows whose target "churned" is missing');
    const data = (await task.load({ splitSeed: 0 })) as TabularData;
    expect(data.table.rowCount).toBe(228);
    const { train, validation, test } = data.split;
    expect(train.length + validation.length + test.length).toBe(228);
    expect(data.classNames).toEqual(['no', 'yes']);
  });

  it('leaves out ID-like and free-text columns, saying how to keep them', async () => {
    const file = customers();
    const task = await createCsvTask({ file, target: 'churned' });
    const data = (await task.load({ splitSeed: 0 })) as TabularData;
    expect(data.features.map((c) => c.name)).toEqual(['age', 'plan']);
    expect(task.notes).toContain(
      'left out column "id": whole numbers counting the rows (a row number or an ID?); --keep-columns id keeps it',
    );
    expect(task.notes).toContain(
      'left out column "name": every value is different (an ID?); --keep-columns name keeps it',
    );
    expect(task.notes).toContain(
      'left out column "comment": 120 different texts (free text?); --keep-columns comment keeps it',
    );
    expect(task.description).toContain('left out column "name"');
    const kept = await createCsvTask({ file, target: 'churned', keepColumns: ['id'] });
    const keptData = (await kept.load({ splitSeed: 0 })) as TabularData;
    expect(keptData.features.map((c) => c.name)).toEqual(['id', 'age', 'plan']);
    await expect(createCsvTask({ file, target: 'churned', keepColumns: ['idd'] })).rejects.toThrow(
      'column "idd" is not in',
    );
  });

  it('cross-validation folds never see the test rows, and each training or validation row validates once', async () => {
    const task = await createCsvTask({ file: customers(), target: 'churned' });
    const data = (await task.load({ splitSeed: 3 })) as TabularData;
    const test = new Set(data.split.test);
    const pool = [...data.split.train, ...data.split.validation].sort((a, b) => a - b);
    const validated: number[] = [];
    for (let k = 0; k < 5; k++) {
      const fold = task.folds!(data, 5, k, 3) as TabularData;
      expect(fold.split.test).toBe(data.split.test);
      for (const r of [...fold.split.train, ...fold.split.validation])
        expect(test.has(r)).toBe(false);
      expect([...fold.split.train, ...fold.split.validation].sort((a, b) => a - b)).toEqual(pool);
      validated.push(...fold.split.validation);
      // Stratified: each fold holds the classes in about the pool's proportion.
      const share = (rows: ArrayLike<number>) =>
        Array.from(rows).filter((r) => data.target[r] === 1).length / rows.length;
      expect(Math.abs(share(fold.split.validation) - share(pool))).toBeLessThan(0.05);
    }
    expect(validated.sort((a, b) => a - b)).toEqual(pool);
    // The same seed gives the same folds.
    expect((task.folds!(data, 5, 2, 3) as TabularData).split.validation).toEqual(
      (task.folds!(data, 5, 2, 3) as TabularData).split.validation,
    );
  });
});
