import { noGrad } from '../autograd/mode.js';
import { shapeString } from '../shape.js';
import { permutation } from './shuffle.js';
import { Tensor } from '../tensor.js';

function checkData(fn: string, x: unknown, y: unknown): [Tensor, Tensor] {
  for (const [v, name] of [[x, 'x'], [y, 'y']] as const) {
    if (!(v instanceof Tensor)) throw new Error(`${fn}: ${name} must be a Tensor`);
    v.assertLive(fn);
    if (v.rank === 0) throw new Error(`${fn}: ${name} must have a batch axis (axis 0), got a scalar`);
  }
  const [a, b] = [x as Tensor, y as Tensor];
  if (a.shape[0] !== b.shape[0]) {
    throw new Error(`${fn}: x ${shapeString(a.shape)} and y ${shapeString(b.shape)} hold different numbers of examples along axis 0`);
  }
  return [a, b];
}

function checkSeed(fn: string, seed: number | undefined): void {
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
    throw new Error(`${fn}: seed must be a non-negative integer below 2^53, got ${String(seed)}`);
  }
}

/** Rows idx[begin, end) of x and of y, as new tensors (no autograd graph). */
function take(x: Tensor, y: Tensor, idx: Int32Array, begin: number, end: number): [Tensor, Tensor] {
  return noGrad(() => [x, y].map((t) => {
    const i = new Tensor(t.backend, t.backend.upload('int32', idx.subarray(begin, end)), [end - begin]);
    const out = t.indexSelect(0, i);
    i.dispose();
    return out;
  }) as [Tensor, Tensor]);
}

/**
 * x and y shuffled along axis 0 with one permutation, so example i of one stays paired with
 * example i of the other. Deterministic for a given seed (see permutation in shuffle.ts).
 */
export function shuffleTogether(x: Tensor, y: Tensor, seed?: number): [Tensor, Tensor] {
  const fn = 'shuffleTogether';
  const [a, b] = checkData(fn, x, y);
  checkSeed(fn, seed);
  const m = a.shape[0]!;
  return take(a, b, permutation(m, seed), 0, m);
}

/**
 * Shuffles (x, y) together along axis 0 (examples) and partitions them into mini-batches of
 * batchSize examples: ⌈m / batchSize⌉ pairs [xBatch, yBatch], the last one smaller when
 * batchSize does not divide m (it is kept, as the course's random_mini_batches does). The
 * same seed gives the same batches on every backend; without one the global generator
 * (ng.seed) is used. The batches are new tensors holding copies, recorded in no graph.
 */
export function randomMiniBatches(x: Tensor, y: Tensor, batchSize = 64, seed?: number): [Tensor, Tensor][] {
  const fn = 'randomMiniBatches';
  const [a, b] = checkData(fn, x, y);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${fn}: batchSize must be an integer >= 1, got ${String(batchSize)}`);
  checkSeed(fn, seed);
  const m = a.shape[0]!;
  const perm = permutation(m, seed);
  const batches: [Tensor, Tensor][] = [];
  for (let begin = 0; begin < m; begin += batchSize) batches.push(take(a, b, perm, begin, Math.min(m, begin + batchSize)));
  return batches;
}
