import type { DType, TypedArray } from '../dtype.js';
import type { OptimStepSpec } from './optim-spec.js';
import { type Window2d, windowMeta } from '../ops/window.js';

export type BackendName = 'native' | 'wasm' | 'js';

/** Kernel codes shared with the C++ side (native/kernels/elementwise/elementwise.h). */
export const BINARY_OPS = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5,
  /** a^b (float only). */
  pow: 6,
  /** Comparisons give 1 or 0 in the operands' dtype; NaN compares false. */
  equal: 7, greater: 8, less: 9,
} as const;
export type BinaryOp = keyof typeof BINARY_OPS;
/**
 * Elementwise functions of one tensor, with their parameters p0/p1: leakyRelu and elu take
 * alpha in p0; clip takes lo in p0 and hi in p1. Float only, except neg, abs, square, sign
 * and clip, which also take int32.
 */
export const UNARY_OPS = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, square: 5, sigmoid: 6, tanh: 7, relu: 8,
  leakyRelu: 9, elu: 10, softplus: 11, clip: 12, sign: 13,
} as const;
export type UnaryOp = keyof typeof UNARY_OPS;
export const REDUCE_OPS = { sum: 0, mean: 1, max: 2, min: 3 } as const;
export type ReduceOp = keyof typeof REDUCE_OPS;
export const ARG_REDUCE_OPS = { argmax: 0, argmin: 1 } as const;
export type ArgReduceOp = keyof typeof ARG_REDUCE_OPS;
export const ACTIVATIONS = { none: 0, relu: 1, leakyRelu: 2, sigmoid: 3, tanh: 4 } as const;
export type Activation = keyof typeof ACTIVATIONS;
/** The fused leakyRelu activation's slope below zero (a constant of the kernels). */
export const FUSED_LEAKY_ALPHA = 0.01;

/** A backend's buffer of `size` elements. Each backend subclasses it; nothing above the backends looks inside. */
export interface Storage {
  readonly dtype: DType;
  readonly size: number;
}

export interface MatmulSpec {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  activation: Activation;
  /** Element offset of each batch's A and B matrix (broadcast batches repeat an offset). */
  aOffsets: readonly number[];
  bOffsets: readonly number[];
}

/** A general product with BLAS semantics: C = act(alpha·op(A)·op(B) + beta·C + bias). */
export interface GemmSpec {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Leading dimensions (row strides) in elements, at least the row length of each matrix. */
  lda: number;
  ldb: number;
  ldc: number;
  aOffset: number;
  bOffset: number;
  cOffset: number;
  alpha: number;
  /** With beta = 0, C is only written: whatever it held (NaN included) is ignored. */
  beta: number;
  activation: Activation;
}

/** Where op(B) of a GEMM lies in its buffer (see Backend.packB). */
export interface PackBSpec {
  k: number;
  n: number;
  transB: boolean;
  ldb: number;
  bOffset: number;
}

/**
 * op(B) of a GEMM packed once for many products (Backend.packB): a copy, opaque above the
 * backend, freed by releasePacked or else by the garbage collector.
 */
export interface PackedOperand {
  readonly dtype: DType;
  readonly k: number;
  readonly n: number;
  /** The kernel path it was packed for; products on another path need a new packing. */
  readonly isa: string;
}

/**
 * One method per kernel. Shapes, strides and offsets are in elements. The caller (lib/ops)
 * has validated every argument; backends check again where memory safety depends on it.
 */
export interface Backend {
  readonly name: BackendName;
  /** The kernel path in use: 'avx512', 'avx2', 'scalar', 'simd128' or 'js'. */
  readonly isa: string;
  /** Paths this machine can run, for NODEGRAD_ISA / setIsa. */
  readonly supportedIsas: readonly string[];
  setIsa(isa: string): void;
  readonly threads: number;
  setNumThreads(n: number): void;
  /** True when the JS garbage collector reclaims this backend's buffers by itself (native, js). */
  readonly gcManaged: boolean;

  /** A new buffer; its contents are unspecified. */
  alloc(dtype: DType, size: number): Storage;
  /** A new buffer holding a copy of `data` (already of `dtype`). */
  upload(dtype: DType, data: TypedArray): Storage;
  /** The elements: a zero-copy view where the backend allows (native, js), else a copy (wasm). */
  read(s: Storage): TypedArray;
  /** Releases the memory now. The storage must not be used afterwards. */
  free(s: Storage): void;
  bytes(s: Storage): number;

  fill(out: Storage, value: number): void;
  arange(out: Storage, start: number, step: number): void;
  randomUniform(out: Storage, seed: number, block: number, lo: number, hi: number): void;
  randomNormal(out: Storage, seed: number, block: number, mean: number, std: number): void;
  cast(x: Storage, out: Storage): void;
  copyStrided(
    src: Storage, dst: Storage, shape: readonly number[],
    srcOffset: number, srcStrides: readonly number[], dstOffset: number, dstStrides: readonly number[],
  ): void;
  /** out (contiguous, `shape`) = a op b, reading a and b through their (broadcast) strides. */
  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void;
  /** x as [outer, r, inner] reduced over r into out [outer, inner]. */
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void;
  argReduce(op: ArgReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void;
  /** out [batch, m, n] = act(op(A) · op(B) + bias). */
  matmul(a: Storage, b: Storage, out: Storage, spec: MatmulSpec, bias?: Storage): void;
  /** C (in place) = act(alpha·op(A)·op(B) + beta·C + bias), the GEMM kernel itself. */
  gemm(a: Storage, b: Storage, c: Storage, spec: GemmSpec, bias?: Storage): void;
  /**
   * Optional, where the backend has a packed GEMM path (native): op(B) packed once, so that
   * gemmPacked skips re-packing it on every product. A copy: later writes to b do not reach it.
   */
  packB?(b: Storage, spec: PackBSpec): PackedOperand;
  /**
   * gemm with B packed by packB, on the path B was packed for (b.isa): spec.n and spec.k
   * must be B's (its transB, ldb and bOffset are not used). Bitwise the same result as gemm
   * on the unpacked B on that path.
   */
  gemmPacked?(a: Storage, b: PackedOperand, c: Storage, spec: GemmSpec, bias?: Storage): void;
  /** Frees a packing now; products with it then throw. */
  releasePacked?(b: PackedOperand): void;

  /** out = f(x), elementwise, same size and dtype. */
  unary(op: UnaryOp, x: Storage, out: Storage, p0: number, p1: number): void;
  /** dx = dy · f'(x), elementwise; y = f(x) is passed too, for ops whose derivative is cheaper from it. */
  unaryGrad(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage, p0: number, p1: number): void;
  /** out = cond ? a : b with broadcasting through strides (cond is any dtype, nonzero = true). */
  where(cond: Storage, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    condStrides: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): void;
  /** (log-)softmax of x viewed as [outer, r, inner] along r, numerically stable. */
  softmax(x: Storage, out: Storage, outer: number, r: number, inner: number, log: boolean): void;
  /**
   * Backward of (log-)softmax from its output y: softmax dx = y·(dy − Σ dy·y);
   * logSoftmax dx = dy − exp(y)·Σ dy.
   */
  softmaxGrad(y: Storage, dy: Storage, dx: Storage, outer: number, r: number, inner: number, log: boolean): void;
  /**
   * Fused, stable softmax cross-entropy over rows of logits [n, c]: loss[i] = −Σ_j t_ij·log softmax(x_i)_j.
   * labels are one-hot/probabilities (float, [n, c]) or class indices (int32, [n]; out-of-range throws).
   * When grad is given it receives softmax(x) − t (not scaled by any reduction).
   */
  softmaxCrossEntropy(logits: Storage, labels: Storage, loss: Storage, grad: Storage | null, n: number, c: number): void;
  /**
   * Fused, stable sigmoid binary cross-entropy, elementwise over n values:
   * loss = max(x, 0) − x·t + log(1 + exp(−|x|)); grad (optional) = sigmoid(x) − t.
   */
  sigmoidCrossEntropy(logits: Storage, targets: Storage, loss: Storage, grad: Storage | null, n: number): void;
  /** out[o, i, j] = x[o, indices[i], j] for x as [outer, axisLen, inner]; an index outside [0, axisLen) throws. */
  gather(x: Storage, indices: Storage, out: Storage, outer: number, axisLen: number, inner: number): void;
  /** The adjoint of gather: dx = 0, then dx[o, indices[i], j] += dy[o, i, j]. */
  scatterAdd(dy: Storage, indices: Storage, dx: Storage, outer: number, axisLen: number, inner: number): void;

  /**
   * One fused optimizer update, in place, over every parameter of a group: params[i] and
   * grads[i] (same dtype, float, same size) and the state buffers state[i·k .. i·k + k − 1],
   * k = optimStateCount(spec) (lib/backend/optim-spec.ts). Elements are independent, so the
   * result does not depend on the thread count.
   */
  optimizerStep(spec: OptimStepSpec, params: readonly Storage[], grads: readonly Storage[],
    state: readonly Storage[]): void;
  /**
   * Batch norm in training mode over x as [outer, c] (channels contiguous, outer >= 1):
   * writes the per-channel batch mean and biased variance into mean and variance [c], and
   * y = (x − mean)·γ/√(variance + eps) + β. gamma/beta null mean γ = 1, β = 0. Statistics
   * accumulate in float64 and do not depend on the thread count.
   */
  batchNormTrain(x: Storage, gamma: Storage | null, beta: Storage | null, y: Storage, mean: Storage,
    variance: Storage, outer: number, c: number, eps: number): void;
  /** Batch norm with given statistics (inference): y = (x − mean)·γ/√(variance + eps) + β. */
  batchNormInfer(x: Storage, gamma: Storage | null, beta: Storage | null, mean: Storage, variance: Storage,
    y: Storage, outer: number, c: number, eps: number): void;
  /**
   * Batch-norm backward. With x̂ = (x − mean)/√(variance + eps): dbeta = Σ dy and dgamma = Σ dy·x̂
   * over the rows; dx (optional) = γ/√(variance + eps)·(dy − dbeta/outer − x̂·dgamma/outer) when
   * the statistics were the batch's own (training), γ/√(variance + eps)·dy otherwise.
   */
  batchNormBackward(x: Storage, dy: Storage, mean: Storage, variance: Storage, gamma: Storage | null,
    dx: Storage | null, dgamma: Storage, dbeta: Storage, outer: number, c: number, eps: number, training: boolean): void;
  /**
   * Max pooling of NHWC x [n, inH, inW, c] into out [n, outH, outW, c] over the windows of
   * `window` (lib/ops/window.ts; dilation 1). Only taps inside the image count: out is the
   * first maximum of them (NaN counts as the maximum). When given, argmax (int32, out's
   * size) receives the winner's tap index ky·kw + kx within its window.
   */
  maxPool2d(x: Storage, out: Storage, argmax: Storage | null, n: number, c: number, window: Window2d): void;
  /** dx [n, inH, inW, c] = the sum of dy over the windows whose argmax is that pixel (0 elsewhere). */
  maxPool2dGrad(dy: Storage, argmax: Storage, dx: Storage, n: number, c: number, window: Window2d): void;
  /**
   * Average pooling: out = the sum of each window's taps inside the image, in tap order,
   * divided by their count (padding is not counted, as TensorFlow's 'same').
   */
  avgPool2d(x: Storage, out: Storage, n: number, c: number, window: Window2d): void;
  /** dx [n, inH, inW, c] = the sum, over the windows containing each pixel, of dy · (1 / that window's count). */
  avgPool2dGrad(dy: Storage, dx: Storage, n: number, c: number, window: Window2d): void;
  /**
   * 2-D convolution of NHWC x [batch, inH, inW, inC] with an HWIO filter [kh, kw, inC, outC]:
   * y [batch, outH, outW, outC] = act(Σ x·filter + bias), taps in the padding reading 0.
   * bias (optional) has outC values.
   */
  conv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void;
  /** dx (overwritten, x's shape) = ∂⟨dy, conv2d(x, filter)⟩/∂x; spec.activation is ignored. */
  conv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void;
  /** dFilter (overwritten, [kh, kw, inC, outC]) = ∂⟨dy, conv2d(x, filter)⟩/∂filter; spec.activation is ignored. */
  conv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void;
  /**
   * Both gradients at once: dx as conv2dBackwardInput and dFilter as conv2dBackwardFilter
   * would compute them (the same values), in one call that may share the reads of dy
   * between them (the native and wasm kernels do for 1×1 convolutions, which are memory-bound).
   */
  conv2dBackward(x: Storage, dy: Storage, filter: Storage, dx: Storage, dFilter: Storage, spec: Conv2dSpec): void;
  /**
   * Depthwise 2-D convolution (TensorFlow semantics): filter [kh, kw, inC, multiplier]; input
   * channel c alone feeds output channels c·multiplier + q. spec.outC = inC·multiplier.
   */
  depthwiseConv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void;
  /** dx (overwritten) of the depthwise convolution; spec.activation is ignored. */
  depthwiseConv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void;
  /** dFilter (overwritten, [kh, kw, inC, multiplier]) of the depthwise convolution. */
  depthwiseConv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void;
}

/** The sizes of one convolution call (standard or depthwise) over NHWC images. */
export interface Conv2dSpec {
  batch: number;
  inC: number;
  /** Output channels: the filter's last dim, or inC·multiplier for a depthwise convolution. */
  outC: number;
  /** Strides, padding, dilation and the output size (lib/ops/window.ts). */
  window: Window2d;
  /** Applied after the bias in the forward pass. */
  activation: Activation;
}

/** The 16 integers the conv kernels take (native/kernels/conv/conv2d.h). */
export function conv2dMeta(spec: Conv2dSpec): Float64Array {
  return Float64Array.of(spec.batch, spec.inC, spec.outC, ...windowMeta(spec.window), ACTIVATIONS[spec.activation]);
}

/** Flattens the integer arguments of a strided kernel call into one new Float64Array. */
export function packMeta(...parts: (number | readonly number[])[]): Float64Array {
  return fillMeta(new Float64Array(metaLength(parts)), parts);
}

const scratchMeta = new Map<number, Float64Array>();

/**
 * packMeta into a reused array of the right length, for the native addon: a fresh small
 * Float64Array lives on the V8 heap and is copied out to a new off-heap buffer the first
 * time native code reads it, which costs more than a small kernel. The result is valid
 * only until the next callMeta of the same length, so pass it straight to one call.
 */
export function callMeta(...parts: (number | readonly number[])[]): Float64Array {
  return fillMeta(scratchArray(metaLength(parts)), parts);
}

/** A reused off-heap Float64Array of length n (a new one past 256), as callMeta. */
export function scratchArray(n: number): Float64Array {
  if (n > 256) return new Float64Array(n);
  let meta = scratchMeta.get(n);
  if (!meta) scratchMeta.set(n, (meta = new Float64Array(new ArrayBuffer(8 * n))));
  return meta;
}

function metaLength(parts: readonly (number | readonly number[])[]): number {
  let n = 0;
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j]!;
    n += typeof p === 'number' ? 1 : p.length;
  }
  return n;
}

function fillMeta(meta: Float64Array, parts: readonly (number | readonly number[])[]): Float64Array {
  let i = 0;
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j]!;
    if (typeof p === 'number') meta[i++] = p;
    else for (let k = 0; k < p.length; k++) meta[i++] = p[k]!;
  }
  return meta;
}

export function matmulMeta(spec: MatmulSpec, meta: Float64Array = new Float64Array(7 + 2 * spec.batch)): Float64Array {
  meta[0] = spec.batch;
  meta[1] = spec.m;
  meta[2] = spec.n;
  meta[3] = spec.k;
  meta[4] = spec.transA ? 1 : 0;
  meta[5] = spec.transB ? 1 : 0;
  meta[6] = ACTIVATIONS[spec.activation];
  for (let i = 0; i < spec.batch; i++) {
    meta[7 + 2 * i] = spec.aOffsets[i]!;
    meta[8 + 2 * i] = spec.bOffsets[i]!;
  }
  return meta;
}

export function gemmMeta(s: GemmSpec, meta: Float64Array = new Float64Array(12)): Float64Array {
  meta.set([s.m, s.n, s.k, s.transA ? 1 : 0, s.transB ? 1 : 0, s.lda, s.ldb, s.ldc,
    s.aOffset, s.bOffset, s.cOffset, ACTIVATIONS[s.activation]]);
  return meta;
}
