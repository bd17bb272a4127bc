// The native backend recycles small disposed buffers; recycling must never let a view the
// user holds see another tensor's data.
import { existsSync, readFileSync } from 'node:fs';

import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { BufferPool } from '../lib/backend/buffer-pool.js';
import { backendNamed } from '../lib/backend/registry.js';

afterAll(() => ng.setBackend('js'));

describe('buffer pool', () => {
  it('returns buffers of the same dtype and size only, as they were left', () => {
    const pool = new BufferPool();
    const a = new Float32Array(8).fill(3);
    expect(pool.give('float32', a)).toBe(true);
    expect(pool.take('float64', 8)).toBeNull();
    expect(pool.take('float32', 7)).toBeNull();
    const b = pool.take('float32', 8);
    expect(b).toBe(a);
    expect(Array.from(b!)).toEqual(new Array(8).fill(3));  // not cleared: every kernel overwrites its output
    expect(pool.take('float32', 8)).toBeNull();
  });

  it('refuses large buffers and stops growing at its byte cap', () => {
    const pool = new BufferPool();
    expect(pool.give('float32', new Float32Array((4 << 20) + 16))).toBe(false);  // above 16 MB
    const square2048 = new Float32Array(2048 * 2048);  // 16 MB: a large product's output
    expect(pool.give('float32', square2048)).toBe(true);
    expect(pool.give('float32', new Float32Array(2048 * 2048))).toBe(false);  // one idle per size above 4 MB
    expect(pool.take('float32', 2048 * 2048)).toBe(square2048);
    const big = new Float64Array(100_000).fill(1);
    expect(pool.give('float64', big)).toBe(true);
    expect(pool.take('float64', 100_000)).toBe(big);
    let given = 0;
    for (let size = 1000; size <= 1 << 20; size *= 2) {
      for (let i = 0; i < 64; i++) if (pool.give('float32', new Float32Array(size))) given += size * 4;
    }
    expect(pool.bytes).toBe(given);
    expect(pool.bytes).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(pool.bytes).toBeGreaterThan(30 * 1024 * 1024);
  });

  it('native: a disposed tensor whose data was never read is reused', () => {
    ng.setBackend('native');
    const be = backendNamed('native');
    const s = be.alloc('float32', 16);
    be.free(s);
    const t = be.alloc('float32', 16);
    expect((t as unknown as { data: Float32Array }).data).toBe((s as unknown as { data: Float32Array }).data);
  });

  it('native: a view handed out by dataSync() is never recycled into another tensor', () => {
    ng.setBackend('native');
    const x = ng.tensor([1, 2, 3, 4]);
    const view = x.dataSync();
    x.dispose();
    expect(view.length).toBe(0);  // detached at dispose, as before pooling
    const others = Array.from({ length: 100 }, () => ng.full([4], 9));
    expect(view.length).toBe(0);
    ng.dispose(others);
  });

  it('native: results stay right while buffers are recycled through a training-like loop', () => {
    ng.setBackend('native');
    const x = ng.tensor([1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 0; i < 1000; i++) {
      const y = ng.tidy(() => x.mul(2).add(1).sub(x));
      expect(Array.from(y.dataSync())).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      y.dispose();
    }
  });

  it('native: recycled buffers full of NaN change no result of a training step (every kernel writes all its output)', () => {
    ng.setBackend('native');
    const pool = (backendNamed('native') as unknown as { pool: BufferPool }).pool;
    const poison = () => {
      const lists = pool as unknown as { small: (ng.TypedArray[] | undefined)[][]; large: Map<number, ng.TypedArray[]> };
      for (const bySize of lists.small) for (const list of bySize) for (const b of list ?? []) b.fill(NaN);
      for (const list of lists.large.values()) for (const b of list) b.fill(NaN);
    };
    const step = (): number[] => ng.tidy(() => {
      ng.seed(11);
      const conv = new ng.nn.Conv2d(3, 4, 3, { padding: 'same', activation: 'relu' });
      const bn = new ng.nn.BatchNorm2d(4);
      const fc = new ng.nn.Linear(4 * 6 * 6, 5, { activation: 'tanh' });
      const x = ng.randn([2, 6, 6, 3]);
      const pooled = ng.maxPool2d(bn.call(conv.call(x)), { poolSize: 1 });
      const logits = fc.call(pooled.reshape([2, 4 * 6 * 6]));
      const loss = ng.softmaxCrossEntropy(logits, ng.tensor([1, 3], [2], 'int32')).add(logits.square().mean().mul(0.1));
      loss.backward();
      const grads = [...conv.parameters(), ...bn.parameters(), ...fc.parameters()].flatMap((p) => Array.from(p.grad!.dataSync()));
      return [...Array.from(loss.dataSync()), ...grads, ...Array.from(logits.softmax(-1).sum(0).dataSync())];
    });
    const clean = step();
    expect(clean.every(Number.isFinite)).toBe(true);
    for (let round = 0; round < 3; round++) {
      poison();
      expect(step()).toEqual(clean);
    }
  });
});

// Large native buffers are advised for transparent huge pages (native/runtime/scratch.h):
// streamed operands otherwise miss the TLB on every 4 KB page. Linux only. Whether the kernel
// then finds free 2 MB pages is its affair (it may not, under memory pressure), so the test
// checks the advice itself: the buffer's mapping carries the "hg" (MADV_HUGEPAGE) flag.
describe('huge pages', () => {
  // Linux with transparent huge pages built in (madvise fails with EINVAL otherwise).
  const linux = existsSync('/proc/self/smaps') && existsSync('/sys/kernel/mm/transparent_hugepage/enabled');
  /** Sizes in kB of this process's mappings advised MADV_HUGEPAGE. */
  const advisedKb = () => readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)
    .filter((block) => /^VmFlags:.* hg\b/m.test(block))
    .map((block) => Number(/^Size:\s+(\d+) kB/m.exec(block)?.[1] ?? 0));

  it(`advise a large native tensor's pages (${linux ? 'Linux with THP' : 'no THP here: nothing to check'})`, () => {
    ng.setBackend('native');
    const t = ng.ones([16 << 20]);  // 64 MB
    expect(t.dataSync()[(16 << 20) - 1]).toBe(1);
    if (linux) expect(Math.max(0, ...advisedKb())).toBeGreaterThanOrEqual(60 * 1024);  // all but the unaligned ends
    t.dispose();
  });
});
