import path from 'node:path';
import { readCsvTable } from '../data/csv-table.ts';
import { findColumn, missingCount, type Column, type Table } from '../data/table.ts';
import { defineTabularTask } from './tabular/tabular-task.ts';
import type { AnyModelTask, TaskKind } from './task.ts';

export interface CsvTaskOptions {
  file: string;
  target: string;
  kind?: TaskKind;
  /** Columns to keep even if they look like IDs or free text. */
  keepColumns?: string[];
}

/** A categorical column with more levels than this is free text, not a category. */
const MAX_CATEGORY_LEVELS = 100;
/** Fewer values than this say nothing about a column being an ID. */
const MIN_VALUES_FOR_ID = 10;

/**
 * A task built from a person's own CSV file: column types are inferred, categorical columns get
 * an encoding knob and missing values an imputation knob, and the kind of problem is guessed
 * from the target unless given.
 */
export async function createCsvTask(opts: CsvTaskOptions): Promise<AnyModelTask> {
  const read = await readCsvTable(opts.file);
  findColumn(read, opts.target);
  for (const name of opts.keepColumns ?? []) findColumn(read, name);
  const notes: string[] = [];
  // Rows whose target is missing teach nothing and cannot be scored: dropped, and counted.
  const table = dropRows(
    read,
    (column, i) =>
      column.kind === 'numeric' ? Number.isNaN(column.values[i]!) : column.values[i] === null,
    opts.target,
  );
  const dropped = read.rowCount - table.rowCount;
  if (dropped > 0)
    notes.push(
      `dropped ${dropped} of ${read.rowCount} rows whose target "${opts.target}" is missing`,
    );
  const target = findColumn(table, opts.target);
  const leftOut: string[] = [];
  // Judged on the file as read: a row number is still one with some rows dropped.
  for (const column of read.columns) {
    if (column.name === opts.target || opts.keepColumns?.includes(column.name)) continue;
    const why = looksUnlearnable(column);
    if (!why) continue;
    leftOut.push(column.name);
    notes.push(`left out column "${column.name}": ${why}; --keep-columns ${column.name} keeps it`);
  }
  const features = table.columns.filter((c) => c !== target && !leftOut.includes(c.name));
  const kind = opts.kind ?? guessKind(target);
  const classification = kind === 'classification';
  const name = path.basename(opts.file).replace(/\.[^.]*$/, '');
  const missing = features.filter((c) => missingCount(c) > 0).map((c) => c.name);
  const categorical = features.filter((c) => c.kind === 'categorical').map((c) => c.name);
  const task = defineTabularTask({
    name,
    title: `${name} (${opts.file})`,
    description:
      `${classification ? 'Classify' : 'Predict'} "${opts.target}" from ${features.length} columns of ${table.rowCount} rows of ${path.basename(opts.file)}` +
      `${categorical.length ? `; categorical columns: ${categorical.join(', ')}` : ''}` +
      `${missing.length ? `; columns with missing values: ${missing.join(', ')}` : ''}.` +
      `${notes.length ? ` Before training, lgt ${notes.map((n) => n.replace(/; --keep-columns.*/, '')).join('; ')}.` : ''}`,
    kind,
    metric: classification
      ? { name: 'accuracy', direction: 'maximize' }
      : { name: 'mae', direction: 'minimize' },
    source: async () => table,
    dataSummary: `${table.rowCount} rows from ${opts.file}`,
    target: opts.target,
    ...(leftOut.length ? { dropColumns: leftOut } : {}),
    hasMissingValues: missing.length > 0,
    hasCategoricalColumns: categorical.length > 0,
    nonNegativeTarget: target.kind === 'numeric' && target.values.every((v) => v >= 0),
    training: { maxEpochs: 500, defaultEpochs: 50, defaultBatchSize: 32 },
    // A person's own data has no paper baseline: the space's defaults are the starting point.
    baseline: {},
  });
  return notes.length ? { ...task, notes } : task;
}

/** The table without the rows where column `name` is missing. */
function dropRows(
  table: Table,
  missing: (column: Column, row: number) => boolean,
  name: string,
): Table {
  const column = findColumn(table, name);
  const keep: number[] = [];
  for (let i = 0; i < table.rowCount; i++) if (!missing(column, i)) keep.push(i);
  if (keep.length === table.rowCount) return table;
  return {
    source: table.source,
    rowCount: keep.length,
    columns: table.columns.map((c) =>
      c.kind === 'numeric'
        ? { ...c, values: Float64Array.from(keep, (i) => c.values[i]!) }
        : { ...c, values: keep.map((i) => c.values[i]!) },
    ),
  };
}

/**
 * Why a column cannot help a model generalize, or null: text whose every value differs (an ID,
 * a name), whole numbers counting the rows (a row number), or text with more levels than a
 * category has (free text); one-hot encoding these would only let the model memorize rows.
 */
function looksUnlearnable(column: Column): string | null {
  if (column.kind === 'categorical') {
    const present = column.values.filter((v) => v !== null);
    const levels = new Set(present).size;
    if (present.length >= MIN_VALUES_FOR_ID && levels === present.length)
      return 'every value is different (an ID?)';
    if (levels > MAX_CATEGORY_LEVELS) return `${levels} different texts (free text?)`;
    return null;
  }
  const present = Array.from(column.values).filter((v) => !Number.isNaN(v));
  if (present.length < MIN_VALUES_FOR_ID || !present.every(Number.isInteger)) return null;
  const distinct = new Set(present).size;
  const span = Math.max(...present) - Math.min(...present) + 1;
  return distinct === present.length && span === present.length
    ? 'whole numbers counting the rows (a row number or an ID?)'
    : null;
}

/** Text, or a few distinct whole numbers: classes. Anything else: a quantity to predict. */
function guessKind(target: Column): TaskKind {
  if (target.kind === 'categorical') return 'classification';
  const distinct = new Set<number>();
  for (const v of target.values) {
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return 'regression';
    distinct.add(v);
  }
  return distinct.size <= 20 ? 'classification' : 'regression';
}
