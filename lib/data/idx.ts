import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzipSync } from 'node:zlib';

import { type DType } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { writeFileAtomic } from '../io/atomic.js';
import { type ImageDataset, type ImageSetOptions, digitTensors } from './mnist.js';

/** Element types of the IDX format (LeCun's MNIST files), by their type byte. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

const TYPES: { code: number; type: IdxType; bytes: number }[] = [
  { code: 0x08, type: 'uint8', bytes: 1 },
  { code: 0x09, type: 'int8', bytes: 1 },
  { code: 0x0b, type: 'int16', bytes: 2 },
  { code: 0x0c, type: 'int32', bytes: 4 },
  { code: 0x0d, type: 'float32', bytes: 4 },
  { code: 0x0e, type: 'float64', bytes: 8 },
];

export interface IdxData {
  type: IdxType;
  shape: number[];
  /** The elements in row-major order (converted from the file's big-endian order). */
  data: IdxArray;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file's contents (gzip-compressed or not: detected from its first
 * bytes). Throws on a bad magic number, unknown type or a size that does not match.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxData {
  const op = `parseIdx (${source})`;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new Error(`${op}: gzip data is corrupted or truncated: ${(err as Error).message}`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${op}: not an IDX file (the magic number must start with two zero bytes)`);
  }
  const spec = TYPES.find((t) => t.code === bytes[2]);
  if (!spec) throw new Error(`${op}: unknown IDX element type 0x${bytes[2]!.toString(16)}`);
  const rank = bytes[3]!;
  if (rank === 0) throw new Error(`${op}: IDX files must have at least one dimension`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new Error(`${op}: truncated header (${bytes.length} bytes, ${rank} dims need ${headerBytes})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, d) => a * d, 1);
  const expected = headerBytes + count * spec.bytes;
  if (bytes.length !== expected) {
    throw new Error(`${op}: ${bytes.length < expected ? 'truncated' : 'trailing bytes'}: shape [${shape.join(', ')}] of ${spec.type} `
      + `needs ${expected} bytes, the data has ${bytes.length}`);
  }
  const data = readBigEndian(spec.type, view, headerBytes, count);
  return { type: spec.type, shape, data };
}

function readBigEndian(type: IdxType, view: DataView, at: number, n: number): IdxArray {
  switch (type) {
    case 'uint8': return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + n));
    case 'int8': return new Int8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + n));
    case 'int16': { const a = new Int16Array(n); for (let i = 0; i < n; i++) a[i] = view.getInt16(at + 2 * i, false); return a; }
    case 'int32': { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = view.getInt32(at + 4 * i, false); return a; }
    case 'float32': { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat32(at + 4 * i, false); return a; }
    case 'float64': { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat64(at + 8 * i, false); return a; }
  }
}

/** Reads and parses an IDX file (.gz or not). */
export async function readIdx(path: string): Promise<IdxData> {
  let bytes: Uint8Array = await readFile(path);
  if (isGzip(bytes)) {
    try {
      bytes = await promisify(gunzip)(bytes);
    } catch (err) {
      throw new Error(`readIdx (${path}): gzip data is corrupted or truncated: ${(err as Error).message}`);
    }
  }
  return parseIdx(bytes, path);
}

function idxTypeOf(data: IdxArray): IdxType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  throw new Error('encodeIdx: data must be a Uint8Array, Int8Array, Int16Array, Int32Array, Float32Array or Float64Array');
}

/** Encodes a typed array of the given shape as an IDX file (gzip-compressed when asked). */
export function encodeIdx(data: IdxArray, shape: readonly number[], options: { gzip?: boolean } = {}): Uint8Array {
  const type = idxTypeOf(data);
  const spec = TYPES.find((t) => t.type === type)!;
  if (shape.length < 1 || shape.length > 255 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) {
    throw new Error(`encodeIdx: invalid shape [${shape.join(', ')}]`);
  }
  const count = shape.reduce((a, d) => a * d, 1);
  if (count !== data.length) throw new Error(`encodeIdx: ${data.length} elements do not fit shape [${shape.join(', ')}]`);
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + count * spec.bytes);
  const view = new DataView(out.buffer);
  out[2] = spec.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const at = header + i * spec.bytes;
    switch (type) {
      case 'uint8': out[at] = data[i]!; break;
      case 'int8': view.setInt8(at, data[i]!); break;
      case 'int16': view.setInt16(at, data[i]!, false); break;
      case 'int32': view.setInt32(at, data[i]!, false); break;
      case 'float32': view.setFloat32(at, data[i]!, false); break;
      case 'float64': view.setFloat64(at, data[i]!, false); break;
    }
  }
  return options.gzip ? gzipSync(out) : out;
}

/** Writes an IDX file atomically (gzip-compressed when asked). */
export async function writeIdx(path: string, data: IdxArray, shape: readonly number[], options: { gzip?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, encodeIdx(data, shape, options));
}

export interface LoadIdxOptions {
  /** Tensor dtype; default int32 for integer files, float32 for float32, float64 for float64. */
  dtype?: DType;
  /** Multiplies every element (e.g. 1/255 for pixels); makes the default dtype float32. */
  scale?: number;
}

/** Reads an IDX file as a tensor of its shape. */
export async function loadIdx(path: string, options: LoadIdxOptions = {}): Promise<Tensor> {
  const idx = await readIdx(path);
  const scale = options.scale ?? 1;
  const dtype = options.dtype ?? (idx.type === 'float64' ? 'float64' : idx.type === 'float32' || options.scale !== undefined ? 'float32' : 'int32');
  const out = dtype === 'float64' ? new Float64Array(idx.data.length) : dtype === 'float32' ? new Float32Array(idx.data.length) : new Int32Array(idx.data.length);
  for (let i = 0; i < out.length; i++) out[i] = idx.data[i]! * scale;
  return tensor(out, idx.shape);
}

/** The standard file names of the four MNIST IDX files, as distributed (with or without .gz). */
const MNIST_FILES = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
};

/** The path of the first of `names` (each plain or .gz) present in dir, or null. */
async function locate(dir: string, names: string[]): Promise<string | null> {
  for (const base of names) {
    for (const name of [base, `${base}.gz`]) {
      try {
        await access(join(dir, name));
        return join(dir, name);
      } catch {
        // try the next name
      }
    }
  }
  return null;
}

function checkImages(images: IdxData, labels: IdxData, which: string): void {
  if (images.type !== 'uint8' || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new Error(`loadMnistIdx: ${which} images must be uint8 [n, 28, 28], got ${images.type} [${images.shape.join(', ')}]`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(`loadMnistIdx: ${which} labels must be uint8 [${images.shape[0]}], got ${labels.type} [${labels.shape.join(', ')}]`);
  }
  for (const v of labels.data) if (v > 9) throw new Error(`loadMnistIdx: ${which} label ${v} is not a digit`);
}

/**
 * Loads the full MNIST (60,000 training and 10,000 test digits) from the four standard
 * IDX files in `dir` (train-images-idx3-ubyte, ..., each optionally .gz), with the same
 * output options as ng.data.mnist().
 */
export async function loadMnistIdx(dir: string, options: ImageSetOptions = {}): Promise<ImageDataset> {
  const lists = [MNIST_FILES.trainImages, MNIST_FILES.trainLabels, MNIST_FILES.testImages, MNIST_FILES.testLabels];
  const paths = await Promise.all(lists.map((names) => locate(dir, names)));
  const missing = lists.filter((_, i) => paths[i] === null).map((names) => names.map((n) => `${n}[.gz]`).join(' or '));
  if (missing.length > 0) throw new Error(`loadMnistIdx: ${dir} lacks ${missing.join('; ')}`);
  const [xTr, yTr, xTe, yTe] = await Promise.all(paths.map((p) => readIdx(p!))) as [IdxData, IdxData, IdxData, IdxData];
  checkImages(xTr, yTr, 'training');
  checkImages(xTe, yTe, 'test');
  const set = (images: IdxData, labels: IdxData) => {
    const n = images.shape[0]!;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return digitTensors({ pixels: images.data as Uint8Array, labels: Int32Array.from(labels.data), count: n }, order, options);
  };
  const train = set(xTr, yTr);
  const test = set(xTe, yTe);
  return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y };
}
