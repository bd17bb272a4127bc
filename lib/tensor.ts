import { type BackwardOptions, runBackward } from './autograd/engine.js';
import type { GradNode } from './autograd/node.js';
import type { Backend, Storage } from './backend/backend.js';
import { DTYPE_BYTES, type DType, type TypedArray, typedArrayFor } from './dtype.js';
import { Holder, releaseTensor, trackTensor } from './memory.js';
import * as binary from './ops/binary.js';
import * as conv from './ops/conv.js';
import * as indexing from './ops/indexing.js';
import * as losses from './ops/losses.js';
import * as unary from './ops/unary.js';
import * as linalg from './ops/matmul.js';
import * as reduce from './ops/reduce.js';
import * as shapeOps from './ops/shape-ops.js';
import * as pool from './ops/pool.js';
import { type Shape, frozenShape, shapeString, sizeOf } from './shape.js';

export type TensorLike = Tensor | number;

/**
 * An n-dimensional array of float32, int32 or float64 on one backend. Tensors are
 * immutable: every op returns a new tensor. Memory is released by dispose(), by
 * ng.tidy(), or by the garbage collector.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** @internal */
  readonly backend: Backend;
  /** @internal */
  storage: Storage;
  private readonly holder: Holder;
  private disposed = false;
  private leafRequiresGrad = false;
  /** d(loss)/d(this), filled by backward() on leaves (and on tensors that called retainGrad()). */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor, when it was recorded for backward(). */
  gradFn: GradNode | null = null;
  /** @internal */
  retainsGrad = false;

  /** @internal Use ng.tensor(), ng.zeros() and the other creation functions. */
  constructor(backend: Backend, storage: Storage, shape: Shape, holder?: Holder) {
    this.backend = backend;
    this.storage = storage;
    this.shape = frozenShape(shape);
    this.dtype = storage.dtype;
    this.size = sizeOf(shape);
    this.holder = holder ?? new Holder(backend, storage, storage.size * DTYPE_BYTES[storage.dtype]);
    trackTensor(this, this.holder);
  }

  /** @internal A tensor of another shape over the same buffer (same size). */
  withShape(shape: Shape): Tensor {
    this.assertLive('reshape');
    return new Tensor(this.backend, this.storage, shape, this.holder);
  }

  /**
   * Whether gradients flow to this tensor. Set it on leaves (tensors you create); results
   * of ops on such tensors require grad themselves. Only float tensors can.
   */
  get requiresGrad(): boolean {
    return this.leafRequiresGrad || this.gradFn !== null;
  }

  set requiresGrad(value: boolean) {
    if (this.gradFn) throw new Error('requiresGrad: can only be set on a leaf tensor, not on the result of an op (use detach())');
    if (value && this.dtype === 'int32') throw new Error('requiresGrad: only float32 and float64 tensors can require gradients, got int32');
    this.leafRequiresGrad = value;
  }

  /** True for tensors not produced by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Makes backward() fill .grad of this non-leaf tensor too. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad and
   * adds it to their .grad. `grad` (same shape) is needed unless this has one element.
   */
  backward(grad?: Tensor, options?: BackwardOptions): void {
    this.assertLive('backward');
    runBackward(this, grad, options);
  }

  /** Drops .grad. */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  /** The same values as a leaf that does not require grad (shares memory). */
  detach(): Tensor {
    this.assertLive('detach');
    return new Tensor(this.backend, this.storage, this.shape, this.holder);
  }

  /**
   * @internal Writes `values` into this tensor's own memory, in place (gradient checking,
   * optimizer updates). Every tensor sharing the buffer (reshapes) sees the change.
   */
  overwrite(values: ArrayLike<number>): void {
    this.assertLive('overwrite');
    if (values.length !== this.size) {
      throw new Error(`overwrite: ${values.length} values for a tensor of ${this.size} elements`);
    }
    const data = typedArrayFor(this.dtype, this.size);
    for (let i = 0; i < data.length; i++) data[i] = values[i]!;
    const src = this.backend.upload(this.dtype, data);
    this.backend.copyStrided(src, this.storage, [this.size], 0, [1], 0, [1]);
    this.backend.free(src);
    this.markWritten();
  }

  /**
   * @internal Counts in-place writes to this tensor's buffer (shared by its reshapes):
   * optimizer steps, loadStateDict, overwrite. Caches derived from the values (a packed
   * weight) are valid while it stays the same. Writing into the array dataSync() returns
   * is not seen: its documentation forbids it.
   */
  get version(): number {
    return this.holder.account.version;
  }

  /** @internal Records an in-place write to this tensor's buffer (see version). */
  markWritten(): void {
    this.holder.account.version++;
  }

  /** @internal A tensor of ones like this one (the seed of backward()). */
  onesLike(): Tensor {
    const t = new Tensor(this.backend, this.backend.alloc(this.dtype, this.size), this.shape);
    this.backend.fill(t.storage, 1);
    return t;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** @internal True when no other tensor (a reshape, a view) shares this tensor's buffer. */
  get ownsBufferAlone(): boolean {
    return this.holder.account.tensors === 1;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Releases the memory now. Using the tensor afterwards throws. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    releaseTensor(this.holder, this.storage);
  }

  /** @internal */
  assertLive(op: string): void {
    if (this.disposed) throw new Error(`${op}: tensor ${shapeString(this.shape)} ${this.dtype} was disposed`);
  }

  /**
   * The elements in row-major order. On the native and js backends this is the tensor's
   * own memory (zero-copy; do not modify it); on wasm it is a copy.
   */
  dataSync(): TypedArray {
    this.assertLive('dataSync');
    return this.backend.read(this.storage);
  }

  /** The elements, as dataSync(), through a promise. */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }

  /** The elements as nested arrays (a number for a scalar). */
  toArray(): number | NestedArray {
    const data = this.dataSync();
    if (this.rank === 0) return data[0]!;
    const build = (dim: number, offset: number): NestedArray => {
      const n = this.shape[dim]!;
      const out: NestedArray = new Array(n);
      if (dim === this.rank - 1) {
        for (let i = 0; i < n; i++) out[i] = data[offset + i]!;
      } else {
        const stride = sizeOf(this.shape.slice(dim + 1));
        for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      }
      return out;
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: expected a tensor with one element, got shape ${shapeString(this.shape)}`);
    return this.dataSync()[0]!;
  }

  toString(): string {
    return this.disposed
      ? `Tensor(disposed, ${shapeString(this.shape)}, ${this.dtype})`
      : `Tensor(${JSON.stringify(this.toArray())}, shape=${shapeString(this.shape)}, dtype=${this.dtype})`;
  }

  add(b: TensorLike): Tensor { return binary.add(this, b); }
  sub(b: TensorLike): Tensor { return binary.sub(this, b); }
  mul(b: TensorLike): Tensor { return binary.mul(this, b); }
  div(b: TensorLike): Tensor { return binary.div(this, b); }
  maximum(b: TensorLike): Tensor { return binary.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return binary.minimum(this, b); }
  pow(b: TensorLike): Tensor { return binary.pow(this, b); }
  equal(b: TensorLike): Tensor { return binary.equal(this, b); }
  greater(b: TensorLike): Tensor { return binary.greater(this, b); }
  less(b: TensorLike): Tensor { return binary.less(this, b); }

  neg(): Tensor { return unary.neg(this); }
  exp(): Tensor { return unary.exp(this); }
  log(): Tensor { return unary.log(this); }
  sqrt(): Tensor { return unary.sqrt(this); }
  abs(): Tensor { return unary.abs(this); }
  square(): Tensor { return unary.square(this); }
  sign(): Tensor { return unary.sign(this); }
  clip(lo: number, hi: number): Tensor { return unary.clip(this, lo, hi); }
  sigmoid(): Tensor { return unary.sigmoid(this); }
  tanh(): Tensor { return unary.tanh(this); }
  relu(): Tensor { return unary.relu(this); }
  leakyRelu(alpha = 0.01): Tensor { return unary.leakyRelu(this, alpha); }
  elu(alpha = 1): Tensor { return unary.elu(this, alpha); }
  softplus(): Tensor { return unary.softplus(this); }
  softmax(axis = -1): Tensor { return unary.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return unary.logSoftmax(this, axis); }
  gather(indices: Tensor, axis = 0): Tensor { return indexing.gather(this, indices, axis); }
  indexSelect(axis: number, indices: Tensor): Tensor { return indexing.indexSelect(this, axis, indices); }
  pad(paddings: readonly (readonly [number, number])[], value = 0): Tensor { return shapeOps.pad(this, paddings, value); }
  softmaxCrossEntropy(labels: Tensor, options?: losses.LossOptions): Tensor {
    return losses.softmaxCrossEntropy(this, labels, options);
  }
  sigmoidCrossEntropy(targets: Tensor, options?: losses.LossOptions): Tensor {
    return losses.sigmoidCrossEntropy(this, targets, options);
  }

  sum(axis?: number | number[], keepDims = false): Tensor { return reduce.sum(this, axis, keepDims); }
  mean(axis?: number | number[], keepDims = false): Tensor { return reduce.mean(this, axis, keepDims); }
  max(axis?: number | number[], keepDims = false): Tensor { return reduce.max(this, axis, keepDims); }
  min(axis?: number | number[], keepDims = false): Tensor { return reduce.min(this, axis, keepDims); }
  argmax(axis?: number, keepDims = false): Tensor { return reduce.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims = false): Tensor { return reduce.argmin(this, axis, keepDims); }

  matmul(b: Tensor, options?: linalg.MatmulOptions): Tensor { return linalg.matmul(this, b, options); }
  /** 2-D convolution of this NHWC tensor with an HWIO filter (see ng.conv2d). */
  conv2d(filter: Tensor, options?: conv.Conv2dOptions): Tensor { return conv.conv2d(this, filter, options); }
  /** Depthwise 2-D convolution of this NHWC tensor (see ng.depthwiseConv2d). */
  depthwiseConv2d(filter: Tensor, options?: conv.Conv2dOptions): Tensor {
    return conv.depthwiseConv2d(this, filter, options);
  }

  reshape(shape: readonly number[]): Tensor { return shapeOps.reshape(this, shape); }
  flatten(): Tensor { return shapeOps.reshape(this, [-1]); }
  expandDims(axis = 0): Tensor { return shapeOps.expandDims(this, axis); }
  squeeze(axis?: number | number[]): Tensor { return shapeOps.squeeze(this, axis); }
  transpose(perm?: readonly number[]): Tensor { return shapeOps.transpose(this, perm); }
  permute(...dims: number[]): Tensor { return shapeOps.transpose(this, dims); }
  slice(begin: number | readonly number[], size?: number | readonly number[]): Tensor {
    return shapeOps.slice(this, begin, size);
  }
  astype(dtype: DType): Tensor { return shapeOps.astype(this, dtype); }
  /** A copy with its own memory. */
  clone(): Tensor { return shapeOps.clone(this); }
  broadcastTo(shape: readonly number[]): Tensor { return shapeOps.broadcastTo(this, shape); }

  maxPool2d(options?: pool.Pool2dOptions): Tensor { return pool.maxPool2d(this, options); }
  avgPool2d(options?: pool.Pool2dOptions): Tensor { return pool.avgPool2d(this, options); }
  globalMaxPool2d(): Tensor { return pool.globalMaxPool2d(this); }
  globalAvgPool2d(): Tensor { return pool.globalAvgPool2d(this); }
  globalMaxPool1d(): Tensor { return pool.globalMaxPool1d(this); }
  globalAvgPool1d(): Tensor { return pool.globalAvgPool1d(this); }
}

export type NestedArray = (number | NestedArray)[];
