import { randomBlocksUniformF64, randomUniformF64 } from '../random/philox.js';
import { takeBlocks } from '../random/state.js';

/**
 * A seeded random permutation of 0..n-1 (Fisher-Yates on Philox uniforms). With `seed`
 * the result depends on the seed alone; without it, numbers come from the global
 * generator, so ng.seed() makes the sequence of calls reproducible. `stream` picks one of
 * many independent permutations under one seed (fit() uses the epoch number).
 */
export function permutation(n: number, seed?: number, stream = 0): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new Error(`permutation: n must be a non-negative integer below 2^31, got ${n}`);
  }
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
    throw new Error(`permutation: seed must be a non-negative integer below 2^53, got ${seed}`);
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2) return perm;
  const u = new Float64Array(n);
  const blocks = randomBlocksUniformF64(n);
  const src = seed === undefined ? takeBlocks(blocks) : { seed, block: stream * blocks };
  randomUniformF64(u, src.seed, src.block, 0, 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}
