/**
 * A data set of named, typed columns, as read from a CSV file. Missing values are NaN in
 * numeric columns and null in categorical ones; the feature-engineering knobs decide what to
 * do with them.
 */
export interface NumericColumn {
  name: string;
  kind: 'numeric';
  values: Float64Array;
}

export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  values: (string | null)[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  /** Where the rows came from (a file path), for messages. */
  source: string;
  rowCount: number;
  columns: Column[];
}

export function findColumn(table: Table, name: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    throw new Error(
      `column "${name}" is not in ${table.source}; its columns are: ${table.columns.map((c) => c.name).join(', ')}`,
    );
  }
  return column;
}

export function missingCount(column: Column): number {
  let n = 0;
  if (column.kind === 'numeric') {
    for (const v of column.values) if (Number.isNaN(v)) n++;
  } else {
    for (const v of column.values) if (v === null) n++;
  }
  return n;
}
