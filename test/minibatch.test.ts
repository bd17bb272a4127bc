// randomMiniBatches / shuffleTogether: partition sizes, x and y kept in sync, determinism
// from the seed (the same on every backend), the smaller last batch.
import { describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { permutation as randomPermutation } from '../lib/data/shuffle.js';
import { CONFIGS } from './backends.js';

const BACKENDS = [...new Set(CONFIGS.map((c) => c.backend))];

/** m examples: x row i is [i, 10i + 0.5, −i] (float32), y is i (int32), so pairs are checkable. */
function data(m: number): [ng.Tensor, ng.Tensor] {
  const x = ng.tensor(Array.from({ length: m }, (_, i) => [i, 10 * i + 0.5, -i]));
  const y = ng.tensor(Array.from({ length: m }, (_, i) => i), [m], 'int32');
  return [x, y];
}

function rowsOf(x: ng.Tensor): number[] {
  return (x.toArray() as number[][]).map((r) => r[0]!);
}

describe.each(BACKENDS)('mini-batches on %s', (backend) => {
  it('partitions a shuffled copy: ⌈m/b⌉ batches, the last smaller, every example once, x and y in sync', () => {
    ng.setBackend(backend);
    const [x, y] = data(148);
    const batches = ng.randomMiniBatches(x, y, 64, 7);
    expect(batches.map(([bx, by]) => [bx.shape, by.shape])).toEqual([
      [[64, 3], [64]], [[64, 3], [64]], [[20, 3], [20]],
    ]);
    const seen: number[] = [];
    for (const [bx, by] of batches) {
      expect(bx.dtype).toBe('float32');
      expect(by.dtype).toBe('int32');
      const ids = Array.from(by.dataSync());
      expect(rowsOf(bx)).toEqual(ids);
      expect(bx.toArray()).toEqual(ids.map((i) => [i, 10 * i + 0.5, -i]));
      seen.push(...ids);
    }
    expect(seen.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 148 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 148 }, (_, i) => i));  // shuffled
  });

  it('is deterministic from the seed and the same on every backend', () => {
    ng.setBackend(backend);
    const [x, y] = data(50);
    const order = (seed?: number) => ng.randomMiniBatches(x, y, 16, seed).flatMap(([, by]) => Array.from(by.dataSync()));
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
    expect(order(3)).toEqual(Array.from(randomPermutation(50, 3)));
    // Without a seed: the global generator, reproducible through ng.seed.
    ng.seed(11);
    const a = order();
    const next = order();
    ng.seed(11);
    expect(order()).toEqual(a);
    expect(next).not.toEqual(a);
  });

  it('handles batch sizes that divide m, exceed it, and batches of one', () => {
    ng.setBackend(backend);
    const [x, y] = data(12);
    expect(ng.randomMiniBatches(x, y, 4, 1).map(([bx]) => bx.shape[0])).toEqual([4, 4, 4]);
    expect(ng.randomMiniBatches(x, y, 100, 1).map(([bx]) => bx.shape[0])).toEqual([12]);
    expect(ng.randomMiniBatches(x, y, 5, 1).map(([bx]) => bx.shape[0])).toEqual([5, 5, 2]);
    expect(ng.randomMiniBatches(x, y, 1, 1)).toHaveLength(12);
  });

  it('shuffleTogether keeps pairs and applies one permutation to both', () => {
    ng.setBackend(backend);
    const [x, y] = data(30);
    const [sx, sy] = ng.shuffleTogether(x, y, 9);
    const ids = Array.from(sy.dataSync());
    expect(ids).toEqual(Array.from(randomPermutation(30, 9)));
    expect(rowsOf(sx)).toEqual(ids);
    // Labels of any shape along axis 0 (one-hot rows here).
    const oneHot = ng.tensor(Array.from({ length: 30 }, (_, i) => [i % 2, 1 - (i % 2)]));
    const [, sh] = ng.shuffleTogether(x, oneHot, 9);
    expect((sh.toArray() as number[][]).map((r) => r[0])).toEqual(ids.map((i) => i % 2));
  });
});

describe('mini-batch errors', () => {
  it('refuses mismatched or bad arguments', () => {
    const [x, y] = data(10);
    const y9 = ng.zeros([9]);
    expect(() => ng.randomMiniBatches(x, y9, 4)).toThrow(/randomMiniBatches: x \[10,3\] and y \[9\] hold different numbers of examples/);
    expect(() => ng.randomMiniBatches(x, y, 0)).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => ng.randomMiniBatches(x, y, 2.5)).toThrow(/batchSize must be an integer/);
    expect(() => ng.randomMiniBatches(x, y, 4, -1)).toThrow(/seed must be a non-negative integer/);
    expect(() => ng.randomMiniBatches([1, 2] as never, y)).toThrow(/randomMiniBatches: x must be a Tensor/);
    expect(() => ng.shuffleTogether(x, ng.scalar(1))).toThrow(/shuffleTogether: y must have a batch axis/);
  });

  it('a permutation is uniform enough: every position takes many values over seeds', () => {
    const counts = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
    for (let seed = 0; seed < 2000; seed++) randomPermutation(5, seed).forEach((v, pos) => counts[pos]![v]!++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - 400)).toBeLessThan(100);
  });
});
