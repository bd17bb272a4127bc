import { DTYPE_BYTES, DTYPE_CODE, type DType, type TypedArray } from '../dtype.js';

/** Buffers up to this size are recycled; larger ones are cheap to allocate relative to their use. */
const MAX_POOLED_BYTES = 16 * 1024;
/** At most this many idle buffers of one dtype and size, and this many bytes idle in all. */
const MAX_PER_KEY = 64;
const MAX_TOTAL_BYTES = 4 * 1024 * 1024;

/**
 * Disposed small buffers kept for reuse. Allocating a V8 ArrayBuffer costs about 1 µs,
 * which dominates an op on a small tensor; a training step allocates the same sizes over
 * and over, so recycling them removes that cost. Only buffers whose memory was never
 * handed out to user code (see ArrayStorage.exposed) are pooled, so no live view can
 * observe a recycled buffer.
 */
export class BufferPool {
  /** Idle buffers by dtype code, then by element count (a Map would hash every lookup). */
  private readonly idle: (TypedArray[] | undefined)[][] = (['float32', 'int32', 'float64'] as const)
    .map((d) => new Array<TypedArray[] | undefined>(MAX_POOLED_BYTES / DTYPE_BYTES[d] + 1));
  private idleBytes = 0;

  /** A zero-filled buffer of `size` elements from the pool, or null. */
  take(dtype: DType, size: number): TypedArray | null {
    const list = this.idle[DTYPE_CODE[dtype]]![size];
    const buf = list?.pop();
    if (!buf) return null;
    this.idleBytes -= buf.byteLength;
    buf.fill(0);
    return buf;
  }

  /** Keeps `buf` for reuse; false when it is too large or the pool is full. */
  give(dtype: DType, buf: TypedArray): boolean {
    const bytes = buf.length * DTYPE_BYTES[dtype];
    if (bytes === 0 || bytes > MAX_POOLED_BYTES || this.idleBytes + bytes > MAX_TOTAL_BYTES) return false;
    const bySize = this.idle[DTYPE_CODE[dtype]]!;
    let list = bySize[buf.length];
    if (!list) bySize[buf.length] = list = [];
    if (list.length >= MAX_PER_KEY) return false;
    list.push(buf);
    this.idleBytes += bytes;
    return true;
  }

  /** Bytes held idle. */
  get bytes(): number {
    return this.idleBytes;
  }
}
