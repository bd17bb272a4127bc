// No JavaScript input may crash the process: every exported native and wasm function is
// called with garbage and must either work or throw an Error.
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../lib/backend/native.js';
import { loadWasm } from '../lib/backend/wasm.js';
import { backendNamed } from '../lib/backend/registry.js';

const f32 = new Float32Array(4);
const GARBAGE: unknown[] = [
  undefined, null, 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 64, -(2 ** 63), '3', {}, [], [1, 2],
  () => 0, Symbol('s'), 10n, true, new Float32Array(0), f32, new Float64Array([1e300, -5, NaN, 2 ** 60]),
  new Int32Array(3), new Uint8Array(8), new ArrayBuffer(16), new DataView(new ArrayBuffer(8)),
  new Float64Array([8, 2, 2, 2, 2, 2, 2, 2, 2]), new Float64Array([1, 1e15, 0, 1, 0, 1]),
  new Float64Array([2, 1e9, 1e9, 1, 1, 1, 1]), new Float64Array([1, 0, 0, 0, 0, 0, 1e12, 1e12, 0]),
];

function sample(rnd: () => number): unknown {
  return GARBAGE[Math.floor(rnd() * GARBAGE.length)];
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function callAll(fns: Record<string, unknown>, skip: string[]): number {
  const rnd = lcg(99);
  let calls = 0;
  for (const [name, fn] of Object.entries(fns)) {
    if (typeof fn !== 'function' || skip.includes(name)) continue;
    for (let trial = 0; trial < 400; trial++) {
      const args = Array.from({ length: Math.floor(rnd() * 12) }, () => sample(rnd));
      try {
        (fn as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message.length).toBeGreaterThan(0);
      }
      calls++;
    }
  }
  return calls;
}

describe('garbage input', () => {
  it('never crashes the native addon', () => {
    const addon = loadAddon() as unknown as Record<string, unknown>;
    // alloc with a valid huge size may legitimately succeed; bound it by skipping nothing
    // else: every function is called.
    const calls = callAll(addon, []);
    expect(calls).toBeGreaterThan(5000);
    // Lengths that do not cover the shape are refused rather than read out of bounds.
    const a = addon as unknown as { binary: (...x: unknown[]) => void; copyStrided: (...x: unknown[]) => void };
    expect(() => a.binary(0, f32, f32, new Float32Array(8), new Float64Array([1, 8, 1, 1]))).toThrow(/binary: 'a' .* too short/);
    expect(() => a.copyStrided(f32, f32, new Float64Array([1, 2, 3, 1, 0, 1]))).toThrow(/copyStrided: 'src' .* too short/);
  });

  it.each(['native', 'wasm'] as const)('%s matmul refuses batch offsets outside its buffers', (name) => {
    const b = backendNamed(name);
    const a = b.upload('float32', new Float32Array(12));
    const out = b.alloc('float32', 8);
    const spec = { batch: 2, m: 2, n: 2, k: 3, transA: false, transB: false, activation: 'none' as const };
    expect(() => b.matmul(a, a, out, { ...spec, aOffsets: [0, 6], bOffsets: [0, 7] }))
      .toThrow(/matmul: 'b' \(length 12\) is too short for shape \[3,2\] with strides \[2,1\] at offset 7/);
    expect(() => b.matmul(a, a, out, { ...spec, batch: 3, aOffsets: [0, 0, 0], bOffsets: [0, 0, 0] }))
      .toThrow(/matmul: out .* does not match \[3,2,2\]/);
    b.matmul(a, a, out, { ...spec, aOffsets: [0, 6], bOffsets: [0, 6] });
  });

  it('allocates 64-byte aligned native buffers, and detaches them on release', () => {
    const addon = loadAddon();
    for (let n = 0; n < 300; n += 7) {
      for (const dtype of [0, 1, 2]) {
        const a = addon.alloc(dtype, n);
        expect(a.length).toBe(n);
        if (n > 0) expect(addon.alignment(a)).toBeGreaterThanOrEqual(64);
        addon.release(a);
        expect(a.length).toBe(0);
        expect(() => addon.fill(a, 1)).not.toThrow();  // a detached view is empty, not dangling
      }
    }
  });

  it('never crashes the wasm module', () => {
    const wasm = loadWasm() as unknown as Record<string, unknown>;
    const calls = callAll(wasm, ['_initialize', 'ng_free', 'stackRestore', 'stackAlloc']);
    expect(calls).toBeGreaterThan(3000);
  });
});
