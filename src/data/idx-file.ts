import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { ImageSet } from './image-set.ts';

export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  shape: number[];
  data: IdxData;
}

interface IdxElementType {
  name: string;
  bytes: number;
  make: (n: number) => IdxData;
  /** Reads one big-endian value: IDX files are big-endian whatever machine wrote them. */
  read: (view: DataView, offset: number) => number;
}

/** The element types of the IDX format, by the type byte of the magic number. */
const ELEMENT_TYPES: Record<number, IdxElementType> = {
  0x08: {
    name: 'unsigned byte',
    bytes: 1,
    make: (n) => new Uint8Array(n),
    read: (v, o) => v.getUint8(o),
  },
  0x09: {
    name: 'signed byte',
    bytes: 1,
    make: (n) => new Int8Array(n),
    read: (v, o) => v.getInt8(o),
  },
  0x0b: { name: 'short', bytes: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o) },
  0x0c: { name: 'int', bytes: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o) },
  0x0d: {
    name: 'float',
    bytes: 4,
    make: (n) => new Float32Array(n),
    read: (v, o) => v.getFloat32(o),
  },
  0x0e: {
    name: 'double',
    bytes: 8,
    make: (n) => new Float64Array(n),
    read: (v, o) => v.getFloat64(o),
  },
};

/** Gzip streams start with 1f 8b, whatever the file is called (people gunzip and keep names). */
function isGzip(buffer: Uint8Array): boolean {
  return buffer.length >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
}

/** Reads an IDX file (the MNIST format), gzipped or not. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const raw = await readFile(path);
  if (!isGzip(raw)) return parseIdx(raw, path);
  let unzipped: Buffer;
  try {
    unzipped = gunzipSync(raw);
  } catch (error) {
    throw new Error(`${path} is gzipped but cannot be unpacked (${(error as Error).message})`, {
      cause: error,
    });
  }
  return parseIdx(unzipped, path);
}

/**
 * Parses the bytes of an (unzipped) IDX file: two zero bytes, the element type, the number of
 * dimensions, one big-endian 32-bit size per dimension, then the values in row-major order.
 */
function parseIdx(buffer: Uint8Array, source: string): IdxArray {
  if (buffer.length < 4 || buffer[0] !== 0 || buffer[1] !== 0) {
    throw new Error(
      `${source} is not an IDX file: it must start with two zero bytes, a type byte and the number of dimensions` +
        ` (it starts with ${hexBytes(buffer.subarray(0, 4))})`,
    );
  }
  const typeCode = buffer[2]!;
  const type = ELEMENT_TYPES[typeCode];
  if (!type) {
    throw new Error(
      `${source}: unknown IDX element type 0x${typeCode.toString(16).padStart(2, '0')} (known: 08, 09, 0b, 0c, 0d, 0e)`,
    );
  }
  const dims = buffer[3]!;
  const headerBytes = 4 + 4 * dims;
  if (buffer.length < headerBytes) {
    throw new Error(
      `${source} is truncated inside its header: ${dims} dimensions need ${headerBytes} header bytes, found ${buffer.length}`,
    );
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (buffer.length < expected) {
    throw new Error(
      `${source} is truncated: shape ${shape.join('x')} of ${type.name}s needs ${expected} bytes, found ${buffer.length}`,
    );
  }
  if (typeCode === 0x08) {
    // Bytes need no conversion; copy so that the result does not pin the whole file buffer.
    return { shape, data: new Uint8Array(buffer.subarray(headerBytes, expected)) };
  }
  const data = type.make(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, headerBytes + i * type.bytes);
  return { shape, data };
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') || 'nothing';
}

/** Images ([n, rows, cols] unsigned bytes) and their labels ([n]) as one grey ImageSet. */
export async function readIdxImageSet(imagesPath: string, labelsPath: string): Promise<ImageSet> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  if (images.shape.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new Error(
      `${imagesPath}: expected unsigned-byte images of shape [n, rows, cols], got [${images.shape.join(', ')}] of ${images.data.constructor.name}`,
    );
  }
  if (labels.shape.length !== 1 || !(labels.data instanceof Uint8Array)) {
    throw new Error(
      `${labelsPath}: expected unsigned-byte labels of shape [n], got [${labels.shape.join(', ')}] of ${labels.data.constructor.name}`,
    );
  }
  const [count, height, width] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) {
    throw new Error(
      `${imagesPath} has ${count} images but ${labelsPath} has ${labels.shape[0]} labels; they must be the same set`,
    );
  }
  return { images: images.data, labels: labels.data, count, height, width, channels: 1 };
}
