import path from 'node:path';
import { readCsvTable } from '../data/csv-table.ts';
import { findColumn, missingCount, type Column } from '../data/table.ts';
import { defineTabularTask } from './tabular/tabular-task.ts';
import type { AnyTask, TaskKind } from './task.ts';

export interface CsvTaskOptions {
  file: string;
  target: string;
  kind?: TaskKind;
}

/**
 * A task built from a person's own CSV file: column types are inferred, categorical columns get
 * an encoding knob and missing values an imputation knob, and the kind of problem is guessed
 * from the target unless given.
 */
export async function createCsvTask(opts: CsvTaskOptions): Promise<AnyTask> {
  const table = await readCsvTable(opts.file);
  const target = findColumn(table, opts.target);
  const features = table.columns.filter((c) => c !== target);
  const kind = opts.kind ?? guessKind(target);
  const classification = kind === 'classification';
  const name = path.basename(opts.file).replace(/\.[^.]*$/, '');
  const missing = features.filter((c) => missingCount(c) > 0).map((c) => c.name);
  const categorical = features.filter((c) => c.kind === 'categorical').map((c) => c.name);
  return defineTabularTask({
    name,
    title: `${name} (${opts.file})`,
    description:
      `${classification ? 'Classify' : 'Predict'} "${opts.target}" from ${features.length} columns of ${table.rowCount} rows of ${path.basename(opts.file)}` +
      `${categorical.length ? `; categorical columns: ${categorical.join(', ')}` : ''}` +
      `${missing.length ? `; columns with missing values: ${missing.join(', ')}` : ''}.`,
    kind,
    metric: classification
      ? { name: 'accuracy', direction: 'maximize' }
      : { name: 'mae', direction: 'minimize' },
    source: async () => table,
    dataSummary: `${table.rowCount} rows from ${opts.file}`,
    target: opts.target,
    hasMissingValues: missing.length > 0,
    hasCategoricalColumns: categorical.length > 0,
    nonNegativeTarget: target.kind === 'numeric' && target.values.every((v) => v >= 0),
    training: { maxEpochs: 500, defaultEpochs: 50, defaultBatchSize: 32 },
    // A person's own data has no paper baseline: the space's defaults are the starting point.
    baseline: {},
  });
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
