import { createRequire } from 'node:module';

import { DTYPE_BYTES, DTYPE_CODE, type DType, type TypedArray } from '../dtype.js';
import { packageRoot } from '../package-root.js';
import {
  ACTIVATIONS, ARG_REDUCE_OPS, type ArgReduceOp, BINARY_OPS, type Backend, type BinaryOp, type MatmulSpec,
  type GemmSpec, type PackBSpec, type PackedOperand, REDUCE_OPS, type ReduceOp, type Storage, UNARY_OPS, type UnaryOp, callMeta, gemmMeta, matmulMeta, scratchArray,
} from './backend.js';
import { type Conv2dSpec, conv2dMeta } from './backend.js';
import { ArrayStorage } from './array-storage.js';
import { BufferPool } from './buffer-pool.js';
import { type OptimStepSpec, optimMeta } from './optim-spec.js';
import { type Window2d, windowMeta } from '../ops/window.js';

/** The addon's exports (native/napi/). */
export interface Addon {
  info(): { isa: string; supportedIsas: string[]; threads: number; requestedIsa: string | null };
  activeIsa(): string;
  setIsa(isa: string): void;
  setNumThreads(n: number): void;
  alloc(dtype: number, size: number): TypedArray;
  release(a: TypedArray): void;
  alignment(a: TypedArray): number;
  binary(op: number, a: TypedArray, b: TypedArray, out: TypedArray, meta: Float64Array): void;
  reduce(op: number, x: TypedArray, out: TypedArray, outer: number, r: number, inner: number): void;
  argReduce(op: number, x: TypedArray, out: TypedArray, outer: number, r: number, inner: number): void;
  copyStrided(src: TypedArray, dst: TypedArray, meta: Float64Array): void;
  cast(src: TypedArray, dst: TypedArray): void;
  fill(dst: TypedArray, value: number): void;
  arange(dst: TypedArray, start: number, step: number): void;
  randomUniform(dst: TypedArray, seed: number, block: number, lo: number, hi: number): void;
  randomNormal(dst: TypedArray, seed: number, block: number, mean: number, std: number): void;
  matmul(a: TypedArray, b: TypedArray, out: TypedArray, meta: Float64Array, bias?: TypedArray): void;
  gemm(a: TypedArray, b: TypedArray, c: TypedArray, meta: Float64Array, alpha: number, beta: number, bias?: TypedArray): void;
  packB(b: TypedArray, meta: Float64Array): object;
  gemmPacked(a: TypedArray, packed: object, c: TypedArray, meta: Float64Array, alpha: number, beta: number, bias?: TypedArray): void;
  releasePacked(packed: object): void;
  unary(op: number, x: TypedArray, out: TypedArray, p0: number, p1: number): void;
  unaryGrad(op: number, x: TypedArray, y: TypedArray, dy: TypedArray, dx: TypedArray, p0: number, p1: number): void;
  where(cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray, meta: Float64Array): void;
  softmax(x: TypedArray, out: TypedArray, outer: number, r: number, inner: number, log: number): void;
  softmaxGrad(y: TypedArray, dy: TypedArray, dx: TypedArray, outer: number, r: number, inner: number, log: number): void;
  softmaxCrossEntropy(logits: TypedArray, labels: TypedArray, loss: TypedArray, grad: TypedArray | undefined,
    n: number, c: number): void;
  sigmoidCrossEntropy(logits: TypedArray, targets: TypedArray, loss: TypedArray, grad: TypedArray | undefined, n: number): void;
  gather(x: TypedArray, indices: TypedArray, out: TypedArray, outer: number, axisLen: number, inner: number): void;
  scatterAdd(dy: TypedArray, indices: TypedArray, dx: TypedArray, outer: number, axisLen: number, inner: number): void;
  optimStep(meta: Float64Array, params: TypedArray[], grads: TypedArray[], state: TypedArray[]): void;
  batchNormTrain(x: TypedArray, gamma: TypedArray | undefined, beta: TypedArray | undefined, y: TypedArray,
    mean: TypedArray, variance: TypedArray, outer: number, c: number, eps: number): void;
  batchNormInfer(x: TypedArray, gamma: TypedArray | undefined, beta: TypedArray | undefined, mean: TypedArray,
    variance: TypedArray, y: TypedArray, outer: number, c: number, eps: number): void;
  batchNormBackward(x: TypedArray, dy: TypedArray, mean: TypedArray, variance: TypedArray, gamma: TypedArray | undefined,
    dx: TypedArray | undefined, dgamma: TypedArray, dbeta: TypedArray, outer: number, c: number, eps: number,
    training: number): void;
  maxPool2d(x: TypedArray, out: TypedArray, argmax: TypedArray | undefined, n: number, c: number, window: Float64Array): void;
  maxPool2dGrad(dy: TypedArray, argmax: TypedArray, dx: TypedArray, n: number, c: number, window: Float64Array): void;
  avgPool2d(x: TypedArray, out: TypedArray, n: number, c: number, window: Float64Array): void;
  avgPool2dGrad(dy: TypedArray, dx: TypedArray, n: number, c: number, window: Float64Array): void;
  conv2d(x: TypedArray, filter: TypedArray, y: TypedArray, meta: Float64Array, bias?: TypedArray): void;
  conv2dBackwardInput(dy: TypedArray, filter: TypedArray, dx: TypedArray, meta: Float64Array): void;
  conv2dBackwardFilter(x: TypedArray, dy: TypedArray, dFilter: TypedArray, meta: Float64Array): void;
  conv2dBackward(x: TypedArray, dy: TypedArray, filter: TypedArray, dx: TypedArray, dFilter: TypedArray,
    meta: Float64Array): void;
  depthwiseConv2d(x: TypedArray, filter: TypedArray, y: TypedArray, meta: Float64Array, bias?: TypedArray): void;
  depthwiseConv2dBackwardInput(dy: TypedArray, filter: TypedArray, dx: TypedArray, meta: Float64Array): void;
  depthwiseConv2dBackwardFilter(x: TypedArray, dy: TypedArray, dFilter: TypedArray, meta: Float64Array): void;
}

/** Loads the addon: a prebuild that fits, or build/Release (node-gyp-build's rules). */
export function loadAddon(path?: string): Addon {
  const require = createRequire(import.meta.url);
  if (path) return require(path) as Addon;
  const load = require('node-gyp-build') as (dir: string) => Addon;
  return load(packageRoot());
}

/** A packing made by the addon's packB: the handle owns the packed copy (freed by releasePacked or GC). */
class NativePacked implements PackedOperand {
  constructor(readonly dtype: DType, readonly k: number, readonly n: number, readonly isa: string, readonly handle: object) {}
}

function arr(s: Storage): TypedArray {
  return (s as ArrayStorage).data;
}

/** The C++ kernels through the Node-API addon. Buffers are V8 ArrayBuffers aligned to 64 bytes. */
export class NativeBackend implements Backend {
  readonly name = 'native' as const;
  readonly gcManaged = true;
  readonly supportedIsas: readonly string[];
  private readonly pool = new BufferPool();

  constructor(private readonly addon: Addon = loadAddon()) {
    const info = addon.info();
    this.supportedIsas = info.supportedIsas;
    if (info.requestedIsa && info.requestedIsa !== info.isa) {
      throw new Error(
        `NODEGRAD_ISA=${info.requestedIsa} cannot run on this CPU (supported: ${info.supportedIsas.join(', ')})`);
    }
  }

  get isa(): string {
    return this.addon.activeIsa();
  }

  get threads(): number {
    return this.addon.info().threads;
  }

  setIsa(isa: string): void {
    this.addon.setIsa(isa);
  }

  setNumThreads(n: number): void {
    this.addon.setNumThreads(n);
  }

  alloc(dtype: DType, size: number): Storage {
    return new ArrayStorage(dtype, this.pool.take(dtype, size) ?? this.addon.alloc(DTYPE_CODE[dtype], size));
  }

  upload(dtype: DType, data: TypedArray): Storage {
    const s = this.alloc(dtype, data.length);
    arr(s).set(data);
    return s;
  }

  read(s: Storage): TypedArray {
    (s as ArrayStorage).exposed = true;
    return arr(s);
  }

  /** Small buffers no user view can see go back to the pool; the rest are detached, which frees them now. */
  free(s: Storage): void {
    const storage = s as ArrayStorage;
    if (storage.exposed || !this.pool.give(s.dtype, storage.data)) this.addon.release(storage.data);
  }

  bytes(s: Storage): number {
    return s.size * DTYPE_BYTES[s.dtype];
  }

  fill(out: Storage, value: number): void {
    this.addon.fill(arr(out), value);
  }

  arange(out: Storage, start: number, step: number): void {
    this.addon.arange(arr(out), start, step);
  }

  randomUniform(out: Storage, seed: number, block: number, lo: number, hi: number): void {
    this.addon.randomUniform(arr(out), seed, block, lo, hi);
  }

  randomNormal(out: Storage, seed: number, block: number, mean: number, std: number): void {
    this.addon.randomNormal(arr(out), seed, block, mean, std);
  }

  cast(x: Storage, out: Storage): void {
    this.addon.cast(arr(x), arr(out));
  }

  copyStrided(src: Storage, dst: Storage, shape: readonly number[], srcOffset: number,
    srcStrides: readonly number[], dstOffset: number, dstStrides: readonly number[]): void {
    this.addon.copyStrided(arr(src), arr(dst),
      callMeta(shape.length, shape, srcOffset, srcStrides, dstOffset, dstStrides));
  }

  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    this.addon.binary(BINARY_OPS[op], arr(a), arr(b), arr(out), callMeta(shape.length, shape, aStrides, bStrides));
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    this.addon.reduce(REDUCE_OPS[op], arr(x), arr(out), outer, r, inner);
  }

  argReduce(op: ArgReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    this.addon.argReduce(ARG_REDUCE_OPS[op], arr(x), arr(out), outer, r, inner);
  }

  matmul(a: Storage, b: Storage, out: Storage, spec: MatmulSpec, bias?: Storage): void {
    this.addon.matmul(arr(a), arr(b), arr(out), matmulMeta(spec, scratchArray(7 + 2 * spec.batch)), bias ? arr(bias) : undefined);
  }

  gemm(a: Storage, b: Storage, c: Storage, spec: GemmSpec, bias?: Storage): void {
    this.addon.gemm(arr(a), arr(b), arr(c), gemmMeta(spec, scratchArray(12)), spec.alpha, spec.beta, bias ? arr(bias) : undefined);
  }

  packB(b: Storage, spec: PackBSpec): PackedOperand {
    const meta = scratchArray(5);
    meta.set([spec.k, spec.n, spec.transB ? 1 : 0, spec.ldb, spec.bOffset]);
    return new NativePacked(b.dtype, spec.k, spec.n, this.isa, this.addon.packB(arr(b), meta));
  }

  gemmPacked(a: Storage, b: PackedOperand, c: Storage, spec: GemmSpec, bias?: Storage): void {
    if (!(b instanceof NativePacked)) throw new Error('gemmPacked: the packed operand does not come from this backend');
    const meta = scratchArray(9);  // written in place: this runs once per inference product
    meta[0] = spec.m;
    meta[1] = spec.n;
    meta[2] = spec.k;
    meta[3] = spec.transA ? 1 : 0;
    meta[4] = spec.lda;
    meta[5] = spec.ldc;
    meta[6] = spec.aOffset;
    meta[7] = spec.cOffset;
    meta[8] = ACTIVATIONS[spec.activation];
    this.addon.gemmPacked(arr(a), b.handle, arr(c), meta, spec.alpha, spec.beta, bias ? arr(bias) : undefined);
  }

  releasePacked(b: PackedOperand): void {
    if (b instanceof NativePacked) this.addon.releasePacked(b.handle);
  }

  unary(op: UnaryOp, x: Storage, out: Storage, p0: number, p1: number): void {
    this.addon.unary(UNARY_OPS[op], arr(x), arr(out), p0, p1);
  }

  unaryGrad(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage, p0: number, p1: number): void {
    this.addon.unaryGrad(UNARY_OPS[op], arr(x), arr(y), arr(dy), arr(dx), p0, p1);
  }

  where(cond: Storage, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    condStrides: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): void {
    this.addon.where(arr(cond), arr(a), arr(b), arr(out), callMeta(shape.length, shape, condStrides, aStrides, bStrides));
  }

  softmax(x: Storage, out: Storage, outer: number, r: number, inner: number, log: boolean): void {
    this.addon.softmax(arr(x), arr(out), outer, r, inner, log ? 1 : 0);
  }

  softmaxGrad(y: Storage, dy: Storage, dx: Storage, outer: number, r: number, inner: number, log: boolean): void {
    this.addon.softmaxGrad(arr(y), arr(dy), arr(dx), outer, r, inner, log ? 1 : 0);
  }

  softmaxCrossEntropy(logits: Storage, labels: Storage, loss: Storage, grad: Storage | null, n: number, c: number): void {
    this.addon.softmaxCrossEntropy(arr(logits), arr(labels), arr(loss), grad ? arr(grad) : undefined, n, c);
  }

  sigmoidCrossEntropy(logits: Storage, targets: Storage, loss: Storage, grad: Storage | null, n: number): void {
    this.addon.sigmoidCrossEntropy(arr(logits), arr(targets), arr(loss), grad ? arr(grad) : undefined, n);
  }

  gather(x: Storage, indices: Storage, out: Storage, outer: number, axisLen: number, inner: number): void {
    this.addon.gather(arr(x), arr(indices), arr(out), outer, axisLen, inner);
  }

  scatterAdd(dy: Storage, indices: Storage, dx: Storage, outer: number, axisLen: number, inner: number): void {
    this.addon.scatterAdd(arr(dy), arr(indices), arr(dx), outer, axisLen, inner);
  }

  optimizerStep(spec: OptimStepSpec, params: readonly Storage[], grads: readonly Storage[],
    state: readonly Storage[]): void {
    this.addon.optimStep(optimMeta(spec), params.map(arr), grads.map(arr), state.map(arr));
  }

  batchNormTrain(x: Storage, gamma: Storage | null, beta: Storage | null, y: Storage, mean: Storage,
    variance: Storage, outer: number, c: number, eps: number): void {
    this.addon.batchNormTrain(arr(x), gamma ? arr(gamma) : undefined, beta ? arr(beta) : undefined, arr(y), arr(mean),
      arr(variance), outer, c, eps);
  }

  batchNormInfer(x: Storage, gamma: Storage | null, beta: Storage | null, mean: Storage, variance: Storage,
    y: Storage, outer: number, c: number, eps: number): void {
    this.addon.batchNormInfer(arr(x), gamma ? arr(gamma) : undefined, beta ? arr(beta) : undefined, arr(mean),
      arr(variance), arr(y), outer, c, eps);
  }

  batchNormBackward(x: Storage, dy: Storage, mean: Storage, variance: Storage, gamma: Storage | null,
    dx: Storage | null, dgamma: Storage, dbeta: Storage, outer: number, c: number, eps: number, training: boolean): void {
    this.addon.batchNormBackward(arr(x), arr(dy), arr(mean), arr(variance), gamma ? arr(gamma) : undefined,
      dx ? arr(dx) : undefined, arr(dgamma), arr(dbeta), outer, c, eps, training ? 1 : 0);
  }

  maxPool2d(x: Storage, out: Storage, argmax: Storage | null, n: number, c: number, window: Window2d): void {
    this.addon.maxPool2d(arr(x), arr(out), argmax ? arr(argmax) : undefined, n, c, Float64Array.from(windowMeta(window)));
  }

  maxPool2dGrad(dy: Storage, argmax: Storage, dx: Storage, n: number, c: number, window: Window2d): void {
    this.addon.maxPool2dGrad(arr(dy), arr(argmax), arr(dx), n, c, Float64Array.from(windowMeta(window)));
  }

  avgPool2d(x: Storage, out: Storage, n: number, c: number, window: Window2d): void {
    this.addon.avgPool2d(arr(x), arr(out), n, c, Float64Array.from(windowMeta(window)));
  }

  avgPool2dGrad(dy: Storage, dx: Storage, n: number, c: number, window: Window2d): void {
    this.addon.avgPool2dGrad(arr(dy), arr(dx), n, c, Float64Array.from(windowMeta(window)));
  }

  conv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void {
    this.addon.conv2d(arr(x), arr(filter), arr(y), conv2dMeta(spec), bias ? arr(bias) : undefined);
  }

  conv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void {
    this.addon.conv2dBackwardInput(arr(dy), arr(filter), arr(dx), conv2dMeta(spec));
  }

  conv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    this.addon.conv2dBackwardFilter(arr(x), arr(dy), arr(dFilter), conv2dMeta(spec));
  }

  conv2dBackward(x: Storage, dy: Storage, filter: Storage, dx: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    this.addon.conv2dBackward(arr(x), arr(dy), arr(filter), arr(dx), arr(dFilter), conv2dMeta(spec));
  }

  depthwiseConv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void {
    this.addon.depthwiseConv2d(arr(x), arr(filter), arr(y), conv2dMeta(spec), bias ? arr(bias) : undefined);
  }

  depthwiseConv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void {
    this.addon.depthwiseConv2dBackwardInput(arr(dy), arr(filter), arr(dx), conv2dMeta(spec));
  }

  depthwiseConv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    this.addon.depthwiseConv2dBackwardFilter(arr(x), arr(dy), arr(dFilter), conv2dMeta(spec));
  }
}
