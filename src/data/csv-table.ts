import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Column, Table } from './table.ts';

/**
 * Cell texts that mean "no value" in the CSV files people actually have (R writes NA, pandas
 * writes nothing or NaN, UCI files use ?). Matched exactly, not ignoring case, so that a real
 * category such as "Na" (sodium) stays a category.
 */
const MISSING_VALUE_TEXTS: ReadonlySet<string> = new Set([
  '',
  'NA',
  'N/A',
  'n/a',
  'NaN',
  'nan',
  'null',
  'NULL',
  '?',
  'None',
]);

export function isMissingText(text: string): boolean {
  return MISSING_VALUE_TEXTS.has(text);
}

/**
 * Plain decimal numbers only: Number() would also accept "0x1F", "0b11" and "Infinity", which in
 * a CSV file are identifiers or words rather than measurements.
 */
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * What csv-parse returns per record with `info: true`; its typings say plain records, so what it
 * returns is read through this (`lines`: the line the record ends on, 1-based).
 */
const ParsedRecordsSchema = z.array(
  z.object({ record: z.array(z.string()), info: z.object({ lines: z.number() }) }),
);
type ParsedRecord = z.infer<typeof ParsedRecordsSchema>[number];

/**
 * The longest cell (and column name) a table may hold: far beyond a number or a category, short
 * of a document pasted into a cell, whose text would otherwise end up as a category of the
 * model's preprocessing and in every file that describes it.
 */
export const MAX_CELL_CHARS = 10_000;

/** What csv-parse's error codes mean, in our words (its messages quote the field). */
const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by something other than a separator',
  CSV_INVALID_OPENING_QUOTE: 'a quote opens in the middle of a field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE:
    'a closing quote is followed by something other than a separator',
  CSV_MAX_RECORD_SIZE: 'a record is too large',
};

export async function readCsvTable(path: string): Promise<Table> {
  return parseCsvTable(await readFile(path, 'utf8'), path);
}

/** A CSV file as text cells: the column names and each row's cells, trimmed. */
export interface CsvRecords {
  source: string;
  names: string[];
  rows: string[][];
}

export async function readCsvRecords(path: string): Promise<CsvRecords> {
  return parseCsvRecords(await readFile(path, 'utf8'), path);
}

/**
 * Parses CSV text into its header and rows of text cells: comma or semicolon separated
 * (detected from the header), quoted fields, a UTF-8 BOM, CRLF, LF or both mixed; cells are
 * trimmed; a row with another number of fields than the header is an error naming its line.
 * `source` names the text in error messages (a file path).
 */
function parseCsvRecords(text: string, source: string): CsvRecords {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new Error(`${source} is empty: a CSV file needs a header line`);
  const delimiter = detectDelimiter(firstLine(body));
  let parsed: ParsedRecord[];
  try {
    const raw: unknown[] = parse(body, {
      delimiter,
      // Files edited on two systems mix line endings; csv-parse would take the first it sees
      // as the only one.
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: true,
      trim: true,
      // Field counts are checked below, to say which line is wrong in our own words.
      relax_column_count: true,
      info: true,
    });
    parsed = ParsedRecordsSchema.parse(raw);
  } catch (error) {
    // csv-parse's own message quotes the field it stopped at: the file's content, which an
    // error must not carry (it may be stored, logged, shown to others). Its code says what.
    const e = error as Error & { lines?: number; code?: string };
    throw new Error(
      `${source}${e.lines ? ` line ${e.lines}` : ''}: ${CSV_PROBLEMS[e.code ?? ''] ?? `not valid CSV (${e.code ?? 'parse error'})`}`,
    );
  }
  const [header, ...rows] = parsed;
  if (!header) throw new Error(`${source} is empty: a CSV file needs a header line`);
  if (rows.length === 0) {
    throw new Error(`${source} has a header line but no data rows`);
  }
  const names = header.record.map((name, i) =>
    name.trim() === '' ? `column${i + 1}` : name.trim(),
  );
  const duplicate = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (duplicate >= 0)
    throw new Error(
      `${source}: columns ${names.indexOf(names[duplicate]!) + 1} and ${duplicate + 1} of the header have the same name`,
    );
  // Messages name the line and the column, never a cell's content (see above).
  for (const { record, info } of rows) {
    if (record.length !== names.length) {
      throw new Error(
        `${source} line ${info.lines}: ${record.length} field${record.length === 1 ? '' : 's'}, ` +
          `expected ${names.length} like the header (separator "${delimiter}")`,
      );
    }
    const long = record.findIndex((cell) => cell.length > MAX_CELL_CHARS);
    if (long >= 0) {
      throw new Error(
        `${source} line ${info.lines}, column ${long + 1}: a cell of ${record[long]!.length.toLocaleString('en')} characters; a cell may hold at most ${MAX_CELL_CHARS.toLocaleString('en')} (is this a data table?)`,
      );
    }
  }
  const longName = names.findIndex((n) => n.length > MAX_CELL_CHARS);
  if (longName >= 0)
    throw new Error(
      `${source}: the name of column ${longName + 1} has ${names[longName]!.length.toLocaleString('en')} characters; at most ${MAX_CELL_CHARS.toLocaleString('en')}`,
    );
  // csv-parse trims around quotes, not inside them: " x " in quotes is still padded.
  return { source, names, rows: rows.map((r) => r.record.map((cell) => cell.trim())) };
}

/**
 * Parses CSV text into typed columns (see parseCsvRecords for the format). A column is numeric
 * when every non-missing cell is a finite decimal number, else categorical.
 */
export function parseCsvTable(text: string, source: string): Table {
  const { names, rows } = parseCsvRecords(text, source);
  const columns = names.map((name, c) =>
    toColumn(
      name,
      rows.map((r) => r[c]!),
    ),
  );
  return { source, rowCount: rows.length, columns };
}

export function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

/**
 * The separator is the one of `,` `;` or tab that occurs most often in the header outside
 * quotes: European spreadsheets write `;` because `,` is their decimal mark, and quoted
 * names may contain either.
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

function toColumn(name: string, cells: string[]): Column {
  const numbers = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (isMissingText(cell)) {
      numbers[i] = NaN;
    } else if (DECIMAL_NUMBER.test(cell) && Number.isFinite(Number(cell))) {
      numbers[i] = Number(cell);
    } else {
      return {
        name,
        kind: 'categorical',
        values: cells.map((c) => (isMissingText(c) ? null : c)),
      };
    }
  }
  return { name, kind: 'numeric', values: numbers };
}
