/** Shape arithmetic and validation shared by every op. */

export type Shape = readonly number[];

export const MAX_DIMS = 8;

export function shapeString(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Validates a user-given shape: non-negative safe integers. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of non-negative integers, got ${String(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new Error(`${op}: shape must be an array of non-negative integers, got [${shape.map(String).join(',')}]`);
    }
  }
  if (shape.length > MAX_DIMS) throw new Error(`${op}: at most ${MAX_DIMS} dimensions are supported, got ${shape.length}`);
  const size = sizeOf(shape);
  if (!Number.isSafeInteger(size) || size > 2 ** 40) throw new Error(`${op}: shape ${shapeString(shape)} is too large`);
  return shape.slice();
}

// Frozen shapes of rank 1 to 4 whose dims are below INTERN_LIMITS[rank] (2^40, 2^26, 2^17,
// 2^13: the key, the dims in that base, stays a safe integer), shared by the tensors that
// have them: freezing a new array is a V8 runtime call that cost about as much as the
// kernel of a small op, and the same few shapes recur in every training step.
const INTERN_LIMITS = [0, 2 ** 40, 2 ** 26, 2 ** 17, 2 ** 13];
const INTERN_MAX_ENTRIES = 4096;
const interned = INTERN_LIMITS.map(() => new Map<number, Shape>());
const SCALAR_SHAPE: Shape = Object.freeze([]);

/** A frozen copy of shape (itself when it is frozen already), shared where possible. */
export function frozenShape(shape: Shape): Shape {
  if (Object.isFrozen(shape)) return shape;
  const rank = shape.length;
  if (rank === 0) return SCALAR_SHAPE;
  if (rank < INTERN_LIMITS.length) {
    const limit = INTERN_LIMITS[rank]!;
    let key = 0;
    let i = 0;
    for (; i < rank; i++) {
      const d = shape[i]!;
      if (!(d < limit && Number.isInteger(d))) break;
      key = key * limit + d;
    }
    if (i === rank) {
      const map = interned[rank]!;
      let s = map.get(key);
      if (s === undefined) {
        if (map.size >= INTERN_MAX_ENTRIES) map.clear();
        s = Object.freeze(shape.slice());
        map.set(key, s);
      }
      return s;
    }
  }
  return Object.freeze(shape.slice());
}

export function sizeOf(shape: Shape): number {
  // Indexed: for-of over a tensor's (frozen) shape runs about 2x slower in V8, and this is
  // on every op's path.
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolves a possibly negative axis; throws naming the op and the rank. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted, unique, normalized axes; undefined means all axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : Array.from(axis);
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw new Error(`${op}: repeated axis in [${list.join(',')}]`);
  return out;
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${shapeString(a)} and ${shapeString(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape` as if it had `target` shape (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  return target.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j]!;
  });
}

/**
 * Merges adjacent dims that every operand walks contiguously, so kernels see the fewest,
 * longest loops. Dims of size 1 are dropped. Returns at least one dim.
 */
export function coalesce(shape: Shape, strideSets: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = outShape.length - 1;
    const mergeable =
      last >= 0 && strideSets.every((s, k) => outStrides[k]![last] === s[i]! * d);
    if (mergeable) {
      outShape[last] = outShape[last]! * d;
      strideSets.forEach((s, k) => (outStrides[k]![last] = s[i]!));
    } else {
      outShape.push(d);
      strideSets.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strideSets.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
