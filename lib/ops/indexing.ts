import { record } from '../autograd/record.js';
import { type DType, promoteTypes } from '../dtype.js';
import { broadcastShapes, broadcastStrides, coalesce, normalizeAxis, shapeString, sizeOf } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { sumToShape } from './reduce.js';
import { castIfNeeded } from './shape-ops.js';
import { checkTensor, empty, onBackend, releaseTemps } from './util.js';

function constant(value: number, like: Tensor, dtype: DType): Tensor {
  const t = empty(like.backend, dtype, []);
  t.backend.fill(t.storage, value);
  return t;
}

/** Elementwise cond ? a : b with broadcasting; cond is nonzero for true; a and b may be numbers. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor('where', cond, 'cond');
  for (const [v, name] of [[a, 'a'], [b, 'b']] as const) if (typeof v !== 'number') checkTensor('where', v, name);
  const dtype = a instanceof Tensor && b instanceof Tensor ? promoteTypes(a.dtype, b.dtype)
    : a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float32';
  const backend = cond.backend;
  const ta = castIfNeeded(a instanceof Tensor ? onBackend(a, backend) : constant(a, cond, dtype), dtype);
  const tb = castIfNeeded(b instanceof Tensor ? onBackend(b, backend) : constant(b, cond, dtype), dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const out = empty(backend, dtype, shape);
  if (out.size > 0) {
    const { shape: s, strides } = coalesce(shape,
      [broadcastStrides(cond.shape, shape), broadcastStrides(ta.shape, shape), broadcastStrides(tb.shape, shape)]);
    backend.where(cond.storage, ta.storage, tb.storage, out.storage, s, strides[0]!, strides[1]!, strides[2]!);
  }
  const inputs = [a, b].filter((x): x is Tensor => x instanceof Tensor);
  releaseTemps([ta, tb], inputs);
  return record(out, 'where', inputs, (g) => {
    const grads: (Tensor | null)[] = [];
    if (a instanceof Tensor) grads.push(castIfNeeded(sumToShape(where(cond, g, 0), a.shape), a.dtype));
    if (b instanceof Tensor) grads.push(castIfNeeded(sumToShape(where(cond, 0, g), b.shape), b.dtype));
    return grads;
  });
}

/**
 * Takes entries of x along `axis` at the int32 `indices` (any shape): the result has shape
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. An index outside the axis throws.
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  checkTensor('gather', x);
  checkTensor('gather', indices, 'indices');
  if (indices.dtype !== 'int32') throw new Error(`gather: indices must be int32, got ${indices.dtype}`);
  const a = normalizeAxis('gather', axis, x.rank);
  const outer = sizeOf(x.shape.slice(0, a));
  const axisLen = x.shape[a]!;
  const inner = sizeOf(x.shape.slice(a + 1));
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const idx = onBackend(indices, x.backend);
  const out = empty(x.backend, x.dtype, shape);
  if (out.size > 0) x.backend.gather(x.storage, idx.storage, out.storage, outer, axisLen, inner);
  return record(out, 'gather', [x], (g) => {
    const dx = empty(g.backend, g.dtype, x.shape);
    g.backend.scatterAdd(g.storage, idx.storage, dx.storage, outer, axisLen, inner);
    return [dx];
  });
}

/** Rows (or entries along `axis`) of x at a 1-D list of int32 indices. */
export function indexSelect(x: Tensor, axis: number, indices: Tensor): Tensor {
  checkTensor('indexSelect', indices, 'indices');
  if (indices.rank !== 1) throw new Error(`indexSelect: indices must be 1-D, got shape ${shapeString(indices.shape)}`);
  return gather(x, indices, axis);
}

