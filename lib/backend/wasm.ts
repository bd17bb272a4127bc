import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DTYPE_BYTES, DTYPE_CODE, type DType, type TypedArray, typedArrayFor } from '../dtype.js';
import { packageRoot } from '../package-root.js';
import {
  ARG_REDUCE_OPS, type ArgReduceOp, BINARY_OPS, type Backend, type BinaryOp, type MatmulSpec,
  type GemmSpec, REDUCE_OPS, type ReduceOp, type Storage, UNARY_OPS, type UnaryOp, gemmMeta, matmulMeta, packMeta,
} from './backend.js';
import {
  OPTIM_META_LENGTH, type OptimStepSpec, checkOptimArgs, optimMeta, optimStateCount,
} from './optim-spec.js';
import { type Window2d, windowMeta } from '../ops/window.js';
import { type Conv2dSpec, conv2dMeta } from './backend.js';

interface Exports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  ng_malloc(bytes: number): number;
  ng_free(ptr: number): void;
  ng_last_error(): number;
  ng_last_error_length(): number;
  ng_binary(op: number, dtype: number, a: number, aLen: number, b: number, bLen: number, out: number, outLen: number,
    meta: number, metaLen: number): number;
  ng_reduce(op: number, arg: number, dtype: number, x: number, outer: number, r: number, inner: number, out: number): number;
  ng_copy_strided(dtype: number, src: number, srcLen: number, dst: number, dstLen: number, meta: number, metaLen: number): number;
  ng_cast(from: number, src: number, to: number, dst: number, n: number): number;
  ng_fill(dtype: number, dst: number, n: number, value: number): number;
  ng_arange(dtype: number, dst: number, n: number, start: number, step: number): number;
  ng_random(normal: number, dtype: number, dst: number, n: number, seed: number, block: number, p: number, q: number): number;
  ng_matmul(dtype: number, a: number, aLen: number, b: number, bLen: number, out: number, outLen: number,
    meta: number, metaLen: number, bias: number, biasLen: number): number;
  ng_gemm(dtype: number, a: number, aLen: number, b: number, bLen: number, c: number, cLen: number,
    meta: number, metaLen: number, alpha: number, beta: number, bias: number, biasLen: number): number;
  ng_unary(op: number, dtype: number, x: number, out: number, n: number, p0: number, p1: number): number;
  ng_unary_grad(op: number, dtype: number, x: number, y: number, dy: number, dx: number, n: number,
    p0: number, p1: number): number;
  ng_where(condDtype: number, cond: number, condLen: number, dtype: number, a: number, aLen: number, b: number,
    bLen: number, out: number, outLen: number, meta: number, metaLen: number): number;
  ng_softmax(grad: number, dtype: number, p: number, q: number, r3: number, outer: number, r: number, inner: number,
    log: number): number;
  ng_softmax_xent(dtype: number, logits: number, labelDtype: number, labels: number, loss: number, grad: number,
    n: number, c: number): number;
  ng_sigmoid_xent(dtype: number, logits: number, targets: number, loss: number, grad: number, n: number): number;
  ng_gather(scatter: number, dtype: number, src: number, idx: number, nIdx: number, dst: number, outer: number,
    axisLen: number, inner: number): number;
  ng_optim_step(dtype: number, meta: number, metaLen: number, table: number, count: number): number;
  ng_batch_norm(mode: number, dtype: number, x: number, gamma: number, beta: number, mean: number, variance: number,
    y: number, outer: number, c: number, eps: number): number;
  ng_batch_norm_backward(dtype: number, x: number, dy: number, mean: number, variance: number, gamma: number, dx: number,
    dgamma: number, dbeta: number, outer: number, c: number, eps: number, training: number): number;
  ng_pool(kind: number, grad: number, dtype: number, src: number, srcLen: number, dst: number, dstLen: number,
    argmax: number, argLen: number, n: number, c: number, meta: number, metaLen: number): number;
  ng_conv2d(pass: number, depthwise: number, dtype: number, a: number, aLen: number, b: number, bLen: number,
    out: number, outLen: number, bias: number, biasLen: number, meta: number, metaLen: number): number;
  ng_conv2d_backward(dtype: number, x: number, xLen: number, dy: number, dyLen: number, filter: number, filterLen: number,
    dx: number, dxLen: number, dFilter: number, dFilterLen: number, meta: number, metaLen: number): number;
}

/** A buffer inside the module's linear memory. */
class WasmStorage implements Storage {
  constructor(readonly dtype: DType, readonly size: number, public ptr: number) {}
}

const META_CAPACITY = 4096;  // doubles; wasm/entry.cpp accepts at most this many

/**
 * WASI imports a standalone Emscripten module may name. The kernels never do I/O; these
 * exist so instantiation succeeds, and any other call fails loudly.
 */
function wasiImports(module: WebAssembly.Module, memory: () => WebAssembly.Memory): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    const ns = (imports[imp.module] ??= {});
    if (imp.name === 'environ_sizes_get' || imp.name === 'args_sizes_get') {
      ns[imp.name] = (countPtr: number, sizePtr: number) => {
        const view = new DataView(memory().buffer);
        view.setUint32(countPtr, 0, true);
        view.setUint32(sizePtr, 0, true);
        return 0;
      };
    } else if (imp.name === 'environ_get' || imp.name === 'args_get' || imp.name === 'emscripten_notify_memory_growth') {
      ns[imp.name] = () => 0;
    } else {
      ns[imp.name] = () => {
        throw new Error(`nodegrad wasm: unexpected call to import ${imp.module}.${imp.name}`);
      };
    }
  }
  return imports;
}

export function loadWasm(path = join(packageRoot(), 'dist', 'nodegrad.wasm')): Exports {
  const module = new WebAssembly.Module(readFileSync(path));
  let exports: Exports | undefined;
  const instance = new WebAssembly.Instance(module, wasiImports(module, () => exports!.memory));
  exports = instance.exports as unknown as Exports;
  exports._initialize?.();
  return exports;
}

function ptr(s: Storage): number {
  const w = s as WasmStorage;
  if (w.ptr === 0 && w.size > 0) throw new Error('wasm: use of a released buffer');
  return w.ptr;
}

/** The same C++ kernels compiled to WebAssembly with SIMD128; buffers live in linear memory. */
export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly isa = 'simd128';
  readonly gcManaged = false;
  readonly supportedIsas = ['simd128'];
  readonly threads = 1;
  private readonly meta: number;

  constructor(private readonly wasm: Exports = loadWasm()) {
    this.meta = wasm.ng_malloc(META_CAPACITY * 8);
    if (!this.meta) throw new Error('wasm: cannot allocate the argument area');
  }

  setIsa(isa: string): void {
    if (isa !== 'simd128') throw new Error(`setIsa: the wasm backend has only the 'simd128' path, not '${isa}'`);
  }

  setNumThreads(): void {}

  private check(status: number): void {
    if (status === 0) return;
    const bytes = new Uint8Array(this.wasm.memory.buffer, this.wasm.ng_last_error(), this.wasm.ng_last_error_length());
    throw new Error(new TextDecoder().decode(bytes));
  }

  private view(s: Storage): TypedArray {
    const w = s as WasmStorage;
    const buf = this.wasm.memory.buffer;
    switch (w.dtype) {
      case 'float32': return new Float32Array(buf, ptr(w), w.size);
      case 'int32': return new Int32Array(buf, ptr(w), w.size);
      case 'float64': return new Float64Array(buf, ptr(w), w.size);
    }
  }

  private writeMeta(meta: Float64Array): number {
    if (meta.length > META_CAPACITY) throw new Error(`wasm: too many kernel arguments (${meta.length})`);
    new Float64Array(this.wasm.memory.buffer, this.meta, meta.length).set(meta);
    return meta.length;
  }

  alloc(dtype: DType, size: number): Storage {
    const bytes = size * DTYPE_BYTES[dtype];
    if (bytes > 2 ** 32 - 128) throw new Error(`alloc: ${size} ${dtype} elements do not fit in wasm memory`);
    const p = this.wasm.ng_malloc(bytes);
    if (p === 0) throw new Error(`alloc: wasm memory exhausted allocating ${size} ${dtype} elements`);
    return new WasmStorage(dtype, size, p);
  }

  upload(dtype: DType, data: TypedArray): Storage {
    const s = this.alloc(dtype, data.length);
    this.view(s).set(data);
    return s;
  }

  read(s: Storage): TypedArray {
    const out = typedArrayFor(s.dtype, s.size);
    out.set(this.view(s));
    return out;
  }

  free(s: Storage): void {
    const w = s as WasmStorage;
    if (w.ptr) this.wasm.ng_free(w.ptr);
    w.ptr = 0;
  }

  bytes(s: Storage): number {
    return s.size * DTYPE_BYTES[s.dtype];
  }

  fill(out: Storage, value: number): void {
    this.check(this.wasm.ng_fill(DTYPE_CODE[out.dtype], ptr(out), out.size, value));
  }

  arange(out: Storage, start: number, step: number): void {
    this.check(this.wasm.ng_arange(DTYPE_CODE[out.dtype], ptr(out), out.size, start, step));
  }

  randomUniform(out: Storage, seed: number, block: number, lo: number, hi: number): void {
    this.check(this.wasm.ng_random(0, DTYPE_CODE[out.dtype], ptr(out), out.size, seed, block, lo, hi));
  }

  randomNormal(out: Storage, seed: number, block: number, mean: number, std: number): void {
    this.check(this.wasm.ng_random(1, DTYPE_CODE[out.dtype], ptr(out), out.size, seed, block, mean, std));
  }

  cast(x: Storage, out: Storage): void {
    if (x.size !== out.size) throw new Error(`cast: sizes differ (${x.size} and ${out.size})`);
    this.check(this.wasm.ng_cast(DTYPE_CODE[x.dtype], ptr(x), DTYPE_CODE[out.dtype], ptr(out), x.size));
  }

  copyStrided(src: Storage, dst: Storage, shape: readonly number[], srcOffset: number,
    srcStrides: readonly number[], dstOffset: number, dstStrides: readonly number[]): void {
    const n = this.writeMeta(packMeta(shape.length, shape, srcOffset, srcStrides, dstOffset, dstStrides));
    this.check(this.wasm.ng_copy_strided(DTYPE_CODE[src.dtype], ptr(src), src.size, ptr(dst), dst.size, this.meta, n));
  }

  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    const n = this.writeMeta(packMeta(shape.length, shape, aStrides, bStrides));
    this.check(this.wasm.ng_binary(BINARY_OPS[op], DTYPE_CODE[a.dtype], ptr(a), a.size, ptr(b), b.size,
      ptr(out), out.size, this.meta, n));
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    this.check(this.wasm.ng_reduce(REDUCE_OPS[op], 0, DTYPE_CODE[x.dtype], ptr(x), outer, r, inner, ptr(out)));
  }

  argReduce(op: ArgReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    this.check(this.wasm.ng_reduce(ARG_REDUCE_OPS[op], 1, DTYPE_CODE[x.dtype], ptr(x), outer, r, inner, ptr(out)));
  }

  matmul(a: Storage, b: Storage, out: Storage, spec: MatmulSpec, bias?: Storage): void {
    const n = this.writeMeta(matmulMeta(spec));
    this.check(this.wasm.ng_matmul(DTYPE_CODE[a.dtype], ptr(a), a.size, ptr(b), b.size, ptr(out), out.size,
      this.meta, n, bias ? ptr(bias) : 0, bias ? bias.size : 0));
  }

  gemm(a: Storage, b: Storage, c: Storage, spec: GemmSpec, bias?: Storage): void {
    const n = this.writeMeta(gemmMeta(spec));
    this.check(this.wasm.ng_gemm(DTYPE_CODE[a.dtype], ptr(a), a.size, ptr(b), b.size, ptr(c), c.size, this.meta, n,
      spec.alpha, spec.beta, bias ? ptr(bias) : 0, bias ? bias.size : 0));
  }

  /** Sizes the kernels derive from their dims must match the storages, which wasm cannot see. */
  private sized(fn: string, name: string, s: Storage, n: number): number {
    if (s.size !== n) throw new Error(`${fn}: '${name}' has ${s.size} elements, expected ${n}`);
    return ptr(s);
  }

  unary(op: UnaryOp, x: Storage, out: Storage, p0: number, p1: number): void {
    if (x.dtype !== out.dtype) throw new Error(`unary: out must be ${x.dtype}, got ${out.dtype}`);
    this.check(this.wasm.ng_unary(UNARY_OPS[op], DTYPE_CODE[x.dtype], ptr(x), this.sized('unary', 'out', out, x.size),
      x.size, p0, p1));
  }

  unaryGrad(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage, p0: number, p1: number): void {
    const n = x.size;
    for (const [name, s] of [['y', y], ['dy', dy], ['dx', dx]] as const) {
      if (s.dtype !== x.dtype) throw new Error(`unaryGrad: '${name}' must be ${x.dtype}, got ${s.dtype}`);
      this.sized('unaryGrad', name, s, n);
    }
    this.check(this.wasm.ng_unary_grad(UNARY_OPS[op], DTYPE_CODE[x.dtype], ptr(x), ptr(y), ptr(dy), ptr(dx), n, p0, p1));
  }

  where(cond: Storage, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    condStrides: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): void {
    if (b.dtype !== a.dtype || out.dtype !== a.dtype) throw new Error(`where: a, b and out must share a dtype`);
    const n = this.writeMeta(packMeta(shape.length, shape, condStrides, aStrides, bStrides));
    this.check(this.wasm.ng_where(DTYPE_CODE[cond.dtype], ptr(cond), cond.size, DTYPE_CODE[a.dtype], ptr(a), a.size,
      ptr(b), b.size, ptr(out), out.size, this.meta, n));
  }

  softmax(x: Storage, out: Storage, outer: number, r: number, inner: number, log: boolean): void {
    const n = outer * r * inner;
    this.checkSame('softmax', x, [['x', x], ['out', out]], n);
    this.check(this.wasm.ng_softmax(0, DTYPE_CODE[x.dtype], ptr(x), ptr(out), 0, outer, r, inner, log ? 1 : 0));
  }

  softmaxGrad(y: Storage, dy: Storage, dx: Storage, outer: number, r: number, inner: number, log: boolean): void {
    const n = outer * r * inner;
    this.checkSame('softmaxGrad', y, [['y', y], ['dy', dy], ['dx', dx]], n);
    this.check(this.wasm.ng_softmax(1, DTYPE_CODE[y.dtype], ptr(y), ptr(dy), ptr(dx), outer, r, inner, log ? 1 : 0));
  }

  softmaxCrossEntropy(logits: Storage, labels: Storage, loss: Storage, grad: Storage | null, n: number, c: number): void {
    const fn = 'softmaxCrossEntropy';
    this.checkSame(fn, logits, grad ? [['logits', logits], ['grad', grad]] : [['logits', logits]], n * c);
    this.checkSame(fn, logits, [['loss', loss]], n);
    this.sized(fn, 'labels', labels, labels.dtype === 'int32' ? n : n * c);
    this.check(this.wasm.ng_softmax_xent(DTYPE_CODE[logits.dtype], ptr(logits), DTYPE_CODE[labels.dtype], ptr(labels),
      ptr(loss), grad ? ptr(grad) : 0, n, c));
  }

  sigmoidCrossEntropy(logits: Storage, targets: Storage, loss: Storage, grad: Storage | null, n: number): void {
    const all: [string, Storage][] = [['logits', logits], ['targets', targets], ['loss', loss]];
    if (grad) all.push(['grad', grad]);
    this.checkSame('sigmoidCrossEntropy', logits, all, n);
    this.check(this.wasm.ng_sigmoid_xent(DTYPE_CODE[logits.dtype], ptr(logits), ptr(targets), ptr(loss),
      grad ? ptr(grad) : 0, n));
  }

  gather(x: Storage, indices: Storage, out: Storage, outer: number, axisLen: number, inner: number): void {
    this.gatherOrScatter(0, 'gather', x, indices, out, outer, axisLen, inner);
  }

  scatterAdd(dy: Storage, indices: Storage, dx: Storage, outer: number, axisLen: number, inner: number): void {
    this.gatherOrScatter(1, 'scatterAdd', dy, indices, dx, outer, axisLen, inner);
  }

  private gatherOrScatter(scatter: 0 | 1, fn: string, src: Storage, indices: Storage, dst: Storage,
    outer: number, axisLen: number, inner: number): void {
    if (indices.dtype !== 'int32') throw new Error(`${fn}: indices must be int32, got ${indices.dtype}`);
    if (dst.dtype !== src.dtype) throw new Error(`${fn}: dtypes differ (${src.dtype} and ${dst.dtype})`);
    const full = outer * axisLen * inner;
    const picked = outer * indices.size * inner;
    this.sized(fn, scatter ? 'dy' : 'x', src, scatter ? picked : full);
    this.sized(fn, scatter ? 'dx' : 'out', dst, scatter ? full : picked);
    this.check(this.wasm.ng_gather(scatter, DTYPE_CODE[src.dtype], ptr(src), ptr(indices), indices.size, ptr(dst),
      outer, axisLen, inner));
  }

  /**
   * The meta array, then one row [param, grad, state.., size] per parameter, in the argument
   * area; groups too large for it go in several calls.
   */
  optimizerStep(spec: OptimStepSpec, params: readonly Storage[], grads: readonly Storage[],
    state: readonly Storage[]): void {
    const k = optimStateCount(spec);
    checkOptimArgs(params, grads, state, k);
    const row = k + 3;
    const perCall = Math.floor((META_CAPACITY - OPTIM_META_LENGTH) / row);
    const dtype = params[0] ? DTYPE_CODE[params[0].dtype] : DTYPE_CODE.float32;
    for (let first = 0; first < params.length; first += perCall) {
      const count = Math.min(perCall, params.length - first);
      const buf = new Float64Array(OPTIM_META_LENGTH + count * row);
      buf.set(optimMeta(spec));
      for (let i = 0; i < count; i++) {
        const at = OPTIM_META_LENGTH + i * row;
        const p = first + i;
        buf[at] = ptr(params[p]!);
        buf[at + 1] = ptr(grads[p]!);
        for (let j = 0; j < k; j++) buf[at + 2 + j] = ptr(state[p * k + j]!);
        buf[at + row - 1] = params[p]!.size;
      }
      this.writeMeta(buf);
      this.check(this.wasm.ng_optim_step(dtype, this.meta, OPTIM_META_LENGTH, this.meta + OPTIM_META_LENGTH * 8, count));
    }
  }

  batchNormTrain(x: Storage, gamma: Storage | null, beta: Storage | null, y: Storage, mean: Storage,
    variance: Storage, outer: number, c: number, eps: number): void {
    this.batchNorm(0, 'batchNormTrain', x, gamma, beta, mean, variance, y, outer, c, eps);
  }

  batchNormInfer(x: Storage, gamma: Storage | null, beta: Storage | null, mean: Storage, variance: Storage,
    y: Storage, outer: number, c: number, eps: number): void {
    this.batchNorm(1, 'batchNormInfer', x, gamma, beta, mean, variance, y, outer, c, eps);
  }

  private batchNorm(mode: 0 | 1, fn: string, x: Storage, gamma: Storage | null, beta: Storage | null, mean: Storage,
    variance: Storage, y: Storage, outer: number, c: number, eps: number): void {
    this.checkSame(fn, x, [['x', x], ['y', y]], outer * c);
    const perChannel: [string, Storage][] = [['mean', mean], ['variance', variance]];
    if (gamma) perChannel.push(['gamma', gamma]);
    if (beta) perChannel.push(['beta', beta]);
    this.checkSame(fn, x, perChannel, c);
    this.check(this.wasm.ng_batch_norm(mode, DTYPE_CODE[x.dtype], ptr(x), gamma ? ptr(gamma) : 0, beta ? ptr(beta) : 0,
      ptr(mean), ptr(variance), ptr(y), outer, c, eps));
  }

  batchNormBackward(x: Storage, dy: Storage, mean: Storage, variance: Storage, gamma: Storage | null,
    dx: Storage | null, dgamma: Storage, dbeta: Storage, outer: number, c: number, eps: number, training: boolean): void {
    const fn = 'batchNormBackward';
    const full: [string, Storage][] = [['x', x], ['dy', dy]];
    if (dx) full.push(['dx', dx]);
    this.checkSame(fn, x, full, outer * c);
    const perChannel: [string, Storage][] = [['mean', mean], ['variance', variance], ['dgamma', dgamma], ['dbeta', dbeta]];
    if (gamma) perChannel.push(['gamma', gamma]);
    this.checkSame(fn, x, perChannel, c);
    this.check(this.wasm.ng_batch_norm_backward(DTYPE_CODE[x.dtype], ptr(x), ptr(dy), ptr(mean), ptr(variance),
      gamma ? ptr(gamma) : 0, dx ? ptr(dx) : 0, ptr(dgamma), ptr(dbeta), outer, c, eps, training ? 1 : 0));
  }

  maxPool2d(x: Storage, out: Storage, argmax: Storage | null, n: number, c: number, window: Window2d): void {
    this.pool(0, 0, x, out, argmax, n, c, window);
  }

  maxPool2dGrad(dy: Storage, argmax: Storage, dx: Storage, n: number, c: number, window: Window2d): void {
    this.pool(0, 1, dy, dx, argmax, n, c, window);
  }

  avgPool2d(x: Storage, out: Storage, n: number, c: number, window: Window2d): void {
    this.pool(1, 0, x, out, null, n, c, window);
  }

  avgPool2dGrad(dy: Storage, dx: Storage, n: number, c: number, window: Window2d): void {
    this.pool(1, 1, dy, dx, null, n, c, window);
  }

  /** kind 0 max, 1 average; src/dst are x/out forward and dy/dx backward (sizes checked in C++). */
  private pool(kind: 0 | 1, grad: 0 | 1, src: Storage, dst: Storage, argmax: Storage | null, n: number, c: number,
    window: Window2d): void {
    const fn = `${kind ? 'avg' : 'max'}Pool2d${grad ? 'Grad' : ''}`;
    if (dst.dtype !== src.dtype) throw new Error(`${fn}: dtypes differ (${src.dtype} and ${dst.dtype})`);
    if (argmax && argmax.dtype !== 'int32') throw new Error(`${fn}: 'argmax' must be int32, got ${argmax.dtype}`);
    const m = this.writeMeta(Float64Array.from(windowMeta(window)));
    this.check(this.wasm.ng_pool(kind, grad, DTYPE_CODE[src.dtype], ptr(src), src.size, ptr(dst), dst.size,
      argmax ? ptr(argmax) : 0, argmax ? argmax.size : 0, n, c, this.meta, m));
  }

  private checkSame(fn: string, first: Storage, all: readonly (readonly [string, Storage])[], n: number): void {
    for (const [name, s] of all) {
      if (s.dtype !== first.dtype) throw new Error(`${fn}: '${name}' must be ${first.dtype}, got ${s.dtype}`);
      this.sized(fn, name, s, n);
    }
  }
  conv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void {
    this.conv(0, 0, x, filter, y, spec, bias);
  }

  conv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void {
    this.conv(1, 0, dy, filter, dx, spec);
  }

  conv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    this.conv(2, 0, x, dy, dFilter, spec);
  }

  conv2dBackward(x: Storage, dy: Storage, filter: Storage, dx: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    const named = [['dy', dy], ['filter', filter], ['dx', dx], ['dfilter', dFilter]] as const;
    for (const [name, s] of named) {
      if (s.dtype !== x.dtype) throw new Error(`conv2dBackward: '${name}' must be ${x.dtype}, got ${s.dtype}`);
    }
    const n = this.writeMeta(conv2dMeta(spec));
    this.check(this.wasm.ng_conv2d_backward(DTYPE_CODE[x.dtype], ptr(x), x.size, ptr(dy), dy.size, ptr(filter),
      filter.size, ptr(dx), dx.size, ptr(dFilter), dFilter.size, this.meta, n));
  }

  depthwiseConv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void {
    this.conv(0, 1, x, filter, y, spec, bias);
  }

  depthwiseConv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void {
    this.conv(1, 1, dy, filter, dx, spec);
  }

  depthwiseConv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    this.conv(2, 1, x, dy, dFilter, spec);
  }

  /** pass 0: (x, filter, y); 1: (dy, filter, dx); 2: (x, dy, dFilter). The module checks every length. */
  private conv(pass: 0 | 1 | 2, depthwise: 0 | 1, a: Storage, b: Storage, out: Storage, spec: Conv2dSpec,
    bias?: Storage): void {
    const fn = `${depthwise ? 'depthwiseConv2d' : 'conv2d'}${['', 'BackwardInput', 'BackwardFilter'][pass]!}`;
    const names = [['filter', 'y'], ['filter', 'dx'], ['dy', 'dfilter']][pass]!;
    for (const [name, s] of [[names[0]!, b], [names[1]!, out], ['bias', bias]] as const) {
      if (s && s.dtype !== a.dtype) throw new Error(`${fn}: '${name}' must be ${a.dtype}, got ${s.dtype}`);
    }
    const n = this.writeMeta(conv2dMeta(spec));
    this.check(this.wasm.ng_conv2d(pass, depthwise, DTYPE_CODE[a.dtype], ptr(a), a.size, ptr(b), b.size, ptr(out),
      out.size, bias ? ptr(bias) : 0, bias ? bias.size : 0, this.meta, n));
  }
}
