import { isGradEnabled } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import type { BinaryOp } from '../backend/backend.js';
import { type DType, promoteTypes } from '../dtype.js';
import { broadcastShapes, broadcastStrides, coalesce, shapesEqual } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { sumToShape } from './reduce.js';
import { castIfNeeded } from './shape-ops.js';
import { checkTensor, empty, onBackend, releaseTemps } from './util.js';

/** A number operand as a scalar tensor on `like`'s backend, of `dtype`. */
function scalarOn(value: number, like: Tensor, dtype: DType): Tensor {
  const t = empty(like.backend, dtype, []);
  t.backend.fill(t.storage, value);
  return t;
}

/** A number, or a live Tensor (otherwise checkTensor throws naming the op and operand). */
function checkOperand(op: string, v: unknown, name: string): void {
  if (typeof v !== 'number') checkTensor(op, v, name);
}

const CONTIGUOUS = [1];

function requiresGrad(x: TensorLike): boolean {
  return x instanceof Tensor && x.requiresGrad;
}

function forwardBinary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  // The common case of a training step, kept free of broadcasting and casting work.
  if (a instanceof Tensor && b instanceof Tensor && a.backend === b.backend && a.dtype === b.dtype
    && !(op === 'div' && a.dtype === 'int32') && shapesEqual(a.shape, b.shape)) {
    a.assertLive(op);
    b.assertLive(op);
    const out = empty(a.backend, a.dtype, a.shape);
    if (out.size > 0) a.backend.binary(op, a.storage, b.storage, out.storage, [out.size], CONTIGUOUS, CONTIGUOUS);
    return out;
  }
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

type Grads = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

/** Gradients of each binary op, before reduction over broadcast axes. */
const GRADS: Partial<Record<BinaryOp, Grads>> = {
  add: (g) => [g, g],
  sub: (g) => [g, g.mul(-1)],
  mul: (g, a, b) => [g.mul(b), g.mul(a)],
  div: (g, a, b) => [g.div(b), g.mul(a).div(b.mul(b)).mul(-1)],
  // d/da a^b = b·a^(b-1); d/db a^b = a^b·log(a)
  pow: (g, a, b, out) => [g.mul(b).mul(forwardBinary('pow', a, b.sub(1))), g.mul(out).mul(a.log())],
  // The larger input takes the gradient; ties split it evenly.
  maximum: (g, a, b) => {
    const wa = forwardBinary('greater', a, b).add(forwardBinary('equal', a, b).mul(0.5));
    return [g.mul(wa), g.mul(ng1(wa))];
  },
  minimum: (g, a, b) => {
    const wa = forwardBinary('less', a, b).add(forwardBinary('equal', a, b).mul(0.5));
    return [g.mul(wa), g.mul(ng1(wa))];
  },
};

/** 1 − w */
function ng1(w: Tensor): Tensor {
  return forwardBinary('sub', 1, w);
}

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const out = forwardBinary(op, a, b);
  const grads = GRADS[op];
  if (!grads || !isGradEnabled() || !(requiresGrad(a) || requiresGrad(b))) return out;
  const inputs = [a, b].filter((x): x is Tensor => x instanceof Tensor);
  return record(out, op, inputs, (g) => {
    const ta = a instanceof Tensor ? a : scalarOn(a, g, g.dtype);
    const tb = b instanceof Tensor ? b : scalarOn(b, g, g.dtype);
    const [ga, gb] = grads(g, ta, tb, out);
    const result: (Tensor | null)[] = [];
    if (a instanceof Tensor) result.push(ga ? castIfNeeded(sumToShape(ga, a.shape), a.dtype) : null);
    if (b instanceof Tensor) result.push(gb ? castIfNeeded(sumToShape(gb, b.shape), b.dtype) : null);
    return result;
  });
}

/** a + b with NumPy broadcasting; numbers are allowed on either side. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
/** a − b with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
/** a · b elementwise with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
/** a / b with broadcasting; int32 / int32 gives float32. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
/** a raised to b, elementwise with broadcasting (float). */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binaryOp('pow', a, b);
/** Elementwise maximum with broadcasting (NaN wins); ties share the gradient. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);
/** Elementwise minimum with broadcasting (NaN wins); ties share the gradient. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('minimum', a, b);
/** 1 where a == b, else 0 (in the promoted dtype; not differentiable). */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binaryOp('equal', a, b);
/** 1 where a > b, else 0. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binaryOp('greater', a, b);
/** 1 where a < b, else 0. */
export const less = (a: TensorLike, b: TensorLike): Tensor => binaryOp('less', a, b);
