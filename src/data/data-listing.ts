import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { isInsideDirectories } from '../files/path-inside.ts';
import { detectDelimiter, firstLine } from './csv-table.ts';

/** A CSV file an operator's data directory holds, with its columns as its first line names them. */
export interface CsvListing {
  /** The directory it is in (one of those given). */
  dir: string;
  /** Its name in that directory: what a request names (`task.file`, relative to a data directory). */
  name: string;
  /** Its columns, from its first line (read as `lgt run --csv` reads it). */
  columns: string[];
}

/** Files listed per directory at most; the first bytes read of each for its header. */
const MAX_FILES = 200;
const HEADER_BYTES = 64 * 1024;

/**
 * The CSV files directly inside the given directories (not their subdirectories), with their
 * header's columns, for a form to offer: what the operator allowed, nothing else (a symbolic link
 * that leads outside is left out). Unreadable files and directories are skipped, not errors.
 */
export async function listCsvFiles(dirs: readonly string[]): Promise<CsvListing[]> {
  const out: CsvListing[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /\.csv$/i.test(n)).sort();
    } catch {
      continue;
    }
    for (const name of names.slice(0, MAX_FILES)) {
      const file = path.join(dir, name);
      if (!isInsideDirectories(file, [dir])) continue;
      const columns = await headerOf(file);
      if (columns) out.push({ dir, name, columns });
    }
  }
  return out;
}

async function headerOf(file: string): Promise<string[] | null> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
      const header = firstLine(buffer.subarray(0, bytesRead).toString('utf8'));
      // The header as `lgt run --csv` reads it: the same separator, quoted names unquoted.
      const rows = parse(header, {
        delimiter: detectDelimiter(header),
        relax_quotes: true,
      }) as string[][];
      return (rows[0] ?? []).map((c) => c.trim()).filter(Boolean);
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** A task module an operator's task directory holds (what a request's task.path may name). */
export interface ModuleListing {
  dir: string;
  name: string;
}

/**
 * The task modules directly inside the given directories (.ts, .mts, .js, .mjs), by name only:
 * nothing is imported to list them (a request that names one is checked when it loads).
 */
export async function listModules(dirs: readonly string[]): Promise<ModuleListing[]> {
  const out: ModuleListing[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir))
        .filter((n) => /\.(ts|mts|js|mjs)$/.test(n) && !n.endsWith('.d.ts'))
        .sort();
    } catch {
      continue;
    }
    for (const name of names.slice(0, MAX_FILES))
      if (isInsideDirectories(path.join(dir, name), [dir])) out.push({ dir, name });
  }
  return out;
}
