import { accessSync, constants, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import * as tar from 'tar';
import { LgtError } from '../errors/lgt-error.ts';

/** A data file a task needs: its name in a data directory and where it comes from. */
export interface DataFileSpec {
  /** Path relative to a data directory, e.g. 'iris.csv' or 'fashion-mnist/t10k-labels-idx1-ubyte.gz'. */
  file: string;
  /** What the file is, for messages. */
  title: string;
  /** The canonical source. */
  url?: string;
  /**
   * When `url` is a .tar.gz archive: the member that is this file, e.g.
   * 'cifar-10-batches-bin/data_batch_1.bin'. The members beside it in the archive are extracted
   * beside the file on the same download, so the six CIFAR-10 batches cost one download.
   */
  archiveMember?: string;
  /** Turns the downloaded bytes into the file's layout (e.g. a headerless file into a CSV). */
  convert?: (downloaded: Buffer) => Buffer;
  /** Directories a system package installs the file into (searched by its base name). */
  systemDirs?: string[];
  /** How to get the file by hand when there is no direct download (e.g. Kaggle needs a login). */
  howToGet?: string;
  /**
   * The file's SHA-256 (hex), when one exact version is expected (a model evaluated as code
   * would give other numbers if it were another version): a found or downloaded file that does
   * not match is refused with CorruptDataFileError, and a bad download is not kept.
   */
  sha256?: string;
}

export interface ResolveOptions {
  /** Where to look first and download to (default: `defaultDataDirs()`). */
  dataDirs?: string[];
  /** Download missing files (default: yes, unless LGT_OFFLINE=1). */
  download?: boolean;
  /** Longest wait for the server to answer or to send the next chunk (default 60 s). */
  fetchTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

const DEFAULT_FETCH_TIMEOUT_MS = 60_000;

/** Where a data file was looked for. */
export interface SearchedPlaces {
  dataDirs: string[];
  systemDirs: string[];
  /** The full paths tried, in order. */
  paths: string[];
}

export class MissingDataFileError extends LgtError {
  constructor(
    readonly spec: DataFileSpec,
    readonly searched: SearchedPlaces,
    /** Why it was not downloaded: the network error, or that downloading is off. */
    readonly reason?: string,
  ) {
    const where = spec.url
      ? `It comes from ${spec.url}${spec.archiveMember ? ` (member ${spec.archiveMember} of that archive)` : ''}.`
      : (spec.howToGet ?? 'There is no known download for it.');
    const systemDirs = searched.systemDirs.length
      ? `; system directories (by the name ${path.basename(spec.file)}): ${searched.systemDirs.join(', ')}`
      : '';
    super(
      'missing-data',
      [
        `data file ${spec.file} (${spec.title}) was not found.`,
        `Searched: ${searched.dataDirs.join(', ')}${systemDirs}.`,
        reason ? `${reason}.` : '',
        where,
        `Put ${spec.file} in one of these directories (e.g. as ${searched.paths[0] ?? spec.file}), or set LGT_DATA_DIR to a directory that has it.`,
      ]
        .filter(Boolean)
        .join('\n'),
    );
    this.name = 'MissingDataFileError';
  }
}

/** A data file whose bytes are not the expected version (DataFileSpec.sha256). */
export class CorruptDataFileError extends LgtError {
  constructor(
    readonly spec: DataFileSpec,
    readonly file: string,
    readonly actual: string,
  ) {
    super(
      'missing-data',
      [
        `data file ${file} (${spec.title}) has SHA-256 ${actual}, not the expected ${spec.sha256}: it is damaged or another version.`,
        spec.url
          ? `Delete it and lgt downloads it again from ${spec.url} (where there is internet), or put the right file there.`
          : `Replace it with the right file. ${spec.howToGet ?? ''}`.trim(),
      ].join('\n'),
    );
    this.name = 'CorruptDataFileError';
  }
}

/** Checked files, by path, size and time: each is hashed once per process. */
const verified = new Set<string>();

async function verifyChecksum(spec: DataFileSpec, file: string): Promise<void> {
  if (!spec.sha256) return;
  const stat = statSync(file);
  const key = `${file}|${stat.size}|${stat.mtimeMs}`;
  if (verified.has(key)) return;
  const actual = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  if (actual !== spec.sha256.toLowerCase()) throw new CorruptDataFileError(spec, file, actual);
  verified.add(key);
}

/**
 * The data directories, in search order: each of LGT_DATA_DIR (a list separated by ':' like
 * PATH), then the per-user cache `$XDG_CACHE_HOME/lgt/datasets` (or `~/.cache/lgt/datasets`).
 */
export function defaultDataDirs(): string[] {
  const fromEnv = (process.env['LGT_DATA_DIR'] ?? '').split(path.delimiter).filter(Boolean);
  const cacheRoot = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return [...fromEnv.map((d) => path.resolve(d)), path.join(cacheRoot, 'lgt', 'datasets')];
}

/**
 * The absolute path of a data file: found in a data directory or a system directory, or
 * downloaded into the first data directory. Never returns a half-written file.
 */
export async function resolveDataFile(
  spec: DataFileSpec,
  options: ResolveOptions = {},
): Promise<string> {
  const dataDirs = options.dataDirs?.length
    ? options.dataDirs.map((d) => path.resolve(d))
    : defaultDataDirs();
  const systemDirs = (spec.systemDirs ?? []).map((d) => path.resolve(d));
  const searched: SearchedPlaces = {
    dataDirs,
    systemDirs,
    paths: [
      ...dataDirs.map((d) => path.join(d, spec.file)),
      // A system package lays files out its own way: only the base name is known to match.
      ...systemDirs.map((d) => path.join(d, path.basename(spec.file))),
    ],
  };
  const found = searched.paths.find(isFile);
  if (found) {
    await verifyChecksum(spec, found);
    return found;
  }

  const download = options.download ?? process.env['LGT_OFFLINE'] !== '1';
  if (!spec.url) throw new MissingDataFileError(spec, searched);
  if (!download) {
    throw new MissingDataFileError(
      spec,
      searched,
      options.download === false ? 'Downloading is off' : 'Downloading is off (LGT_OFFLINE=1)',
    );
  }
  const dataDir = firstWritable(dataDirs);
  try {
    await downloadInto(spec, spec.url, dataDir, options);
  } catch (error) {
    if (error instanceof CorruptDataFileError) throw error;
    throw new MissingDataFileError(
      spec,
      searched,
      `Downloading ${spec.url} failed: ${(error as Error).message}`,
    );
  }
  return path.join(dataDir, spec.file);
}

/**
 * The first data directory a download can go to: LGT_DATA_DIR may name a read-only shared
 * directory, in which case the download lands in the next one (in the end, the cache).
 */
function firstWritable(dirs: string[]): string {
  for (const dir of dirs) {
    let probe = dir;
    // A directory that does not exist yet is writable if its nearest existing parent is.
    while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
    try {
      accessSync(probe, constants.W_OK);
      return dir;
    } catch {
      // read-only: try the next one
    }
  }
  return dirs[0]!;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Downloads into a fresh temporary directory inside the data directory, then renames into
 * place: a rename within one file system is atomic, so a reader (another trial, a process
 * killed halfway) sees a whole file or none, and a failed download leaves nothing behind.
 */
async function downloadInto(
  spec: DataFileSpec,
  url: string,
  dataDir: string,
  options: ResolveOptions,
): Promise<void> {
  const report = options.onProgress ?? (() => {});
  await mkdir(dataDir, { recursive: true });
  const work = await mkdtemp(path.join(dataDir, `.download-${path.basename(spec.file)}-`));
  try {
    const downloaded = path.join(work, 'download');
    await fetchToFile(
      url,
      downloaded,
      options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
      (done, total) =>
        report(
          `downloading ${spec.title} from ${url}: ${formatBytes(done)}` +
            (total ? ` of ${formatBytes(total)} (${Math.floor((100 * done) / total)}%)` : ''),
        ),
    );
    const target = path.join(dataDir, spec.file);
    await mkdir(path.dirname(target), { recursive: true });
    if (spec.archiveMember) {
      report(`extracting ${path.posix.dirname(spec.archiveMember)}/ from ${url}`);
      await extractBesideTarget(spec, spec.archiveMember, downloaded, work, target);
    } else {
      if (spec.convert) await writeFile(downloaded, spec.convert(await readFile(downloaded)));
      // A download that is not the expected version is refused before it takes the file's place.
      await verifyChecksum(spec, downloaded);
      await rename(downloaded, target);
    }
    report(`saved ${target}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Extracts the member and every file beside it in the archive (the other CIFAR-10 batches), and
 * moves them beside the target.
 */
async function extractBesideTarget(
  spec: DataFileSpec,
  member: string,
  archive: string,
  work: string,
  target: string,
): Promise<void> {
  const memberDir = path.posix.dirname(normaliseMember(member));
  const extracted = path.join(work, 'extracted');
  await mkdir(extracted);
  await tar.x({
    file: archive,
    cwd: extracted,
    filter: (entryPath, entry) =>
      path.posix.dirname(normaliseMember(entryPath)) === memberDir &&
      (!('type' in entry) || entry.type === 'File'),
  });
  const fromDir = path.join(extracted, memberDir);
  const names = await readdir(fromDir).catch(() => [] as string[]);
  if (!names.includes(path.posix.basename(member))) {
    throw new Error(`the archive has no member ${member}`);
  }
  for (const name of names) {
    const from = path.join(fromDir, name);
    if (name === path.posix.basename(member) && spec.convert) {
      await writeFile(from, spec.convert(await readFile(from)));
    }
    const to =
      name === path.posix.basename(member) ? target : path.join(path.dirname(target), name);
    await rename(from, to);
  }
}

/** Archive member names as tar lists them may start with './'. */
function normaliseMember(name: string): string {
  return path.posix
    .normalize(name)
    .replace(/^(\.\/)+/, '')
    .replace(/\/$/, '');
}

async function fetchToFile(
  url: string,
  file: string,
  timeoutMs: number,
  onProgress: (done: number, total: number | null) => void,
): Promise<void> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), timeoutMs);
  // The timeout is for silence, not for the whole download (CIFAR-10 is 163 MB): each chunk
  // that arrives restarts it.
  const stillAlive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), timeoutMs);
  };
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) {
      throw new Error(`the server answered HTTP ${response.status} ${response.statusText}`.trim());
    }
    // fetch() unzips a Content-Encoding: gzip body, and then Content-Length counts the zipped
    // bytes, not the ones we see: only an unencoded length is a total to compare with.
    const encoding = response.headers.get('content-encoding');
    const total =
      !encoding || encoding === 'identity'
        ? Number(response.headers.get('content-length')) || null
        : null;
    let done = 0;
    let lastReport = 0;
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      stillAlive();
      done += chunk.length;
      if (performance.now() - lastReport > 250) {
        lastReport = performance.now();
        onProgress(done, total);
      }
    });
    await pipeline(body, createWriteStream(file));
    if (total !== null && done !== total) {
      throw new Error(`the connection ended after ${done} of ${total} bytes`);
    }
    onProgress(done, total);
  } catch (error) {
    if (controller.signal.aborted) {
      throw new Error(`no data from the server for ${timeoutMs / 1000} s`, { cause: error });
    }
    const e = error as Error & { cause?: Error };
    // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND...) is its cause.
    throw new Error(e.cause?.message ? `${e.message} (${e.cause.message})` : e.message, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
