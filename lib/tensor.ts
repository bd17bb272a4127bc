import type { Backend, Storage } from './backend/backend.js';
import { DTYPE_BYTES, type DType, type TypedArray } from './dtype.js';
import { Holder, releaseTensor, trackTensor } from './memory.js';
import * as binary from './ops/binary.js';
import * as linalg from './ops/matmul.js';
import * as reduce from './ops/reduce.js';
import * as shapeOps from './ops/shape-ops.js';
import { type Shape, shapeString, sizeOf } from './shape.js';

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

  /** @internal Use ng.tensor(), ng.zeros() and the other creation functions. */
  constructor(backend: Backend, storage: Storage, shape: Shape, holder?: Holder) {
    this.backend = backend;
    this.storage = storage;
    this.shape = Object.freeze(shape.slice());
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

  get rank(): number {
    return this.shape.length;
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

  sum(axis?: number | number[], keepDims = false): Tensor { return reduce.sum(this, axis, keepDims); }
  mean(axis?: number | number[], keepDims = false): Tensor { return reduce.mean(this, axis, keepDims); }
  max(axis?: number | number[], keepDims = false): Tensor { return reduce.max(this, axis, keepDims); }
  min(axis?: number | number[], keepDims = false): Tensor { return reduce.min(this, axis, keepDims); }
  argmax(axis?: number, keepDims = false): Tensor { return reduce.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims = false): Tensor { return reduce.argmin(this, axis, keepDims); }

  matmul(b: Tensor): Tensor { return linalg.matmul(this, b); }

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
}

export type NestedArray = (number | NestedArray)[];
