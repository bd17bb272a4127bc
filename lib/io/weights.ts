import { createHash } from 'node:crypto';
import { endianness } from 'node:os';

import { DTYPE_BYTES, type DType, type TypedArray, isDType } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import { shapeString } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A tensor and the name it is saved under (e.g. 'dense_1/kernel'). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Where one tensor lies in the payload of a weights file. */
export interface WeightsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offset from the start of the payload (right after the header); a multiple of 8. */
  offset: number;
  byteLength: number;
}

/** The description of a weights file, kept in model.json next to it. */
export interface WeightsManifest {
  format: 'nodegrad-weights';
  version: 1;
  /** Length of the whole file, header included. */
  byteLength: number;
  /** SHA-256 (hex) over the entries and the payload; the file header holds the same. */
  sha256: string;
  tensors: WeightsEntry[];
}

// Header: magic (8) | version u32 | header size u32 | payload size u64 | SHA-256 (32) | reserved (8).
const MAGIC = 'NGWEIGHT';
const VERSION = 1;
export const WEIGHTS_HEADER_BYTES = 64;
const ALIGN = 8;
const LITTLE_ENDIAN = endianness() === 'LE';

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** The bytes of a typed array in little-endian order (a view when the host is little-endian). */
function leBytes(a: TypedArray): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return LITTLE_ENDIAN ? bytes : swapped(bytes, a.BYTES_PER_ELEMENT);
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k]!;
  return out;
}

/** The checksum binds the entries (names, dtypes, shapes, offsets) to the payload bytes. */
function checksum(entries: readonly WeightsEntry[], payload: Uint8Array): Buffer {
  const h = createHash('sha256');
  h.update(JSON.stringify(entries.map((e) => [e.name, e.dtype, e.shape, e.offset, e.byteLength])));
  h.update(payload);
  return h.digest();
}

/**
 * Encodes named tensors into one binary blob (header + 8-byte-aligned raw little-endian
 * data) and the manifest that describes it. Tensor data is copied bitwise.
 */
export function encodeWeights(tensors: readonly NamedTensor[]): { data: Uint8Array; manifest: WeightsManifest } {
  const op = 'encodeWeights';
  if (!Array.isArray(tensors)) throw new Error(`${op}: expected an array of { name, tensor }`);
  const seen = new Set<string>();
  const entries: WeightsEntry[] = [];
  let size = 0;
  for (const [i, item] of tensors.entries()) {
    const { name, tensor: t } = item ?? {};
    if (typeof name !== 'string' || name === '') throw new Error(`${op}: entry ${i} needs a non-empty string name`);
    if (seen.has(name)) throw new Error(`${op}: duplicate tensor name '${name}'`);
    seen.add(name);
    if (!(t instanceof Tensor)) throw new Error(`${op}: '${name}' is not a Tensor`);
    t.assertLive(`${op} ('${name}')`);
    entries.push({ name, dtype: t.dtype, shape: t.shape.slice(), offset: size, byteLength: t.size * DTYPE_BYTES[t.dtype] });
    size = align(size + t.size * DTYPE_BYTES[t.dtype]);
  }
  const data = new Uint8Array(WEIGHTS_HEADER_BYTES + size);
  const payload = data.subarray(WEIGHTS_HEADER_BYTES);
  for (const [i, e] of entries.entries()) payload.set(leBytes(tensors[i]!.tensor.dataSync()), e.offset);
  const sum = checksum(entries, payload);
  const view = new DataView(data.buffer);
  for (let i = 0; i < MAGIC.length; i++) data[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, WEIGHTS_HEADER_BYTES, true);
  view.setBigUint64(16, BigInt(size), true);
  data.set(sum, 24);
  return {
    data,
    manifest: { format: 'nodegrad-weights', version: 1, byteLength: data.length, sha256: sum.toString('hex'), tensors: entries },
  };
}

function fail(source: string, msg: string): never {
  throw new Error(`${source}: ${msg}`);
}

/** Checks that a parsed JSON value is a well-formed manifest; returns it typed. */
export function validateManifest(value: unknown, source = 'weights manifest'): WeightsManifest {
  const m = value as Partial<WeightsManifest> | null;
  if (m === null || typeof m !== 'object') fail(source, 'the manifest is missing or not an object');
  if (m.format !== 'nodegrad-weights') fail(source, `unknown manifest format ${JSON.stringify(m.format)} (expected "nodegrad-weights")`);
  if (m.version !== VERSION) fail(source, `unsupported manifest version ${JSON.stringify(m.version)} (this nodegrad reads version ${VERSION})`);
  if (!Number.isSafeInteger(m.byteLength) || m.byteLength! < WEIGHTS_HEADER_BYTES) fail(source, `invalid byteLength ${m.byteLength}`);
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) fail(source, 'invalid sha256 in the manifest');
  if (!Array.isArray(m.tensors)) fail(source, 'the manifest has no tensors list');
  const payload = m.byteLength! - WEIGHTS_HEADER_BYTES;
  const names = new Set<string>();
  let end = 0;
  for (const [i, e] of m.tensors.entries()) {
    const where = `tensor ${i}${typeof e?.name === 'string' ? ` ('${e.name}')` : ''}`;
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string' || e.name === '') fail(source, `${where} has no name`);
    if (names.has(e.name)) fail(source, `duplicate tensor name '${e.name}'`);
    names.add(e.name);
    if (!isDType(e.dtype)) fail(source, `${where} has unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(source, `${where} has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const bytes = e.shape.reduce((a, d) => a * d, 1) * DTYPE_BYTES[e.dtype];
    if (e.byteLength !== bytes) fail(source, `${where}: byteLength ${e.byteLength} does not match ${e.dtype} ${shapeString(e.shape)} (${bytes} bytes)`);
    if (!Number.isSafeInteger(e.offset) || e.offset % ALIGN !== 0 || e.offset < end || e.offset + bytes > payload) {
      fail(source, `${where}: offset ${e.offset} is misaligned, overlaps the previous tensor or runs past the ${payload}-byte payload`);
    }
    end = e.offset + bytes;
  }
  return m as WeightsManifest;
}

function readTyped(dtype: DType, bytes: Uint8Array): TypedArray {
  const width = DTYPE_BYTES[dtype];
  // Copy into fresh aligned memory (also swaps bytes on a big-endian host).
  const copy = LITTLE_ENDIAN ? bytes.slice() : swapped(bytes, width);
  const n = copy.length / width;
  switch (dtype) {
    case 'float32': return new Float32Array(copy.buffer, 0, n);
    case 'int32': return new Int32Array(copy.buffer, 0, n);
    case 'float64': return new Float64Array(copy.buffer, 0, n);
  }
}

/**
 * Decodes a weights blob against its manifest, verifying the header, the length and the
 * checksum first: a truncated, tampered or mismatched file throws an Error naming
 * `source` and the problem; it never yields partial or garbage tensors.
 */
export function decodeWeights(data: Uint8Array, manifest: unknown, source = 'weights'): NamedTensor[] {
  const m = validateManifest(manifest, source);
  if (!(data instanceof Uint8Array)) fail(source, 'expected the file contents as a Uint8Array');
  if (data.length < WEIGHTS_HEADER_BYTES) {
    fail(source, `the file is truncated: ${data.length} bytes, shorter than the ${WEIGHTS_HEADER_BYTES}-byte header`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (data[i] !== MAGIC.charCodeAt(i)) fail(source, 'not a nodegrad weights file (bad magic bytes)');
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) fail(source, `unsupported weights file version ${version} (this nodegrad reads version ${VERSION})`);
  if (view.getUint32(12, true) !== WEIGHTS_HEADER_BYTES) fail(source, 'corrupted header (bad header size)');
  const declared = Number(view.getBigUint64(16, true));
  if (declared + WEIGHTS_HEADER_BYTES !== m.byteLength) {
    fail(source, `the file header declares ${declared + WEIGHTS_HEADER_BYTES} bytes but the manifest ${m.byteLength}: the files do not belong together`);
  }
  if (data.length < m.byteLength) fail(source, `the file is truncated: ${data.length} of ${m.byteLength} bytes`);
  if (data.length > m.byteLength) fail(source, `the file has ${data.length - m.byteLength} unexpected trailing bytes (${data.length}, expected ${m.byteLength})`);
  const stored = Buffer.from(data.subarray(24, 56)).toString('hex');
  if (stored !== m.sha256) fail(source, 'the checksum in the file header differs from the manifest: the files do not belong together');
  const payload = data.subarray(WEIGHTS_HEADER_BYTES);
  if (checksum(m.tensors, payload).toString('hex') !== stored) {
    fail(source, 'checksum mismatch: the weights or their manifest were corrupted or modified');
  }
  return m.tensors.map((e) => ({
    name: e.name,
    tensor: tensor(readTyped(e.dtype, payload.subarray(e.offset, e.offset + e.byteLength)), e.shape),
  }));
}

/** What a model expects of one saved tensor. */
export interface ExpectedTensor {
  name: string;
  shape: readonly number[];
  dtype?: DType;
}

/**
 * The loaded tensors in the order of `expected`, after checking that every expected name
 * is present with the same shape (and dtype when given) and that nothing is left over.
 */
export function matchWeights(loaded: readonly NamedTensor[], expected: readonly ExpectedTensor[], source = 'weights'): Tensor[] {
  const byName = new Map(loaded.map((w) => [w.name, w.tensor]));
  const out = expected.map((e) => {
    const t = byName.get(e.name);
    if (!t) fail(source, `no tensor named '${e.name}' (the file has ${[...byName.keys()].slice(0, 8).join(', ') || 'none'})`);
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      fail(source, `'${e.name}' was saved with shape ${shapeString(t.shape)} but the model expects ${shapeString(e.shape)}`);
    }
    if (e.dtype !== undefined && t.dtype !== e.dtype) fail(source, `'${e.name}' was saved as ${t.dtype} but the model expects ${e.dtype}`);
    byName.delete(e.name);
    return t;
  });
  if (byName.size > 0) fail(source, `unexpected tensors not in the model: ${[...byName.keys()].slice(0, 8).join(', ')}`);
  return out;
}
