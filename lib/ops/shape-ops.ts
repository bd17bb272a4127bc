import { record } from '../autograd/record.js';
import { type DType, checkDType, isFloat } from '../dtype.js';
import {
  type Shape, broadcastShapes, broadcastStrides, checkShape, normalizeAxes, normalizeAxis, shapeString, shapesEqual,
  sizeOf, stridesOf,
} from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sumToShape } from './reduce.js';
import { backendOf, checkTensor, checkTensorList, empty, onBackend, releaseTemps } from './util.js';

/** Same elements, new shape; one dim may be -1 (inferred). Shares the buffer: no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  if (!Array.isArray(shape)) throw new Error(`reshape: shape must be an array, got ${String(shape)}`);
  const inferAt = shape.indexOf(-1);
  if (inferAt !== shape.lastIndexOf(-1)) throw new Error(`reshape: only one dimension may be -1, got ${shapeString(shape)}`);
  let target = shape.slice();
  if (inferAt >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== inferAt));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot reshape ${shapeString(x.shape)} (size ${x.size}) into ${shapeString(shape)}`);
    }
    target[inferAt] = x.size / known;
  }
  target = checkShape('reshape', target);
  if (sizeOf(target) !== x.size) {
    throw new Error(`reshape: cannot reshape ${shapeString(x.shape)} (size ${x.size}) into ${shapeString(shape)}`);
  }
  return record(x.withShape(target), 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

/** Inserts a dim of size 1 at `axis`. */
export function expandDims(x: Tensor, axis = 0): Tensor {
  checkTensor('expandDims', x);
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = x.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes dims of size 1 (all of them, or those in `axis`). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x);
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.rank);
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: dim ${a} of ${shapeString(x.shape)} is not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Permutes the dims (reverses them when perm is omitted). Copies. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor('transpose', x);
  const p = perm ? Array.from(perm) : x.shape.map((_, i) => x.rank - 1 - i);
  const valid = p.length === x.rank && p.every((v) => Number.isInteger(v)) &&
    new Set(p.map((v) => (v < 0 ? v + x.rank : v))).size === x.rank &&
    p.every((v) => v >= -x.rank && v < x.rank);
  if (!valid) throw new Error(`transpose: [${p.join(',')}] is not a permutation of the ${x.rank} dims of ${shapeString(x.shape)}`);
  const axes = p.map((v) => (v < 0 ? v + x.rank : v));
  const strides = stridesOf(x.shape);
  const shape = axes.map((a) => x.shape[a]!);
  const out = empty(x.backend, x.dtype, shape);
  if (out.size > 0) {
    x.backend.copyStrided(x.storage, out.storage, shape, 0, axes.map((a) => strides[a]!), 0, stridesOf(shape));
  }
  return record(out, 'transpose', [x], (g) => {
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => (inverse[a] = i));
    return [transpose(g, inverse)];
  });
}

function asList(op: string, v: number | readonly number[], rank: number, name: string): number[] {
  const list = typeof v === 'number' ? [v] : Array.from(v);
  if (list.length > rank || !list.every((d) => Number.isInteger(d))) {
    throw new Error(`${op}: ${name} must be up to ${rank} integers, got ${JSON.stringify(v)}`);
  }
  return list;
}

/**
 * The block starting at `begin` of extent `size` (TF.js semantics): a size of -1, or a
 * missing entry, runs to the end of that dim. Copies.
 */
export function slice(x: Tensor, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  checkTensor('slice', x);
  const b = asList('slice', begin, x.rank, 'begin');
  const s = size === undefined ? [] : asList('slice', size, x.rank, 'size');
  const start = x.shape.map((_, i) => b[i] ?? 0);
  const extent = x.shape.map((d, i) => {
    const e = s[i] ?? -1;
    return e === -1 ? d - start[i]! : e;
  });
  for (let i = 0; i < x.rank; i++) {
    if (start[i]! < 0 || extent[i]! < 0 || start[i]! + extent[i]! > x.shape[i]!) {
      throw new Error(`slice: begin [${start.join(',')}] size [${extent.join(',')}] is out of bounds for ${shapeString(x.shape)}`);
    }
  }
  const strides = stridesOf(x.shape);
  const offset = start.reduce((acc, v, i) => acc + v * strides[i]!, 0);
  const out = empty(x.backend, x.dtype, extent);
  if (out.size > 0) x.backend.copyStrided(x.storage, out.storage, extent, offset, strides, 0, stridesOf(extent));
  return record(out, 'slice', [x], (g) => [embed(g, x.shape, offset, 0)]);
}

/** A tensor of `shape` filled with `value`, with g copied in at element offset `offset`. */
function embed(g: Tensor, shape: Shape, offset: number, value: number): Tensor {
  const out = empty(g.backend, g.dtype, shape);
  g.backend.fill(out.storage, value);
  if (g.size > 0) g.backend.copyStrided(g.storage, out.storage, g.shape, 0, stridesOf(g.shape), offset, stridesOf(shape));
  return out;
}

/**
 * Pads each dim with `paddings[d] = [before, after]` elements of `value` (default 0).
 * Missing trailing entries mean no padding.
 */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  checkTensor('pad', x);
  if (!Array.isArray(paddings) || paddings.length > x.rank ||
    !paddings.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new Error(`pad: paddings must be up to ${x.rank} pairs of non-negative integers [before, after], got ${JSON.stringify(paddings)}`);
  }
  const before = x.shape.map((_, i) => paddings[i]?.[0] ?? 0);
  const shape = checkShape('pad', x.shape.map((d, i) => d + before[i]! + (paddings[i]?.[1] ?? 0)));
  const strides = stridesOf(shape);
  const offset = before.reduce((acc, v, i) => acc + v * strides[i]!, 0);
  const out = embed(x, shape, offset, value);
  return record(out, 'pad', [x], (g) => [slice(g, before, x.shape)]);
}

/** Joins tensors along an existing axis. All other dims must match. */
export function concat(inputs: readonly Tensor[], axis = 0): Tensor {
  const tensors = checkTensorList('concat', inputs);
  const first = tensors[0]!;
  const a = normalizeAxis('concat', axis, first.rank);
  for (const t of tensors) {
    const ok = t.rank === first.rank && t.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!ok) {
      throw new Error(`concat: shapes ${tensors.map((u) => shapeString(u.shape)).join(', ')} differ outside axis ${a}`);
    }
    if (t.dtype !== first.dtype) throw new Error(`concat: dtypes differ (${first.dtype} and ${t.dtype})`);
  }
  const backend = backendOf(tensors);
  const shape = first.shape.slice();
  shape[a] = tensors.reduce((acc, t) => acc + t.shape[a]!, 0);
  const out = empty(backend, first.dtype, checkShape('concat', shape));
  const outStrides = stridesOf(shape);
  let offset = 0;
  for (const t of tensors) {
    const src = onBackend(t, backend);
    if (src.size > 0) {
      backend.copyStrided(src.storage, out.storage, src.shape, 0, stridesOf(src.shape), offset * outStrides[a]!, outStrides);
    }
    offset += t.shape[a]!;
    releaseTemps([src], tensors);
  }
  return record(out, 'concat', tensors, (g) => {
    let at = 0;
    return tensors.map((t) => {
      const begin = g.shape.map((_, i) => (i === a ? at : 0));
      at += t.shape[a]!;
      return slice(g, begin, t.shape);
    });
  });
}

/** Joins same-shaped tensors along a new axis. */
export function stack(inputs: readonly Tensor[], axis = 0): Tensor {
  const tensors = checkTensorList('stack', inputs);
  const first = tensors[0]!;
  for (const t of tensors) {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new Error(`stack: shapes differ: ${tensors.map((u) => shapeString(u.shape)).join(', ')}`);
    }
  }
  const a = normalizeAxis('stack', axis, first.rank + 1);
  const expanded = tensors.map((t) => expandDims(t, a));
  const out = concat(expanded, a);
  for (const e of expanded) e.dispose();
  return out;
}

/** A new tensor converted to `dtype`. float to int32 truncates toward zero (NaN gives 0). */
export function astype(x: Tensor, dtype: DType): Tensor {
  checkTensor('astype', x);
  checkDType('astype', dtype);
  return x.dtype === dtype ? clone(x) : castIfNeeded(x, dtype);
}

/** @internal `x` itself when it already has `dtype`, else a converted copy. */
export function castIfNeeded(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = empty(x.backend, dtype, x.shape);
  x.backend.cast(x.storage, out.storage);
  if (!isFloat(dtype)) return out;
  return record(out, 'astype', [x], (g) => [castIfNeeded(g, x.dtype)]);
}

/** A copy with its own buffer. */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', x);
  const out = empty(x.backend, x.dtype, x.shape);
  if (out.size > 0) x.backend.copyStrided(x.storage, out.storage, [x.size], 0, [1], 0, [1]);
  return record(out, 'clone', [x], (g) => [g]);
}

/** x repeated along dims of size 1 (and new leading dims) to `shape`, as NumPy broadcasting does. Copies. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', x);
  const target = checkShape('broadcastTo', shape);
  if (!shapesEqual(broadcastShapes('broadcastTo', x.shape, target), target)) {
    throw new Error(`broadcastTo: cannot broadcast ${shapeString(x.shape)} to ${shapeString(target)}`);
  }
  const out = empty(x.backend, x.dtype, target);
  if (out.size > 0) {
    x.backend.copyStrided(x.storage, out.storage, target, 0, broadcastStrides(x.shape, target), 0, stridesOf(target));
  }
  return record(out, 'broadcastTo', [x], (g) => [sumToShape(g, x.shape)]);
}

export type { Shape };
