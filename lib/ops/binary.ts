import type { BinaryOp } from '../backend/backend.js';
import { type DType, promoteTypes } from '../dtype.js';
import { broadcastShapes, broadcastStrides, coalesce } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { castIfNeeded } from './shape-ops.js';
import { checkTensor, empty, onBackend, releaseTemps } from './util.js';

/** A number operand as a scalar tensor on `like`'s backend, of `dtype`. */
function scalarOn(value: number, like: Tensor, dtype: DType): Tensor {
  const t = empty(like.backend, dtype, []);
  t.backend.fill(t.storage, value);
  return t;
}

function checkOperand(op: string, v: unknown, name: string): void {
  if (v instanceof Tensor) checkTensor(op, v, name);
  else if (typeof v !== 'number') checkTensor(op, v, name);  // throws "... must be a Tensor, got ..."
}

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  checkOperand(op, a, 'a');
  checkOperand(op, b, 'b');
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new Error(`${op}: at least one operand must be a Tensor, got two numbers`);
  }
  const first = a instanceof Tensor ? a : (b as Tensor);
  const numberDType = (v: number): DType =>
    first.dtype !== 'int32' ? first.dtype : Number.isInteger(v) ? 'int32' : 'float32';
  const ta = a instanceof Tensor ? a : scalarOn(a, first, numberDType(a));
  const tb = b instanceof Tensor ? b : scalarOn(b, first, numberDType(b));
  let dtype = promoteTypes(ta.dtype, tb.dtype);
  if (op === 'div' && dtype === 'int32') dtype = 'float32';  // true division, as NumPy and PyTorch do
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const backend = first.backend;
  const xa = castIfNeeded(onBackend(ta, backend), dtype);
  const xb = castIfNeeded(onBackend(tb, backend), dtype);
  const out = empty(backend, dtype, shape);
  if (out.size > 0) {
    const { shape: s, strides } = coalesce(shape, [broadcastStrides(xa.shape, shape), broadcastStrides(xb.shape, shape)]);
    backend.binary(op, xa.storage, xb.storage, out.storage, s, strides[0]!, strides[1]!);
  }
  releaseTemps([ta, tb, xa, xb], [a, b].filter((x): x is Tensor => x instanceof Tensor));
  return out;
}

/** a + b with NumPy broadcasting; numbers are allowed on either side. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
/** a − b with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
/** a · b elementwise with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
/** a / b with broadcasting; int32 / int32 gives float32. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
/** Elementwise maximum with broadcasting (NaN wins). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);
/** Elementwise minimum with broadcasting (NaN wins). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('minimum', a, b);
