// Memory stays flat when tensors are dropped without dispose(), on every backend.
import { setImmediate as tick } from 'node:timers/promises';

import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import type { BackendName } from '../lib/backend/backend.js';

afterAll(() => ng.setBackend('js'));

const COUNT = 200_000;
const SIZE = 1000;  // float32: 4 kB each, 800 MB in all
const LIMIT = 100 * 2 ** 20;

/**
 * Creates and drops COUNT tensors, yielding to the event loop every `yieldEvery` (0 = a
 * purely synchronous loop), and returns the largest RSS growth seen.
 */
async function churn(backend: BackendName, yieldEvery: number): Promise<number> {
  ng.setBackend(backend);
  // Warm up with the same loop, so the baseline includes V8's steady-state heap sizing
  // (the young generation grows to its working size once) and only growth that keeps
  // accumulating over the long loop counts.
  for (let i = 0; i < COUNT / 10; i++) {
    ng.ones([SIZE]);
    if (yieldEvery && i % yieldEvery === 0) await tick();
  }
  await tick();
  const base = process.memoryUsage().rss;
  let peak = 0;
  for (let i = 0; i < COUNT; i++) {
    const t = ng.ones([SIZE]);
    if (t.size !== SIZE) throw new Error('unreachable');
    if (i % 5000 === 0) peak = Math.max(peak, process.memoryUsage().rss - base);
    if (yieldEvery && i % yieldEvery === 0) await tick();
  }
  return Math.max(peak, process.memoryUsage().rss - base);
}

describe('memory without dispose', () => {
  it.each(['native', 'js'] as const)('%s: a synchronous loop of 200,000 dropped 4 kB tensors grows < 100 MB', async (b) => {
    const growth = await churn(b, 0);
    console.log(`${b}: peak RSS growth ${(growth / 2 ** 20).toFixed(1)} MB over ${COUNT} tensors`);
    expect(growth).toBeLessThan(LIMIT);
  });

  it('wasm: a loop that yields to the event loop (as a server does) grows < 100 MB', async () => {
    const growth = await churn('wasm', 1000);
    console.log(`wasm: peak RSS growth ${(growth / 2 ** 20).toFixed(1)} MB over ${COUNT} tensors`);
    expect(growth).toBeLessThan(LIMIT);
  });

  it.each(['native', 'wasm', 'js'] as const)('%s: tidy() and dispose() release memory at once, memory() counts it', (b) => {
    ng.setBackend(b);
    const before = ng.memory().backends[b] ?? { tensors: 0, bytes: 0 };
    const kept = ng.tidy(() => {
      const x = ng.ones([256]);
      const y = x.add(1).mul(2);
      ng.zeros([1000]);
      return y.reshape([16, 16]);
    });
    const mid = ng.memory().backends[b]!;
    expect(mid.tensors - before.tensors).toBe(1);
    expect(mid.bytes - before.bytes).toBe(256 * 4);
    kept.dispose();
    const after = ng.memory().backends[b]!;
    expect(after.tensors).toBe(before.tensors);
    expect(after.bytes).toBe(before.bytes);
    // A reshape shares its input's buffer: the buffer lives until both are disposed.
    const a = ng.ones([4]);
    const r = a.reshape([2, 2]);
    a.dispose();
    expect(r.toArray()).toEqual([[1, 1], [1, 1]]);
    r.dispose();
    expect(ng.memory().backends[b]!.bytes).toBe(before.bytes);
  });

  // Registration for finalization is deferred to the end of the job, and forced every few
  // thousand buffers: a long synchronous burst of dropped tensors must still all be finalized.
  it.each(['native', 'wasm', 'js'] as const)('%s: tensors dropped in a synchronous burst are all finalized', async (b) => {
    ng.setBackend(b);
    const count = () => ng.memory().backends[b] ?? { tensors: 0, bytes: 0 };
    const settle = async (target: number) => {
      for (let i = 0; i < 50 && count().tensors > target; i++) {
        (globalThis as { gc?: () => void }).gc?.();
        await tick();
      }
      return count();
    };
    const before = await settle(0);
    const kept = ng.ones([8]);
    for (let i = 0; i < 10_000; i++) ng.ones([16]).add(1);
    expect(count().tensors - before.tensors).toBe(20_001);
    const after = await settle(before.tensors + 1);
    expect(after.tensors - before.tensors).toBe(1);
    expect(after.bytes - before.bytes).toBe(8 * 4);
    kept.dispose();
  });

  it('wasm: a synchronous loop with tidy() stays flat', () => {
    ng.setBackend('wasm');
    const base = process.memoryUsage().rss;
    for (let i = 0; i < COUNT / 10; i++) ng.tidy(() => ng.ones([SIZE]).add(1).sum());
    expect(process.memoryUsage().rss - base).toBeLessThan(LIMIT);
  });
});
