// The fused batch-norm kernels on every backend and ISA path against the js oracle (which
// computes in double, two passes over the whole batch), on shapes that take every split of
// the native kernel (one block, many row blocks, wide channel tiles with a tail), plus
// thread-count and ISA independence and the argument checks of both bindings.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import type { Backend, Storage } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { type DType, type TypedArray, typedArrayFor } from '../lib/dtype.js';
import { CONFIGS, type Config, NATIVE_ISAS, lcg, maxAbsDiff, use } from './backends.js';

afterAll(() => {
  ng.setBackend('js');
  ng.setNumThreads(2);
});

const js = backendNamed('js');
const FLOATS = ['float32', 'float64'] as const;
// [outer, c]: one block; odd sizes; several row blocks (16384 elements each); c >= 512 takes
// the channel-tile split (tiles of 128 with a tail).
const SHAPES: [number, number][] = [
  [2, 1], [3, 5], [17, 3], [64, 31], [1100, 33], [3000, 16], [40000, 1], [5, 600], [40, 1100], [1, 7],
];
const TOL: Record<string, number> = { float32: 2e-6, float64: 1e-12 };

interface Case {
  x: TypedArray; dy: TypedArray; gamma: TypedArray; beta: TypedArray; rm: TypedArray; rv: TypedArray;
}

/** Data with per-channel offsets far from zero (stability) and unit-ish spread. */
function makeCase(dtype: DType, outer: number, c: number, seed: number): Case {
  const r = lcg(seed);
  const arr = (n: number, f: (i: number) => number) => { const a = typedArrayFor(dtype, n); for (let i = 0; i < n; i++) a[i] = f(i); return a; };
  const offsets = Array.from({ length: c }, () => (r() - 0.5) * 200);
  return {
    x: arr(outer * c, (i) => offsets[i % c]! + (r() - 0.5) * 4),
    dy: arr(outer * c, () => r() * 2 - 1),
    gamma: arr(c, () => 0.5 + r()),
    beta: arr(c, () => r() - 0.5),
    rm: arr(c, (j) => offsets[j]! + r() - 0.5),
    rv: arr(c, () => 0.5 + r() * 2),
  };
}

type Outs = Record<string, TypedArray>;

/** Runs forward training, inference and both backwards on backend b; returns every output. */
function runAll(b: Backend, dtype: DType, k: Case, outer: number, c: number, affine: boolean, eps = 1e-3): Outs {
  const up = (a: TypedArray) => b.upload(dtype, a);
  const made: Storage[] = [];
  const track = (s: Storage) => { made.push(s); return s; };
  try {
    const x = track(up(k.x));
    const dy = track(up(k.dy));
    const gamma = affine ? track(up(k.gamma)) : null;
    const beta = affine ? track(up(k.beta)) : null;
    const rm = track(up(k.rm));
    const rv = track(up(k.rv));
    const n = outer * c;
    const [y, yi, dx, dxi] = [0, 1, 2, 3].map(() => track(b.alloc(dtype, n)));
    const [mean, variance, dg, db, dgi, dbi] = [0, 1, 2, 3, 4, 5].map(() => track(b.alloc(dtype, c)));
    const out: Outs = {};
    if (outer >= 1) {
      b.batchNormTrain(x, gamma, beta, y!, mean!, variance!, outer, c, eps);
      b.batchNormBackward(x, dy, mean!, variance!, gamma, dx!, dg!, db!, outer, c, eps, true);
      Object.assign(out, { y: b.read(y!).slice(), mean: b.read(mean!).slice(), variance: b.read(variance!).slice(),
        dx: b.read(dx!).slice(), dgamma: b.read(dg!).slice(), dbeta: b.read(db!).slice() });
    }
    b.batchNormInfer(x, gamma, beta, rm, rv, yi!, outer, c, eps);
    b.batchNormBackward(x, dy, rm, rv, gamma, dxi!, dgi!, dbi!, outer, c, eps, false);
    return Object.assign(out, { yInfer: b.read(yi!).slice(), dxInfer: b.read(dxi!).slice(),
      dgammaInfer: b.read(dgi!).slice(), dbetaInfer: b.read(dbi!).slice() });
  } finally {
    for (const s of made) b.free(s);
  }
}

/** Bitwise equality of every output (typed-array byte comparison; fast on large arrays). */
function expectBitwise(got: Outs, want: Outs, what: string): void {
  for (const key of Object.keys(want)) {
    const a = Buffer.from(got[key]!.buffer, got[key]!.byteOffset, got[key]!.byteLength);
    const b = Buffer.from(want[key]!.buffer, want[key]!.byteOffset, want[key]!.byteLength);
    expect(a.equals(b), `${what} ${key}`).toBe(true);
  }
}

function backendFor(config: Config): Backend {
  const b = backendNamed(config.backend);
  b.setIsa(config.isa);
  return b;
}

/** Relative differences scaled by each output's magnitude (sums over many rows grow with the batch). */
function relToMax(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i]! - want[i]!) / scale);
  return Number.isNaN(m) ? Infinity : m;
}

describe.each(CONFIGS)('batch-norm kernels on $label', (config) => {
  const b = backendFor(config);

  it.each(FLOATS)('match the js oracle on every split (%s)', (dtype) => {
    SHAPES.forEach(([outer, c], s) => {
      for (const affine of [true, false]) {
        const k = makeCase(dtype, outer, c, 100 + s);
        const got = runAll(b, dtype, k, outer, c, affine);
        const want = runAll(js, dtype, k, outer, c, affine);
        for (const key of Object.keys(want)) {
          // Gradient sums over the rows are compared relative to their largest element.
          const err = key.startsWith('dgamma') || key.startsWith('dbeta') ? relToMax(got[key]!, want[key]!) : maxAbsDiff(got[key]!, want[key]!);
          expect(err, `${key} for [${outer}, ${c}] affine=${affine}`).toBeLessThanOrEqual(TOL[dtype]! * (key.startsWith('dx') ? 50 : 1));
        }
      }
    });
  });

  it('normalizes to zero mean and unit variance per channel, stably far from zero', () => {
    const outer = 4097;
    const c = 3;
    const x = new Float32Array(outer * c);
    const r = lcg(7);
    for (let i = 0; i < x.length; i++) x[i] = 1e4 * (1 + (i % c)) + (r() - 0.5);  // |mean|/std ≈ 3·10⁴ … 10⁵
    const out = runAll(b, 'float32', { ...makeCase('float32', outer, c, 8), x }, outer, c, false, 0);
    for (let j = 0; j < c; j++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < outer; i++) m += out.y![i * c + j]!;
      m /= outer;
      for (let i = 0; i < outer; i++) v += (out.y![i * c + j]! - m) ** 2;
      v /= outer;
      expect(Math.abs(m)).toBeLessThan(2e-3);
      expect(Math.abs(v - 1)).toBeLessThan(2e-3);
    }
  });

  it('handles empty batches in inference and empty channel counts', () => {
    const none = runAll(b, 'float32', makeCase('float32', 0, 4, 9), 0, 4, true);
    expect(none.yInfer!.length).toBe(0);
    expect(Array.from(none.dbetaInfer!)).toEqual([0, 0, 0, 0]);
    const noChannels = runAll(b, 'float64', makeCase('float64', 3, 0, 9), 3, 0, true);
    expect(noChannels.y!.length).toBe(0);
  });
});

// The js backend is memory-safe by construction; the native and wasm bindings check again.
describe.each(CONFIGS.filter((c) => c.backend !== 'js'))('batch-norm bindings on $label', (config) => {
  it('refuses malformed arguments with errors naming the kernel', () => {
    const b = backendFor(config);
    const x = b.upload('float32', new Float32Array(12));
    const c4 = b.upload('float32', new Float32Array(4));
    const c3 = b.upload('float32', new Float32Array(3));
    const c4d = b.upload('float64', new Float64Array(4));
    const y = b.alloc('float32', 12);
    const xi = b.upload('int32', new Int32Array(12));
    try {
      expect(() => b.batchNormTrain(x, null, null, y, c4, c4, 4, 4, 1e-5)).toThrow(/batchNormTrain/);
      expect(() => b.batchNormTrain(x, null, null, y, c3, c4, 4, 3, 1e-5)).toThrow(/batchNormTrain/);
      expect(() => b.batchNormTrain(x, c4, null, y, c3, c3, 4, 3, 1e-5)).toThrow(/batchNormTrain: 'gamma'/);
      expect(() => b.batchNormTrain(x, null, null, y, c4d, c4, 3, 4, 1e-5)).toThrow(/batchNormTrain: 'mean' must be float32, got float64/);
      expect(() => b.batchNormTrain(xi, null, null, y, c4, c4, 3, 4, 1e-5)).toThrow(/batchNormTrain/);
      expect(() => b.batchNormTrain(x, null, null, y, c4, c4, 3, 4, -1)).toThrow(/batchNormTrain/);
      expect(() => b.batchNormInfer(x, null, c3, c4, c4, y, 3, 4, 1e-5)).toThrow(/batchNormInfer: 'beta'/);
      expect(() => b.batchNormBackward(x, y, c4, c4, null, c3, c4, c4, 3, 4, 1e-5, true)).toThrow(/batchNormBackward: 'dx'/);
      expect(() => b.batchNormBackward(x, y, c4, c4, null, null, c3, c4, 3, 4, 1e-5, true)).toThrow(/batchNormBackward: 'dgamma'/);
    } finally {
      for (const s of [x, c4, c3, c4d, y, xi]) b.free(s);
    }
  });
});

describe.runIf(NATIVE_ISAS.length > 0)('batch-norm kernels: determinism', () => {
  const native = backendNamed('native');
  const shapes: [number, number][] = [[3000, 16], [40000, 1], [40, 1100], [700, 100]];

  it('give bitwise the same results for 1, 2, 3 and 5 threads', () => {
    native.setIsa(NATIVE_ISAS[0]!);
    for (const dtype of FLOATS) {
      shapes.forEach(([outer, c], s) => {
        const k = makeCase(dtype, outer, c, 200 + s);
        const runs = [1, 2, 3, 5].map((t) => {
          native.setNumThreads(t);
          return runAll(native, dtype, k, outer, c, true);
        });
        for (const run of runs.slice(1)) expectBitwise(run, runs[0]!, `${dtype} [${outer}, ${c}]`);
      });
    }
    native.setNumThreads(2);
  });

  it('give bitwise the same results on every ISA path and in wasm', () => {
    const wasm = backendNamed('wasm');
    for (const dtype of FLOATS) {
      shapes.forEach(([outer, c], s) => {
        const k = makeCase(dtype, outer, c, 300 + s);
        const want = runAll(wasm, dtype, k, outer, c, true);
        for (const isa of NATIVE_ISAS) {
          native.setIsa(isa);
          const got = runAll(native, dtype, k, outer, c, true);
          expectBitwise(got, want, `${isa} ${dtype} [${outer}, ${c}]`);
        }
      });
    }
    native.setIsa(NATIVE_ISAS[0]!);
  });
});
