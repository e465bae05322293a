import { missingCount } from '../../data/table.ts';
import type { TabularData } from './tabular-task.ts';

/** What a CSV file became: its columns as inferred, the classes, the rows of each split. */
export function csvSummary(data: TabularData) {
  return {
    columns: data.features.map((c) => ({
      name: c.name,
      kind: c.kind,
      missing: missingCount(c),
      ...(c.kind === 'categorical'
        ? { levels: new Set(c.values.filter((v) => v !== null)).size }
        : {}),
    })),
    ...(data.classNames ? { classes: data.classNames } : {}),
    rows: {
      train: data.split.train.length,
      validation: data.split.validation.length,
      test: data.split.test.length,
    },
  };
}
