import { currentBackend } from '../backend/registry.js';
import {
  type DType, type TypedArray, checkDType, dtypeOfArray, isTypedArray, typedArrayFor,
} from '../dtype.js';
import { randomBlocksNormal, randomBlocksUniformF32, randomBlocksUniformF64 } from '../random/philox.js';
import { takeBlocks } from '../random/state.js';
import { checkShape, shapeString, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { empty } from './util.js';

export type NestedNumbers = number | readonly NestedNumbers[];

export interface CreationOptions {
  dtype?: DType;
  /** Make the new tensor a leaf that records gradients (float dtypes only). */
  requiresGrad?: boolean;
}

function withGrad(t: Tensor, requiresGrad: boolean | undefined): Tensor {
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

/** Shape of a nested array, rejecting ragged arrays and non-numbers. */
function inferShape(values: NestedNumbers): number[] {
  const shape: number[] = [];
  let v: NestedNumbers = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  return shape;
}

function flattenInto(op: string, values: NestedNumbers, shape: readonly number[], dim: number, out: TypedArray,
  pos: { i: number }, path: string): void {
  if (dim === shape.length) {
    if (typeof values !== 'number') {
      throw new Error(`${op}: expected a number at ${path || 'the top level'}, got ${Array.isArray(values) ? 'an array (ragged nesting)' : typeof values}`);
    }
    out[pos.i++] = values;
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    throw new Error(`${op}: ragged nested array: ${path || 'the top level'} has ${Array.isArray(values) ? `length ${values.length}` : `a ${typeof values}`}, expected length ${shape[dim]} (shape ${shapeString(shape)})`);
  }
  for (let k = 0; k < values.length; k++) flattenInto(op, values[k]!, shape, dim + 1, out, pos, `${path}[${k}]`);
}

/**
 * A tensor from nested arrays, a typed array or a number. The shape is inferred from
 * nested arrays, or given (a flat array or typed array of the same size). The dtype is
 * float32 unless a typed array or `dtype` says otherwise.
 */
export function tensor(values: NestedNumbers | TypedArray, shape?: readonly number[] | CreationOptions,
  dtype?: DType): Tensor {
  const op = 'tensor';
  let opts: CreationOptions = {};
  if (shape !== undefined && !Array.isArray(shape)) {
    opts = shape as CreationOptions;
    shape = undefined;
  }
  const dt = checkDType(op, dtype ?? opts.dtype ?? (isTypedArray(values) ? dtypeOfArray(values) : 'float32'));
  let flat: TypedArray;
  let inferred: number[];
  if (isTypedArray(values)) {
    inferred = [values.length];
    flat = typedArrayFor(dt, values.length);
    flat.set(values);
  } else if (typeof values === 'number' || Array.isArray(values)) {
    inferred = inferShape(values);
    checkShape(op, inferred);
    flat = typedArrayFor(dt, sizeOf(inferred));
    flattenInto(op, values, inferred, 0, flat, { i: 0 }, '');
  } else {
    throw new Error(`${op}: values must be a number, a nested array of numbers or a typed array, got ${typeof values}`);
  }
  let finalShape = inferred;
  if (shape !== undefined) {
    finalShape = checkShape(op, shape);
    if (sizeOf(finalShape) !== flat.length) {
      throw new Error(`${op}: ${flat.length} values do not fit shape ${shapeString(finalShape)}`);
    }
  }
  const backend = currentBackend();
  return withGrad(new Tensor(backend, backend.upload(dt, flat), finalShape), opts.requiresGrad);
}

export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return tensor(value, [], dtype);
}

export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const s = checkShape('full', shape);
  if (typeof value !== 'number') throw new Error(`full: value must be a number, got ${typeof value}`);
  const t = empty(currentBackend(), checkDType('full', dtype), s);
  t.backend.fill(t.storage, value);
  return t;
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

export function zerosLike(x: Tensor): Tensor {
  return full(x.shape, 0, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  return full(x.shape, 1, x.dtype);
}

/** [start, stop) by step; arange(n) counts 0..n-1. */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`arange: ${name} must be a finite number, got ${v}`);
  }
  if (step === 0) throw new Error('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const t = empty(currentBackend(), checkDType('arange', dtype), checkShape('arange', [n]));
  t.backend.arange(t.storage, start, step);
  return t;
}

/** An n×m identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, dtype: DType = 'float32'): Tensor {
  const t = zeros(checkShape('eye', [n, m]), dtype);
  const d = Math.min(n, m);
  if (d > 0) {
    const one = full([d], 1, dtype);
    t.backend.copyStrided(one.storage, t.storage, [d], 0, [1], 0, [m + 1]);
    one.dispose();
  }
  return t;
}

export interface RandomOptions {
  dtype?: 'float32' | 'float64';
  requiresGrad?: boolean;
}

function randomTensor(op: string, shape: readonly number[], dtype: DType | undefined,
  fill: (t: Tensor, seed: number, block: number) => void, blocksFor: (n: number) => number): Tensor {
  const dt = checkDType(op, dtype ?? 'float32');
  if (dt === 'int32') throw new Error(`${op}: dtype must be float32 or float64, got int32`);
  const t = empty(currentBackend(), dt, checkShape(op, shape));
  const { seed, block } = takeBlocks(blocksFor(t.size));
  fill(t, seed, block);
  return t;
}

/** Uniform samples in [lo, hi) (default [0, 1)) from the seeded generator. */
export function rand(shape: readonly number[], options: RandomOptions & { lo?: number; hi?: number } = {}): Tensor {
  const lo = options.lo ?? 0;
  const hi = options.hi ?? 1;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi)) {
    throw new Error(`rand: expected finite lo <= hi, got lo=${lo} hi=${hi}`);
  }
  const dt = options.dtype ?? 'float32';
  return withGrad(randomTensor('rand', shape, dt, (t, seed, block) => t.backend.randomUniform(t.storage, seed, block, lo, hi),
    dt === 'float64' ? randomBlocksUniformF64 : randomBlocksUniformF32), options.requiresGrad);
}

/** Normal samples (default mean 0, std 1) from the seeded generator. */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
    throw new Error(`randn: expected finite mean and std >= 0, got mean=${mean} std=${std}`);
  }
  return withGrad(randomTensor('randn', shape, options.dtype, (t, seed, block) => t.backend.randomNormal(t.storage, seed, block, mean, std),
    randomBlocksNormal), options.requiresGrad);
}
