import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_RECORD_BYTES,
  readCifar10Batches,
} from '../../src/data/cifar10-file.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lgt-cifar-'));

/** The colour of pixel (row, col), channel 0..2, of test image n: every value differs by position. */
function colour(n: number, row: number, col: number, channel: number): number {
  const p = row * 32 + col;
  return [(n * 7 + p) % 256, (n * 13 + 3 * p + 1) % 256, (255 - (p % 256) + n) % 256][channel]!;
}

/** A record as in the real batches: label byte, then the red, green and blue planes row by row. */
function record(n: number, label: number): Buffer {
  const bytes = Buffer.alloc(3073);
  bytes[0] = label;
  for (let channel = 0; channel < 3; channel++)
    for (let row = 0; row < 32; row++)
      for (let col = 0; col < 32; col++)
        bytes[1 + channel * 1024 + row * 32 + col] = colour(n, row, col, channel);
  return bytes;
}

function writeIn(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('readCifar10Batches', () => {
  it('joins batches in order and converts colour planes to interleaved RGB', async () => {
    expect(CIFAR10_RECORD_BYTES).toBe(3073);
    const first = writeIn('data_batch_1.bin', Buffer.concat([record(0, 3), record(1, 9)]));
    const second = writeIn('data_batch_2.bin', record(2, 0));
    const set = await readCifar10Batches([first, second]);
    expect([set.count, set.height, set.width, set.channels]).toEqual([3, 32, 32, 3]);
    expect(Array.from(set.labels)).toEqual([3, 9, 0]);
    expect(set.images.length).toBe(3 * 32 * 32 * 3);
    let wrong = 0;
    for (let n = 0; n < 3; n++)
      for (let row = 0; row < 32; row++)
        for (let col = 0; col < 32; col++)
          for (let channel = 0; channel < 3; channel++) {
            const at = ((n * 32 + row) * 32 + col) * 3 + channel;
            if (set.images[at] !== colour(n, row, col, channel)) wrong++;
          }
    expect(wrong).toBe(0);
    // One pixel spelled out: image 1, row 1, column 2 (plane index 34).
    const at = 3072 + (32 + 2) * 3;
    expect(Array.from(set.images.subarray(at, at + 3))).toEqual([41, 116, 222]);
  });

  it('refuses files that are not whole records, and labels beyond the ten classes', async () => {
    const odd = writeIn('odd.bin', Buffer.alloc(CIFAR10_RECORD_BYTES + 5));
    await expect(readCifar10Batches([odd])).rejects.toThrow(
      `${odd} is not a CIFAR-10 binary batch: its size 3078 is not a multiple of 3073 bytes`,
    );
    const empty = writeIn('empty.bin', Buffer.alloc(0));
    await expect(readCifar10Batches([empty])).rejects.toThrow(
      /empty\.bin is not a CIFAR-10 binary batch/,
    );
    const badLabel = writeIn('label.bin', Buffer.concat([record(0, 1), record(1, 10)]));
    await expect(readCifar10Batches([badLabel])).rejects.toThrow(
      `${badLabel}: record 1 has label 10; CIFAR-10 labels are 0..9`,
    );
  });

  it('names the ten classes in label order', () => {
    expect(CIFAR10_CLASS_NAMES).toEqual([
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
  });
});
