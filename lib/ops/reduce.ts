import { record } from '../autograd/record.js';
import type { ArgReduceOp, ReduceOp } from '../backend/backend.js';
import { type Shape, normalizeAxes, shapeString, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { equal } from './binary.js';
import { broadcastTo, castIfNeeded, reshape, transpose } from './shape-ops.js';
import { checkTensor, empty } from './util.js';

/**
 * Arranges `x` so the reduced axes form one contiguous run: x is then read as
 * [outer, r, inner]. Reduced axes that are not adjacent are moved to the end by a copy.
 */
function asOuterRInner(x: Tensor, axes: readonly number[]): { src: Tensor; outer: number; r: number; inner: number } {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const r = sizeOf(axes.map((a) => x.shape[a]!));
  const contiguous = axes.length === 0 || axes[axes.length - 1]! - axes[0]! === axes.length - 1;
  if (contiguous && axes.length > 0) {
    return {
      src: x,
      outer: sizeOf(x.shape.slice(0, axes[0])),
      r,
      inner: sizeOf(x.shape.slice(axes[axes.length - 1]! + 1)),
    };
  }
  if (axes.length === 0) return { src: x, outer: x.size, r: 1, inner: 1 };
  return { src: transpose(x, [...kept, ...axes]), outer: sizeOf(kept.map((k) => x.shape[k]!)), r, inner: 1 };
}

function outShape(x: Tensor, axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
}

function reduceOp(op: ReduceOp, x: Tensor, axis: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  checkTensor(op, x);
  const axes = normalizeAxes(op, axis, x.rank);
  const input = op === 'mean' ? castIfNeeded(x, x.dtype === 'int32' ? 'float32' : x.dtype) : x;
  const { src, outer, r, inner } = asOuterRInner(input, axes);
  if ((op === 'max' || op === 'min') && r === 0 && outer * inner > 0) {
    throw new Error(`${op}: cannot reduce the empty axes [${axes.join(',')}] of ${shapeString(x.shape)}`);
  }
  const out = empty(x.backend, input.dtype, outShape(x, axes, keepDims));
  x.backend.reduce(op, src.storage, out.storage, outer, r, inner);
  if (src !== input) src.dispose();
  if (input !== x) input.dispose();
  if (x.dtype === 'int32') return out;
  return record(out, op, [x], (g) => {
    const kept = outShape(x, axes, true);
    const gk = reshape(g, kept);
    if (op === 'sum') return [broadcastTo(gk, x.shape)];
    if (op === 'mean') return [broadcastTo(gk.div(r), x.shape)];
    // max/min: the gradient goes to the elements equal to the extreme, shared among ties.
    const mask = equal(x, reshape(out, kept));
    const ties = reduceOp('sum', mask, axes, true);
    return [mask.mul(gk.div(ties))];
  });
}

/** Sums g over the axes along which a tensor of `shape` was broadcast to g's shape. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes = g.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  return reshape(reduceOp('sum', g, axes, true), shape);
}

function argReduceOp(op: ArgReduceOp, x: Tensor, axis: number | undefined, keepDims: boolean): Tensor {
  checkTensor(op, x);
  if (axis !== undefined && typeof axis !== 'number') throw new Error(`${op}: axis must be a single integer`);
  const flat = axis === undefined ? x.reshape([x.size]) : x;
  const axes = normalizeAxes(op, axis ?? 0, flat.rank);
  if (flat.shape[axes[0]!] === 0) throw new Error(`${op}: cannot take the ${op} of an empty axis of ${shapeString(x.shape)}`);
  const { outer, r, inner } = asOuterRInner(flat, axes);
  const out = empty(x.backend, 'int32', axis === undefined ? (keepDims ? x.shape.map(() => 1) : []) : outShape(x, axes, keepDims));
  x.backend.argReduce(op, flat.storage, out.storage, outer, r, inner);
  if (flat !== x) flat.dispose();
  return out;
}

type Axis = number | readonly number[] | undefined;

/** Sum over `axis` (all axes when omitted); int32 sums wrap like int32 arithmetic. */
export const sum = (x: Tensor, axis?: Axis, keepDims = false): Tensor => reduceOp('sum', x, axis, keepDims);
/** Mean over `axis`; int32 input gives float32. */
export const mean = (x: Tensor, axis?: Axis, keepDims = false): Tensor => reduceOp('mean', x, axis, keepDims);
/** Maximum over `axis`; NaN propagates. */
export const max = (x: Tensor, axis?: Axis, keepDims = false): Tensor => reduceOp('max', x, axis, keepDims);
/** Minimum over `axis`; NaN propagates. */
export const min = (x: Tensor, axis?: Axis, keepDims = false): Tensor => reduceOp('min', x, axis, keepDims);
/** Index (int32) of the first maximum along `axis`, or in the flattened tensor when omitted. */
export const argmax = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduceOp('argmax', x, axis, keepDims);
/** Index (int32) of the first minimum along `axis`, or in the flattened tensor when omitted. */
export const argmin = (x: Tensor, axis?: number, keepDims = false): Tensor => argReduceOp('argmin', x, axis, keepDims);
