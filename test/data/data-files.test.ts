import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readCifar10Batches } from '../../src/data/cifar10-file.ts';
import {
  CorruptDataFileError,
  MissingDataFileError,
  defaultDataDirs,
  resolveDataFile,
  type DataFileSpec,
} from '../../src/data/data-files.ts';
import { dataSources } from '../../src/data/data-sources.ts';
import { sharedDataset } from '../helpers/paths.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'lgt-data-files-'));
let server: http.Server;
let base = '';
const requests: string[] = [];
const countRequests = (url: string) => requests.filter((r) => r === url).length;

/** A fresh empty directory for one test. */
function fresh(name: string): string {
  const dir = mkdtempSync(path.join(root, `${name}-`));
  return dir;
}

/** All files and directories under dir (relative paths, sorted), dot files included. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** UCI's iris.data, rebuilt from the shared CSV: no header, "Iris-" prefixes, "3.0" numbers. */
function uciIrisData(): string {
  const lines = readFileSync(sharedDataset('iris.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  return (
    lines
      .map((line) => {
        const cells = line.split(',');
        const species = cells.pop()!.replace(/"/g, '');
        return [...cells.map((c) => Number(c).toFixed(1)), `Iris-${species}`].join(',');
      })
      .join('\n') + '\n\n'
  );
}

/** A CIFAR-10 record whose pixels are all `value`. */
function cifarRecord(label: number, value: number): Buffer {
  const record = Buffer.alloc(3073, value);
  record[0] = label;
  return record;
}

const CIFAR_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat('test_batch.bin');

async function buildArchives(): Promise<{ cifar: Buffer; dotted: Buffer }> {
  const source = path.join(root, 'archive-source');
  const batchDir = path.join(source, 'cifar-10-batches-bin');
  mkdirSync(batchDir, { recursive: true });
  mkdirSync(path.join(source, 'elsewhere'));
  CIFAR_BATCHES.forEach((name, i) =>
    writeFileSync(path.join(batchDir, name), cifarRecord(i, 10 * i)),
  );
  writeFileSync(path.join(batchDir, 'batches.meta.txt'), 'airplane\nautomobile\n');
  writeFileSync(path.join(source, 'elsewhere', 'not-ours.txt'), 'x');
  const cifarFile = path.join(root, 'cifar.tar.gz');
  await tar.c({ gzip: true, file: cifarFile, cwd: source }, ['cifar-10-batches-bin', 'elsewhere']);
  // Some archives list their members as ./dir/name.
  const dottedFile = path.join(root, 'dotted.tar.gz');
  await tar.c({ gzip: true, file: dottedFile, cwd: source }, ['./elsewhere']);
  return { cifar: readFileSync(cifarFile), dotted: readFileSync(dottedFile) };
}

beforeAll(async () => {
  const { cifar, dotted } = await buildArchives();
  const iris = uciIrisData();
  const slowBody = Buffer.alloc(256 * 1024, 'a');
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    if (url === '/iris.data') return void res.end(iris);
    if (url === '/not-iris.html') return void res.end('<html><body>Moved</body></html>\n');
    if (url === '/plain.txt') return void res.end('plain text\n');
    if (url === '/gzip-encoded') {
      // As web servers compress text on the fly: Content-Length counts the compressed bytes.
      const zipped = gzipSync('a,b\n'.repeat(5000));
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(zipped.length) });
      return void res.end(zipped);
    }
    if (url === '/cifar.tar.gz') return void res.end(cifar);
    if (url === '/dotted.tar.gz') return void res.end(dotted);
    if (url === '/chunked-slowly') {
      // Four chunks 120 ms apart: slow enough for progress reports in between.
      res.writeHead(200, { 'content-length': String(slowBody.length) });
      let sent = 0;
      const next = () => {
        res.write(slowBody.subarray(sent, sent + 64 * 1024));
        sent += 64 * 1024;
        if (sent < slowBody.length) setTimeout(next, 120);
        else res.end();
      };
      return next();
    }
    if (url === '/stalls') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      return; // and then silence
    }
    if (url === '/never-answers') return; // not even headers
    if (url === '/cut-off') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only a part');
      return void setTimeout(() => res.socket?.destroy(), 20);
    }
    res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of ['LGT_DATA_DIR', 'LGT_OFFLINE', 'XDG_CACHE_HOME']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

async function failure(promise: Promise<unknown>): Promise<MissingDataFileError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the data file to be missing');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MissingDataFileError);
  return error as MissingDataFileError;
}

describe('finding data files', () => {
  it('takes the first data directory that has the file, skipping directories of that name', async () => {
    const first = fresh('first');
    const second = fresh('second');
    mkdirSync(path.join(first, 'x.csv')); // a directory is not the file
    writeFileSync(path.join(second, 'x.csv'), 'a\n1\n');
    const spec: DataFileSpec = { file: 'x.csv', title: 'x', url: `${base}/plain.txt` };
    const before = requests.length;
    expect(await resolveDataFile(spec, { dataDirs: ['/does/not/exist', first, second] })).toBe(
      path.join(second, 'x.csv'),
    );
    expect(requests.length).toBe(before); // found, so nothing downloaded
  });

  it('looks in system directories by base name, after the data directories', async () => {
    const system = fresh('system');
    writeFileSync(path.join(system, 'y.gz'), 'y');
    const spec: DataFileSpec = { file: 'sets/y.gz', title: 'y', systemDirs: [system] };
    expect(await resolveDataFile(spec, { dataDirs: [fresh('empty')] })).toBe(
      path.join(system, 'y.gz'),
    );
    const dataDir = fresh('data');
    mkdirSync(path.join(dataDir, 'sets'));
    writeFileSync(path.join(dataDir, 'sets', 'y.gz'), 'mine');
    expect(await resolveDataFile(spec, { dataDirs: [dataDir] })).toBe(
      path.join(dataDir, 'sets', 'y.gz'),
    );
  });

  it('finds the real Fashion-MNIST files where Debian installs them', async () => {
    const file = await resolveDataFile(dataSources.fashionMnist.testLabels, {
      dataDirs: [fresh('nothing')],
      download: false,
    });
    expect(file).toBe('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
  });

  it('by default searches LGT_DATA_DIR (a : list), then the user cache', async () => {
    const a = fresh('env-a');
    const b = fresh('env-b');
    process.env['LGT_DATA_DIR'] = `${a}:${path.relative(process.cwd(), b)}`;
    process.env['XDG_CACHE_HOME'] = path.join(root, 'xdg');
    expect(defaultDataDirs()).toEqual([a, b, path.join(root, 'xdg', 'lgt', 'datasets')]);
    delete process.env['XDG_CACHE_HOME'];
    expect(defaultDataDirs().at(-1)).toBe(path.join(os.homedir(), '.cache', 'lgt', 'datasets'));
    writeFileSync(path.join(b, 'z.csv'), 'z\n1\n');
    expect(await resolveDataFile({ file: 'z.csv', title: 'z' })).toBe(path.join(b, 'z.csv'));
  });
});

describe('downloading data files', () => {
  it('downloads into the first data directory, converting UCI iris to our CSV layout', async () => {
    const first = fresh('download');
    const second = fresh('download-second');
    const messages: string[] = [];
    const file = await resolveDataFile(
      { ...dataSources.iris, url: `${base}/iris.data` },
      { dataDirs: [first, second], download: true, onProgress: (m) => messages.push(m) },
    );
    expect(file).toBe(path.join(first, 'iris.csv'));
    // Converted byte for byte into the shared iris.csv (UCI's two errata rows corrected).
    expect(readFileSync(file)).toEqual(readFileSync(sharedDataset('iris.csv')));
    expect(messages.at(-2)).toMatch(
      /^downloading Iris .* from http.*\/iris\.data: 4 KiB of 4 KiB \(100%\)$/,
    );
    expect(messages.at(-1)).toBe(`saved ${file}`);
    expect(tree(first)).toEqual(['iris.csv']); // no temporary files left behind
    expect(tree(second)).toEqual([]);
  });

  it('keeps a download whose SHA-256 is the expected one, and refuses one that is not, keeping nothing', async () => {
    const plain = { file: 'plain.txt', title: 'a plain file', url: `${base}/plain.txt` };
    const right = createHash('sha256').update('plain text\n').digest('hex');
    const good = fresh('checksum-good');
    expect(
      await resolveDataFile({ ...plain, sha256: right }, { dataDirs: [good], download: true }),
    ).toBe(path.join(good, 'plain.txt'));
    const bad = fresh('checksum-bad');
    const wrong = '0'.repeat(64);
    const error = await resolveDataFile(
      { ...plain, sha256: wrong },
      { dataDirs: [bad], download: true },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataFileError);
    expect((error as Error).message).toContain(`has SHA-256 ${right}, not the expected ${wrong}`);
    expect(tree(bad)).toEqual([]); // the wrong bytes never took the file's place
    // A file already there is checked too: a good one found is returned, a changed one refused.
    writeFileSync(path.join(good, 'plain.txt'), 'changed\n');
    await expect(
      resolveDataFile({ ...plain, sha256: right }, { dataDirs: [good], download: false }),
    ).rejects.toThrow(CorruptDataFileError);
  });

  it('reports progress in percent while a download is under way', async () => {
    const dataDir = fresh('progress');
    const messages: string[] = [];
    const file = await resolveDataFile(
      { file: 'deep/er/slow.bin', title: 'slow file', url: `${base}/chunked-slowly` },
      { dataDirs: [dataDir], onProgress: (m) => messages.push(m), download: true },
    );
    expect(file).toBe(path.join(dataDir, 'deep', 'er', 'slow.bin'));
    expect(readFileSync(file).length).toBe(256 * 1024);
    const percents = messages.flatMap((m) => /\((\d+)%\)/.exec(m)?.[1] ?? []).map(Number);
    expect(percents.at(-1)).toBe(100);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
    expect(messages.at(-2)).toContain('256 KiB of 256 KiB');
  });

  it('saves what the server compressed on the fly as the plain file', async () => {
    const dataDir = fresh('encoded');
    const messages: string[] = [];
    const file = await resolveDataFile(
      { file: 'encoded.csv', title: 'encoded', url: `${base}/gzip-encoded` },
      { dataDirs: [dataDir], download: true, onProgress: (m) => messages.push(m) },
    );
    expect(readFileSync(file, 'utf8')).toBe('a,b\n'.repeat(5000));
    expect(messages.at(-2)).toMatch(/: 20 KiB$/); // the size seen, without a wrong total
  });

  it('extracts every CIFAR-10 batch from the archive on one download', async () => {
    const dataDir = fresh('cifar');
    const url = `${base}/cifar.tar.gz`;
    const local = (spec: DataFileSpec): DataFileSpec => ({ ...spec, url });
    const { trainBatches, testBatch } = dataSources.cifar10;
    const files: string[] = [];
    for (const spec of [...trainBatches, testBatch])
      files.push(await resolveDataFile(local(spec), { dataDirs: [dataDir], download: true }));
    expect(countRequests('/cifar.tar.gz')).toBe(1);
    expect(files).toEqual(CIFAR_BATCHES.map((name) => path.join(dataDir, 'cifar10', name)));
    // The other members of the batch directory came along; other directories did not.
    expect(tree(dataDir)).toEqual([
      'cifar10',
      ...[...CIFAR_BATCHES, 'batches.meta.txt'].sort().map((n) => `cifar10/${n}`),
    ]);
    const set = await readCifar10Batches(files);
    expect(Array.from(set.labels)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([set.images[0], set.images[3072 * 5 + 100]]).toEqual([0, 50]);
  });

  it('extracts members listed as ./dir/name, and says when the member is not there', async () => {
    const dataDir = fresh('dotted');
    const spec: DataFileSpec = {
      file: 'other/not-ours.txt',
      title: 'a member',
      url: `${base}/dotted.tar.gz`,
      archiveMember: 'elsewhere/not-ours.txt',
    };
    const file = await resolveDataFile(spec, { dataDirs: [dataDir], download: true });
    expect(readFileSync(file, 'utf8')).toBe('x');
    const missing = await failure(
      resolveDataFile(
        { ...spec, file: 'other/absent.txt', archiveMember: 'elsewhere/absent.txt' },
        { dataDirs: [dataDir], download: true },
      ),
    );
    expect(missing.message).toContain(
      `Downloading ${base}/dotted.tar.gz failed: the archive has no member elsewhere/absent.txt.`,
    );
    expect(tree(dataDir)).toEqual(['other', 'other/not-ours.txt']);
  });

  it('gives up on a server that stops sending, and leaves no partial file', async () => {
    for (const endpoint of ['/stalls', '/never-answers']) {
      const dataDir = fresh('silent');
      const started = performance.now();
      const error = await failure(
        resolveDataFile(
          { file: 'silent.csv', title: 'silent', url: `${base}${endpoint}` },
          { dataDirs: [dataDir], download: true, fetchTimeoutMs: 250 },
        ),
      );
      expect(performance.now() - started).toBeLessThan(2000);
      expect(error.message).toContain(
        `Downloading ${base}${endpoint} failed: no data from the server for 0.25 s.`,
      );
      expect(tree(dataDir)).toEqual([]);
    }
  });

  it('refuses a cut-off download, an HTTP error, a refused connection and a bad conversion', async () => {
    const dataDir = fresh('errors');
    const cut = await failure(
      resolveDataFile(
        { file: 'cut.csv', title: 'cut', url: `${base}/cut-off` },
        { dataDirs: [dataDir], download: true },
      ),
    );
    expect(cut.message).toMatch(/Downloading .*\/cut-off failed: /);
    const notFound = await failure(
      resolveDataFile(
        { file: 'gone.csv', title: 'gone', url: `${base}/gone` },
        { dataDirs: [dataDir], download: true },
      ),
    );
    expect(notFound.message).toContain('failed: the server answered HTTP 404 Not Found.');
    // A port nobody listens on: open a server, note its port, close it.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await failure(
      resolveDataFile(
        { file: 'refused.csv', title: 'refused', url: `http://127.0.0.1:${port}/x` },
        { dataDirs: [dataDir], download: true },
      ),
    );
    expect(refused.message).toMatch(/failed: fetch failed \(.*ECONNREFUSED.*\)/);
    const html = await failure(
      resolveDataFile(
        { ...dataSources.iris, url: `${base}/not-iris.html` },
        { dataDirs: [dataDir], download: true },
      ),
    );
    expect(html.message).toContain('failed: iris.data line 1 has 1 field, expected 5');
    expect(tree(dataDir)).toEqual([]);
  });
});

describe('the error for a missing data file', () => {
  it('names the file, every directory searched, the manual way to get it, and the fix', async () => {
    const dataDir = fresh('manual');
    const error = await failure(
      resolveDataFile(dataSources.waterPotability, {
        dataDirs: [dataDir, '/other/place'],
        download: true,
      }),
    );
    expect(error.message).toBe(
      [
        'data file water-potability.csv (Water Quality (Kaggle, Aditya Kadiwal 2021)) was not found.',
        `Searched: ${dataDir}, /other/place.`,
        'Kaggle has no anonymous download: sign in at https://www.kaggle.com/datasets/adityakadiwal/water-potability ' +
          '(or run `kaggle datasets download adityakadiwal/water-potability`), unzip it and save water_potability.csv as water-potability.csv.',
        `Put water-potability.csv in one of these directories (e.g. as ${dataDir}/water-potability.csv), or set LGT_DATA_DIR to a directory that has it.`,
      ].join('\n'),
    );
    expect(error.searched.paths).toEqual([
      path.join(dataDir, 'water-potability.csv'),
      '/other/place/water-potability.csv',
    ]);
  });

  it('offline, lists the system directories and the URL, and downloads nothing', async () => {
    const dataDir = fresh('offline');
    process.env['LGT_OFFLINE'] = '1';
    const before = requests.length;
    const spec = { ...dataSources.mnist.trainLabels, systemDirs: ['/usr/share/datasets/mnist'] };
    const error = await failure(
      resolveDataFile({ ...spec, url: `${base}/plain.txt` }, { dataDirs: [dataDir] }),
    );
    expect(requests.length).toBe(before);
    expect(error.message).toBe(
      [
        'data file mnist/train-labels-idx1-ubyte.gz (MNIST training labels) was not found.',
        `Searched: ${dataDir}; system directories (by the name train-labels-idx1-ubyte.gz): /usr/share/datasets/mnist.`,
        'Downloading is off (LGT_OFFLINE=1).',
        `It comes from ${base}/plain.txt.`,
        `Put mnist/train-labels-idx1-ubyte.gz in one of these directories (e.g. as ${dataDir}/mnist/train-labels-idx1-ubyte.gz), or set LGT_DATA_DIR to a directory that has it.`,
      ].join('\n'),
    );
    const cifar = await failure(
      resolveDataFile(dataSources.cifar10.testBatch, { dataDirs: [dataDir], download: false }),
    );
    expect(cifar.message).toContain('Downloading is off.\n');
    expect(cifar.message).toContain(
      'It comes from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (member cifar-10-batches-bin/test_batch.bin of that archive).',
    );
  });
});
