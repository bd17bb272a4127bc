import type { DType, TypedArray } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import { shapeString } from '../shape.js';
import { Tensor } from '../tensor.js';

/** What fit/evaluate/predict accept as x or y. */
export type ArrayInput = Tensor | TypedArray | readonly unknown[];

/** A tensor from a tensor, typed array or nested array; a typed array is reshaped to [n, ...sampleShape]. */
export function toTensor(op: string, name: string, v: unknown, sampleShape?: readonly number[]): Tensor {
  if (v instanceof Tensor) {
    v.assertLive(op);
    return v;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const data = v as TypedArray;
    const per = sampleShape ? sampleShape.reduce((a, b) => a * b, 1) : 1;
    if (!sampleShape || data.length % per !== 0) {
      if (sampleShape) throw new Error(`${op}: ${name} has ${data.length} values, not a whole number of samples of shape ${shapeString(sampleShape)}`);
      return tensor(data);
    }
    const dtype: DType = data instanceof Int32Array ? 'int32' : data instanceof Float64Array ? 'float64' : 'float32';
    return tensor(data, [data.length / per, ...sampleShape], dtype);
  }
  if (Array.isArray(v)) return tensor(v as never);
  throw new Error(`${op}: ${name} must be a Tensor, a typed array or a nested array, got ${v === null ? 'null' : typeof v}`);
}

/** An async iterable of batches: {xs, ys} objects or [x, y] pairs. */
export type BatchDataset = AsyncIterable<{ xs: ArrayInput; ys: ArrayInput } | readonly [ArrayInput, ArrayInput]>;

export function isDataset(v: unknown): v is BatchDataset {
  return v !== null && typeof v === 'object' && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

export function unpackBatch(op: string, batch: unknown): [unknown, unknown] {
  if (Array.isArray(batch) && batch.length === 2) return [batch[0], batch[1]];
  if (batch && typeof batch === 'object' && 'xs' in batch && 'ys' in batch) return [(batch as { xs: unknown }).xs, (batch as { ys: unknown }).ys];
  throw new Error(`${op}: each dataset element must be {xs, ys} or [x, y]`);
}
