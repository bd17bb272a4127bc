import type { Activation } from '../backend/backend.js';
import { promoteTypes } from '../dtype.js';
import { broadcastShapes, broadcastStrides, shapeString, sizeOf, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { castIfNeeded } from './shape-ops.js';
import { checkTensor, empty, onBackend, releaseTemps } from './util.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added to every row of the product (length n): the fused bias of a dense layer. */
  bias?: Tensor;
  activation?: Activation;
}

/**
 * Matrix product with NumPy semantics: 2-D × 2-D, batched [..., m, k] × [..., k, n] with
 * broadcast batch dims, and 1-D operands treated as a row (a) or column (b) vector.
 * float32 and float64 only. Options transpose the last two dims and fuse a bias and an
 * activation into the same kernel call.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const op = 'matmul';
  checkTensor(op, a, 'a');
  checkTensor(op, b, 'b');
  if (a.rank === 0 || b.rank === 0) {
    throw new Error(`matmul: operands must have at least one dim, got ${shapeString(a.shape)} and ${shapeString(b.shape)}`);
  }
  if (a.dtype === 'int32' || b.dtype === 'int32') {
    throw new Error(`matmul: expected float32 or float64 operands, got ${a.dtype} and ${b.dtype}`);
  }
  const transA = options.transposeA ?? false;
  const transB = options.transposeB ?? false;
  const as = a.rank === 1 ? [1, a.shape[0]!] : a.shape.slice();
  const bs = b.rank === 1 ? [b.shape[0]!, 1] : b.shape.slice();
  const [ar, ac] = as.slice(-2) as [number, number];
  const [br, bc] = bs.slice(-2) as [number, number];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (k !== kb) {
    throw new Error(`matmul: inner dimensions differ: ${shapeString(a.shape)}${transA ? 'ᵀ' : ''} × ${shapeString(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`);
  }
  const batchShape = broadcastShapes(op, as.slice(0, -2), bs.slice(0, -2));
  const batch = sizeOf(batchShape);
  const dtype = promoteTypes(a.dtype, b.dtype);
  const backend = a.backend;
  const xa = castIfNeeded(onBackend(a, backend), dtype);
  const xb = castIfNeeded(onBackend(b, backend), dtype);
  let bias: Tensor | undefined;
  if (options.bias) {
    checkTensor(op, options.bias, 'bias');
    if (options.bias.size !== n) throw new Error(`matmul: bias ${shapeString(options.bias.shape)} must have n = ${n} elements`);
    bias = castIfNeeded(onBackend(options.bias, backend), dtype);
  }

  // Each output batch reads the A and B matrices its broadcast batch index points at.
  const aStride = broadcastStrides(as.slice(0, -2), batchShape);
  const bStride = broadcastStrides(bs.slice(0, -2), batchShape);
  const outBatchStrides = stridesOf(batchShape);
  const aOffsets = new Array<number>(batch);
  const bOffsets = new Array<number>(batch);
  for (let i = 0; i < batch; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0, rest = i; d < batchShape.length; d++) {
      const idx = Math.floor(rest / outBatchStrides[d]!);
      rest -= idx * outBatchStrides[d]!;
      ia += idx * aStride[d]!;
      ib += idx * bStride[d]!;
    }
    aOffsets[i] = ia * m * k;
    bOffsets[i] = ib * k * n;
  }

  const fullShape = [...batchShape, m, n];
  const out = empty(backend, dtype, fullShape);
  if (out.size > 0) {
    backend.matmul(xa.storage, xb.storage, out.storage,
      { batch, m, n, k, transA, transB, activation: options.activation ?? 'none', aOffsets, bOffsets }, bias?.storage);
  }
  releaseTemps([xa, xb, ...(bias ? [bias] : [])], [a, b, ...(options.bias ? [options.bias] : [])]);
  if (a.rank > 1 && b.rank > 1) return out;
  const squeezed = fullShape.filter((_, i) => !(a.rank === 1 && i === fullShape.length - 2) && !(b.rank === 1 && i === fullShape.length - 1));
  const result = out.reshape(squeezed);
  out.dispose();
  return result;
}
