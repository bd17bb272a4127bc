import type { BackwardFn } from '../autograd/node.js';
import { record } from '../autograd/record.js';
import { type Activation, FUSED_LEAKY_ALPHA } from '../backend/backend.js';
import { promoteTypes } from '../dtype.js';
import { broadcastShapes, broadcastStrides, shapeString, sizeOf, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sumToShape } from './reduce.js';
import { castIfNeeded, reshape } from './shape-ops.js';
import { unaryGradient } from './unary.js';
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
  if (a.rank > 1 && b.rank > 1) return matmulND(a, b, options);
  // Vectors: a row (a) or a column (b) matrix, squeezed from the result.
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const out = matmulND(a2, b2, options);
  const shape = out.shape.filter((_, i) => !(a.rank === 1 && i === out.rank - 2) && !(b.rank === 1 && i === out.rank - 1));
  return reshape(out, shape);
}

const FIRST_MATRIX: readonly number[] = [0];

function matmulND(a: Tensor, b: Tensor, options: MatmulOptions): Tensor {
  const op = 'matmul';
  const transA = options.transposeA ?? false;
  const transB = options.transposeB ?? false;
  const activation = options.activation ?? 'none';
  const ar = a.shape[a.rank - 2]!, ac = a.shape[a.rank - 1]!;
  const br = b.shape[b.rank - 2]!, bc = b.shape[b.rank - 1]!;
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  if (k !== kb) {
    throw new Error(`matmul: inner dimensions differ: ${shapeString(a.shape)}${transA ? 'ᵀ' : ''} × ${shapeString(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${kb})`);
  }
  if (options.bias) {
    checkTensor(op, options.bias, 'bias');
    if (options.bias.size !== n) throw new Error(`matmul: bias ${shapeString(options.bias.shape)} must have n = ${n} elements`);
  }
  const bias0 = options.bias;
  const inputs = bias0 ? [a, b, bias0] : [a, b];
  // Two matrices of one dtype on one backend (a dense layer's product): no batch offsets,
  // broadcasting, casts or copies to work out.
  if (a.rank === 2 && b.rank === 2 && a.dtype === b.dtype && a.backend === b.backend &&
      (!bias0 || (bias0.dtype === a.dtype && bias0.backend === a.backend))) {
    const out = empty(a.backend, a.dtype, [m, n]);
    if (out.size > 0) {
      a.backend.matmul(a.storage, b.storage, out.storage,
        { batch: 1, m, n, k, transA, transB, activation, aOffsets: FIRST_MATRIX, bOffsets: FIRST_MATRIX }, bias0?.storage);
    }
    return record(out, op, inputs, matmulBackward(a, b, bias0, transA, transB, activation, n, out));
  }
  const batchShape = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  const dtype = promoteTypes(a.dtype, b.dtype);
  const backend = a.backend;
  const xa = castIfNeeded(onBackend(a, backend), dtype);
  const xb = castIfNeeded(onBackend(b, backend), dtype);
  const bias = bias0 && castIfNeeded(onBackend(bias0, backend), dtype);

  // Each output batch reads the A and B matrices its broadcast batch index points at.
  const aStride = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bStride = broadcastStrides(b.shape.slice(0, -2), batchShape);
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

  const out = empty(backend, dtype, [...batchShape, m, n]);
  if (out.size > 0) {
    backend.matmul(xa.storage, xb.storage, out.storage,
      { batch, m, n, k, transA, transB, activation, aOffsets, bOffsets }, bias?.storage);
  }
  releaseTemps(bias ? [xa, xb, bias] : [xa, xb], inputs);

  return record(out, op, inputs, matmulBackward(a, b, bias0, transA, transB, activation, n, out));
}

/** The gradients of out = act(op(a)·op(b) + bias) for a, b and bias. */
function matmulBackward(a: Tensor, b: Tensor, bias: Tensor | undefined, transA: boolean, transB: boolean,
  activation: Activation, n: number, out: Tensor): BackwardFn {
  return (g, needs) => {
    const gz = activationGrad(activation, g, out);
    // z = op(A)·op(B): d op(A) = gz·op(B)ᵀ and d op(B) = op(A)ᵀ·gz, transposed back when stored transposed.
    const da = needs[0]
      ? (transA ? matmul(b, gz, { transposeA: transB, transposeB: true }) : matmul(gz, b, { transposeB: !transB }))
      : null;
    const db = needs[1]
      ? (transB ? matmul(gz, a, { transposeA: true, transposeB: transA }) : matmul(a, gz, { transposeA: !transA }))
      : null;
    const grads = [
      da && castIfNeeded(sumToShape(da, a.shape), a.dtype),
      db && castIfNeeded(sumToShape(db, b.shape), b.dtype),
    ];
    if (bias) {
      const gb = needs[2] ? reshape(sumToShape(gz, [1, n]), bias.shape) : null;
      grads.push(gb && castIfNeeded(gb, bias.dtype));
    }
    return grads;
  };
}

/**
 * The gradient before a fused activation, from the activation's output y, in one elementwise
 * pass: the unary ops' own derivatives, which for relu and leakyRelu read only the sign of
 * their input, and y has the same sign (so a fused relu passes no gradient where y = 0, as
 * the standalone op).
 */
export function activationGrad(activation: Activation, g: Tensor, y: Tensor): Tensor {
  if (activation === 'none') return g;
  return unaryGradient(activation, y, y, g, activation === 'leakyRelu' ? FUSED_LEAKY_ALPHA : 0);
}
