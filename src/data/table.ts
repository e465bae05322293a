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
      // The names are the file's content, which an error must not carry (it may be stored in
      // Redis or shown to another user): counted here, and the header shows them.
      `column "${name}" is not in ${table.source}, which has ${table.columns.length} column${table.columns.length === 1 ? '' : 's'}; its first line names them (head -1 ${table.source})`,
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
