import { DTYPE_BYTES, DTYPE_CODE, type DType, type TypedArray } from '../dtype.js';

/**
 * Buffers up to this size are recycled: a dense layer's activations and weight gradients, and
 * a 2048² float32 product (a fresh 16 MB buffer cost 0.6 ms and its page faults, 2-4% of a
 * 2048³ matmul on 2 threads). The idle total stays capped by MAX_TOTAL_BYTES.
 */
const MAX_POOLED_BYTES = 16 * 1024 * 1024;
/** Sizes up to this are looked up in arrays (a Map hashes its key on every call). */
const SMALL_BYTES = 16 * 1024;
/** At most this many idle buffers of one dtype and size, and this many bytes idle in all. */
const MAX_PER_KEY = 64;
/** Above this size, at most one idle buffer per size: enough for a repeated large product. */
const ONE_PER_KEY_BYTES = 4 * 1024 * 1024;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/**
 * Disposed buffers kept for reuse. Allocating a V8 ArrayBuffer costs about 1 µs, which
 * dominates an op on a small tensor, and a large one costs page faults on fresh memory;
 * a training step allocates the same sizes over and over, so recycling them removes both.
 * Only buffers whose memory was never handed out to user code (see ArrayStorage.exposed)
 * are pooled, so no live view can observe a recycled buffer.
 */
export class BufferPool {
  /** Small idle buffers by dtype code, then by element count. */
  private readonly small: (TypedArray[] | undefined)[][] = (['float32', 'int32', 'float64'] as const)
    .map((d) => new Array<TypedArray[] | undefined>(SMALL_BYTES / DTYPE_BYTES[d] + 1));
  /** Larger idle buffers by size·4 + dtype code. */
  private readonly large = new Map<number, TypedArray[]>();
  private idleBytes = 0;

  private list(dtype: DType, size: number, create: boolean): TypedArray[] | undefined {
    const code = DTYPE_CODE[dtype];
    if (size * DTYPE_BYTES[dtype] <= SMALL_BYTES) {
      const bySize = this.small[code]!;
      if (create && !bySize[size]) bySize[size] = [];
      return bySize[size];
    }
    const key = size * 4 + code;
    let list = this.large.get(key);
    if (create && !list) this.large.set(key, (list = []));
    return list;
  }

  /**
   * A buffer of `size` elements from the pool, or null. It holds whatever its last tensor
   * left (Backend.alloc promises no contents; every kernel writes its whole output), so no
   * time goes into clearing memory that is about to be overwritten.
   */
  take(dtype: DType, size: number): TypedArray | null {
    const buf = this.list(dtype, size, false)?.pop();
    if (!buf) return null;
    this.idleBytes -= buf.byteLength;
    return buf;
  }

  /** Keeps `buf` for reuse; false when it is too large or the pool is full. */
  give(dtype: DType, buf: TypedArray): boolean {
    const bytes = buf.length * DTYPE_BYTES[dtype];
    if (bytes === 0 || bytes > MAX_POOLED_BYTES || this.idleBytes + bytes > MAX_TOTAL_BYTES) return false;
    const list = this.list(dtype, buf.length, true)!;
    if (list.length >= (bytes > ONE_PER_KEY_BYTES ? 1 : MAX_PER_KEY)) return false;
    list.push(buf);
    this.idleBytes += bytes;
    return true;
  }

  /** Bytes held idle. */
  get bytes(): number {
    return this.idleBytes;
  }
}
