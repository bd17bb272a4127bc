import { randomBytes } from 'node:crypto';
import { philox4x32_10 } from './philox.js';

/**
 * The global generator state behind ng.seed(): a key below 2^53 and the next Philox
 * block. Every random op takes a fresh range of blocks, so one seed gives the same
 * numbers on every backend, and no two ops share a block.
 */
let key = randomBytes(4).readUInt32LE(0);
let nextBlock = 0;

export function seed(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`seed: expected a non-negative integer below 2^53, got ${n}`);
  key = n;
  nextBlock = 0;
}

/** Reserves `blocks` Philox blocks; returns the key and the first block. */
export function takeBlocks(blocks: number): { seed: number; block: number } {
  const block = nextBlock;
  nextBlock += blocks;
  if (!Number.isSafeInteger(nextBlock)) nextBlock = 0;  // 2^53 blocks used: wrap rather than lose precision
  return { seed: key, block };
}

/** A new seed below 2^31 drawn from the global generator, so ng.seed() makes it reproducible. */
export function drawSeed(): number {
  const { seed: k, block } = takeBlocks(1);
  const words = new Uint32Array(4);
  philox4x32_10(k, block, words);
  return words[0]! >>> 1;
}
