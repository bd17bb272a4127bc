import { isGradEnabled } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import type { UnaryOp } from '../backend/backend.js';
import { normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor, empty } from './util.js';

/** Ops that also accept int32. */
const INT_OK: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'square', 'sign', 'clip']);
const NO_GRAD: ReadonlySet<UnaryOp> = new Set(['sign']);

function unaryOp(op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  checkTensor(op, x);
  if (x.dtype === 'int32' && !INT_OK.has(op)) throw new Error(`${op}: expected a float32 or float64 tensor, got int32`);
  const out = empty(x.backend, x.dtype, x.shape);
  if (out.size > 0) x.backend.unary(op, x.storage, out.storage, p0, p1);
  if (NO_GRAD.has(op) || x.dtype === 'int32' || !x.requiresGrad || !isGradEnabled()) return out;
  return record(out, op, [x], (g) => [unaryGradient(op, x, out, g, p0, p1)]);
}

/** g · f′(x) elementwise for the op f, given y = f(x) too; records no graph. */
export function unaryGradient(op: UnaryOp, x: Tensor, y: Tensor, g: Tensor, p0 = 0, p1 = 0): Tensor {
  const dx = empty(g.backend, g.dtype, g.shape);
  if (dx.size > 0) g.backend.unaryGrad(op, x.storage, y.storage, g.storage, dx.storage, p0, p1);
  return dx;
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
/** eˣ, saturating to +∞ and 0. */
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
/** Natural log: −∞ at 0, NaN below. */
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
/** |x|; its gradient at 0 is 0. */
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
/** −1, 0 or 1 (not differentiable). */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
/** 1 / (1 + e⁻ˣ) */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
/** max(x, 0); its gradient at 0 is 0. */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** x for x > 0, alpha·x otherwise. */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => unaryOp('leakyRelu', x, alpha);
/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export const elu = (x: Tensor, alpha = 1): Tensor => unaryOp('elu', x, alpha);
/** log(1 + eˣ), computed without overflow. */
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', x);

/** x limited to [lo, hi]; the gradient passes where lo ≤ x ≤ hi. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
    throw new Error(`clip: expected numbers lo <= hi, got lo=${lo} hi=${hi}`);
  }
  return unaryOp('clip', x, lo, hi);
}

function softmaxOp(log: boolean, x: Tensor, axis: number): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  checkTensor(op, x);
  if (x.dtype === 'int32') throw new Error(`${op}: expected a float32 or float64 tensor, got int32`);
  const a = normalizeAxis(op, axis, x.rank);
  const outer = sizeOf(x.shape.slice(0, a));
  const r = x.shape[a]!;
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = empty(x.backend, x.dtype, x.shape);
  if (out.size > 0) x.backend.softmax(x.storage, out.storage, outer, r, inner, log);
  return record(out, op, [x], (g) => {
    const dx = empty(g.backend, g.dtype, g.shape);
    if (dx.size > 0) g.backend.softmaxGrad(out.storage, g.storage, dx.storage, outer, r, inner, log);
    return [dx];
  });
}

/** e^x / Σ e^x along `axis` (default the last), numerically stable. */
export const softmax = (x: Tensor, axis = -1): Tensor => softmaxOp(false, x, axis);
/** log softmax along `axis` (default the last), numerically stable. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxOp(true, x, axis);
