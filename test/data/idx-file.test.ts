import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readIdxFile, readIdxImageSet } from '../../src/data/idx-file.ts';
import { FASHION_MNIST_DIR, requireFile } from '../helpers/paths.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-idx-'));

/** Big-endian writers for each IDX element type, written with Buffer (not the reader's DataView). */
const WRITERS: Record<number, { bytes: number; write: (b: Buffer, x: number, o: number) => void }> =
  {
    0x08: { bytes: 1, write: (b, x, o) => b.writeUInt8(x, o) },
    0x09: { bytes: 1, write: (b, x, o) => b.writeInt8(x, o) },
    0x0b: { bytes: 2, write: (b, x, o) => b.writeInt16BE(x, o) },
    0x0c: { bytes: 4, write: (b, x, o) => b.writeInt32BE(x, o) },
    0x0d: { bytes: 4, write: (b, x, o) => b.writeFloatBE(x, o) },
    0x0e: { bytes: 8, write: (b, x, o) => b.writeDoubleBE(x, o) },
  };

/** An IDX file as MNIST's: 00 00 type ndims, one big-endian uint32 per dimension, the values. */
function idxBytes(type: number, shape: number[], values: number[]): Buffer {
  const { bytes, write } = WRITERS[type]!;
  const out = Buffer.alloc(4 + 4 * shape.length + values.length * bytes);
  out[2] = type;
  out[3] = shape.length;
  shape.forEach((size, i) => out.writeUInt32BE(size, 4 + 4 * i));
  values.forEach((x, i) => write(out, x, 4 + 4 * shape.length + i * bytes));
  return out;
}

function writeIn(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('readIdxFile', () => {
  it('reads every element type, big-endian, with its shape', async () => {
    const cases: [number, number[], number[], string][] = [
      [0x08, [2, 3], [0, 1, 127, 128, 200, 255], 'Uint8Array'],
      [0x09, [4], [-128, -1, 0, 127], 'Int8Array'],
      [0x0b, [2, 2], [258, -300, 32767, -32768], 'Int16Array'],
      [0x0c, [3], [1, -2, 2_000_000_000], 'Int32Array'],
      [0x0d, [1, 3], [0.5, -1.25, 1048576.5], 'Float32Array'],
      [0x0e, [2], [Math.PI, -1e-300], 'Float64Array'],
    ];
    for (const [type, shape, values, arrayType] of cases) {
      const file = writeIn(`type-${type}`, idxBytes(type, shape, values));
      const read = await readIdxFile(file);
      expect(read.shape).toEqual(shape);
      expect(read.data.constructor.name).toBe(arrayType);
      expect(Array.from(read.data)).toEqual(values);
    }
    // The bytes 01 02 are 258 only when read big-endian (513 little-endian).
    const short = Buffer.from([0, 0, 0x0b, 1, 0, 0, 0, 1, 0x01, 0x02]);
    expect(Array.from((await readIdxFile(writeIn('short-be', short))).data)).toEqual([258]);
  });

  it('unzips by the gzip magic bytes, not by the file name', async () => {
    const bytes = idxBytes(0x08, [3], [9, 8, 7]);
    for (const [name, content] of [
      ['zipped-without-suffix', gzipSync(bytes)],
      ['raw-with-suffix.gz', bytes],
      ['zipped.gz', gzipSync(bytes)],
    ] as const) {
      const read = await readIdxFile(writeIn(name, content));
      expect(read.shape).toEqual([3]);
      expect(Array.from(read.data)).toEqual([9, 8, 7]);
    }
  });

  it('says what is wrong with a file that is not IDX, or is cut short', async () => {
    await expect(readIdxFile(writeIn('text.csv', Buffer.from('a,b\n1,2\n')))).rejects.toThrow(
      /text\.csv is not an IDX file: .*\(it starts with 61 2c 62 0a\)/,
    );
    await expect(
      readIdxFile(writeIn('type', Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 0]))),
    ).rejects.toThrow('unknown IDX element type 0x0a');
    await expect(
      readIdxFile(writeIn('header', Buffer.from([0, 0, 8, 3, 0, 0, 0, 10]))),
    ).rejects.toThrow(
      'header is truncated inside its header: 3 dimensions need 16 header bytes, found 8',
    );
    const short = idxBytes(0x08, [10, 2, 2], [1, 2, 3]);
    await expect(readIdxFile(writeIn('short.gz', gzipSync(short)))).rejects.toThrow(
      'short.gz is truncated: shape 10x2x2 of unsigned bytes needs 56 bytes, found 19',
    );
    const ints = idxBytes(0x0c, [5], [1, 2, 3, 4, 5]).subarray(0, 20);
    await expect(readIdxFile(writeIn('ints', ints))).rejects.toThrow(
      'ints is truncated: shape 5 of ints needs 28 bytes, found 20',
    );
    const cutZip = gzipSync(idxBytes(0x08, [100], new Array(100).fill(7)));
    await expect(readIdxFile(writeIn('cut.gz', cutZip.subarray(0, 15)))).rejects.toThrow(
      /cut\.gz is gzipped but cannot be unpacked/,
    );
  });
});

describe('readIdxImageSet', () => {
  it('pairs gzipped images with raw labels, pixels in row-major order', async () => {
    const pixels = Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
    const images = writeIn('images.gz', gzipSync(idxBytes(0x08, [3, 2, 4], pixels)));
    const labels = writeIn('labels', idxBytes(0x08, [3], [7, 0, 9]));
    const set = await readIdxImageSet(images, labels);
    expect([set.count, set.height, set.width, set.channels]).toEqual([3, 2, 4, 1]);
    expect(set.images).toBeInstanceOf(Uint8Array);
    expect(Array.from(set.images)).toEqual(pixels);
    expect(Array.from(set.labels)).toEqual([7, 0, 9]);
  });

  it('refuses sets whose counts or shapes do not fit', async () => {
    const images = writeIn('img3', idxBytes(0x08, [3, 1, 1], [1, 2, 3]));
    const twoLabels = writeIn('lab2', idxBytes(0x08, [2], [1, 2]));
    await expect(readIdxImageSet(images, twoLabels)).rejects.toThrow(
      `${images} has 3 images but ${twoLabels} has 2 labels`,
    );
    await expect(readIdxImageSet(twoLabels, twoLabels)).rejects.toThrow(
      /expected unsigned-byte images of shape \[n, rows, cols\], got \[2\]/,
    );
    const floatLabels = writeIn('flab', idxBytes(0x0d, [3], [1, 2, 3]));
    await expect(readIdxImageSet(images, floatLabels)).rejects.toThrow(
      /expected unsigned-byte labels of shape \[n\], got \[3\] of Float32Array/,
    );
  });

  it('reads the real Fashion-MNIST test set', async () => {
    const install = 'install it with `apt-get install dataset-fashion-mnist`';
    const set = await readIdxImageSet(
      requireFile(path.join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'), install),
      requireFile(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'), install),
    );
    expect([set.count, set.height, set.width, set.channels]).toEqual([10000, 28, 28, 1]);
    const perClass = new Array<number>(10).fill(0);
    for (const label of set.labels) perClass[label]!++;
    expect(perClass).toEqual(new Array(10).fill(1000));
    expect(Array.from(set.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    // The first test image (an ankle boot), checked against values read with Python.
    const first = set.images.subarray(0, 784);
    expect(first.reduce((a, b) => a + b, 0)).toBe(33456);
    expect(Array.from(first.subarray(14 * 28, 15 * 28))).toEqual([
      0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144,
      158, 169, 119, 0,
    ]);
    expect(createHash('sha256').update(first).digest('hex')).toBe(
      'ffc7351ed0f8bae542820866086177fa4e0b366b97bf9d998dffdb8dbe138787',
    );
  });
});
