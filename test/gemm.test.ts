// The GEMM kernel on every backend and ISA path against a float64 triple-loop reference:
// tails, all transposes, leading dimensions, offsets, alpha/beta (beta = 0 ignores NaN in
// C), fused bias + activations, and bitwise-equal results for 1, 2 and 3 threads.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import type { Activation, Backend, GemmSpec } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { CONFIGS, type Config, NATIVE_ISAS, lcg, use } from './backends.js';

afterAll(() => {
  ng.setBackend('native');
  ng.setNumThreads(2);
  ng.setBackend('js');
});

const ACTS: Record<Activation, (v: number) => number> = {
  none: (v) => v,
  relu: (v) => Math.max(v, 0),
  leakyRelu: (v) => (v > 0 ? v : 0.01 * v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
};

interface Case {
  spec: GemmSpec;
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  bias?: Float64Array;
}

function makeCase(rnd: () => number, m: number, n: number, k: number, opts: Partial<GemmSpec> = {}): Case {
  const transA = opts.transA ?? rnd() < 0.5;
  const transB = opts.transB ?? rnd() < 0.5;
  const pad = () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 5));
  const [ar, ac] = transA ? [k, m] : [m, k];
  const [br, bc] = transB ? [n, k] : [k, n];
  const lda = ac + pad(), ldb = bc + pad(), ldc = n + pad();
  const aOffset = pad(), bOffset = pad(), cOffset = pad();
  const fill = (len: number, garbage = false) =>
    Float64Array.from({ length: len }, () => (garbage && rnd() < 0.3 ? NaN : rnd() * 2 - 1));
  const betaPick = rnd();
  const spec: GemmSpec = {
    m, n, k, transA, transB, lda, ldb, ldc, aOffset, bOffset, cOffset,
    alpha: rnd() < 0.6 ? 1 : rnd() * 4 - 2,
    beta: betaPick < 0.5 ? 0 : betaPick < 0.7 ? 1 : rnd() * 2 - 1,
    activation: (['none', 'none', 'relu', 'leakyRelu', 'sigmoid', 'tanh'] as const)[Math.floor(rnd() * 6)]!,
    ...opts,
  };
  return {
    spec,
    a: fill(aOffset + Math.max(0, ar - 1) * lda + ac + 3),
    b: fill(bOffset + Math.max(0, br - 1) * ldb + bc + 3),
    c: fill(cOffset + Math.max(0, m - 1) * ldc + n + 3, spec.beta === 0),
    bias: rnd() < 0.4 ? fill(n) : undefined,
  };
}

/** The float64 reference and, per element, an error bound that scales with k. */
function reference(t: Case, eps: number): { want: Float64Array; bound: Float64Array } {
  const s = t.spec;
  const want = t.c.slice();
  const bound = new Float64Array(want.length);
  for (let i = 0; i < s.m; i++) {
    for (let j = 0; j < s.n; j++) {
      let acc = 0;
      let mag = 0;
      for (let p = 0; p < s.k; p++) {
        const av = t.a[s.aOffset + (s.transA ? p * s.lda + i : i * s.lda + p)]!;
        const bv = t.b[s.bOffset + (s.transB ? j * s.ldb + p : p * s.ldb + j)]!;
        acc += av * bv;
        mag += Math.abs(av * bv);
      }
      const ci = s.cOffset + i * s.ldc + j;
      const prior = s.beta === 0 ? 0 : s.beta * t.c[ci]!;
      const bias = t.bias ? t.bias[j]! : 0;
      want[ci] = ACTS[s.activation](s.alpha * acc + prior + bias);
      bound[ci] = 4 * (s.k + 4) * eps * (Math.abs(s.alpha) * mag + Math.abs(prior) + Math.abs(bias) + 1);
    }
  }
  return { want, bound };
}

function run(backend: Backend, dtype: 'float32' | 'float64', t: Case): Float64Array {
  const up = (x: Float64Array) => backend.upload(dtype, dtype === 'float32' ? Float32Array.from(x) : x);
  const [a, b, c] = [up(t.a), up(t.b), up(t.c)];
  const bias = t.bias ? up(t.bias) : undefined;
  backend.gemm(a, b, c, t.spec, bias);
  const out = Float64Array.from(backend.read(c));
  for (const s of [a, b, c, bias]) if (s) backend.free(s);
  return out;
}

function check(config: Config, dtype: 'float32' | 'float64', t: Case): void {
  const backend = backendNamed(config.backend);
  const got = run(backend, dtype, t);
  const { want, bound } = reference(t, dtype === 'float32' ? 2 ** -24 : 2 ** -53);
  const s = t.spec;
  for (let i = 0; i < want.length; i++) {
    const row = Math.floor((i - s.cOffset) / s.ldc);
    const col = i - s.cOffset - row * s.ldc;
    const inside = i >= s.cOffset && row < s.m && col < s.n;
    const ctx = `${config.label} ${dtype} ${JSON.stringify(s)} at ${i}`;
    if (!inside) {
      // Outside the m×n window of C nothing may change (padding, offsets, tails).
      expect(Object.is(got[i], dtype === 'float32' ? Math.fround(t.c[i]!) : t.c[i]!), ctx).toBe(true);
    } else if (Math.abs(got[i]! - want[i]!) > bound[i]!) {
      expect.fail(`${ctx}: got ${got[i]}, want ${want[i]} ± ${bound[i]}`);
    }
  }
}

describe.each(CONFIGS)('gemm on $label', (config) => {
  it.each(['float32', 'float64'] as const)('random shapes 0..67, transposes, leading dims, alpha/beta (%s)', (dtype) => {
    use(config);
    const rnd = lcg(dtype === 'float32' ? 1 : 2);
    const trials = config.backend === 'js' ? 60 : 250;
    for (let trial = 0; trial < trials; trial++) {
      const dim = () => (rnd() < 0.1 ? Math.floor(rnd() * 3) : Math.floor(rnd() * 68));
      check(config, dtype, makeCase(rnd, dim(), dim(), dim()));
    }
  });

  it('large products and blocking boundaries', () => {
    use(config);
    const rnd = lcg(3);
    const shapes: [number, number, number][] = config.backend === 'js'
      ? [[97, 131, 129]]
      // k = 1700 and 3100 span several k-blocks on every path (KC is 1536 on AVX-512); n = 13
      // takes AVX-512's one-vector-wide kernels; 2000 x 1100 (over 8 MB packed) packs op(B)
      // one k-block at a time. n = 1, 3 and 10 with op(A) = A and a deep k take the dot kernels
      // (k tails, partial row tiles, column groups, op(B)ᵀ in place or transposed).
      : [[300, 517, 1029], [1, 1000, 300], [600, 1, 257], [129, 257, 513], [70, 600, 1700], [150, 13, 3100], [20, 1100, 2000],
        [700, 3, 301], [45, 10, 140]];
    for (const [m, n, k] of shapes) {
      for (const [transA, transB] of [[false, false], [true, true], [false, true]] as const) {
        check(config, 'float32', makeCase(rnd, m, n, k, { transA, transB }));
      }
      check(config, 'float64', makeCase(rnd, m, n, Math.min(k, 300)));
    }
  });
});

describe.each(NATIVE_ISAS)('gemm threads on native/%s', (isa) => {
  it('gives bitwise the same result on 1, 2 and 3 threads', () => {
    ng.setBackend('native');
    ng.setIsa(isa);
    const native = backendNamed('native');
    const rnd = lcg(4);
    for (const [m, n, k] of [[517, 300, 200], [64, 1030, 96], [1000, 64, 513], [33, 17, 900], [300, 10, 1700], [40, 1100, 2000], [2000, 3, 400]] as [number, number, number][]) {
      for (const dtype of ['float32', 'float64'] as const) {
        const t = makeCase(rnd, m, n, k, { activation: 'tanh', ...(n === 3 ? { transA: false } : {}) });
        const results = [1, 2, 3].map((threads) => {
          ng.setNumThreads(threads);
          return run(native, dtype, t);
        });
        expect(Buffer.from(results[1]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
        expect(Buffer.from(results[2]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
      }
    }
  });
});

// Predicting one example must give bitwise the row that the same example gets inside a
// batch: the native kernel reads B in place for a few rows (m ≤ its tile height) and packs
// it for more, with the same per-element operations.
describe.each(CONFIGS)('gemm row invariance on $label', (config) => {
  it('rows computed alone or in small groups equal the batch rows bitwise', () => {
    use(config);
    const backend = backendNamed(config.backend);
    const rnd = lcg(5);
    const shapes: [number, number, number][] = config.backend === 'js' ? [[9, 37, 70]] : [[31, 300, 900], [17, 45, 130], [40, 10, 300]];
    for (const [m, n, k] of shapes) {
      for (const dtype of ['float32', 'float64'] as const) {
        for (const activation of ['relu', 'sigmoid', 'none'] as const) {
          const t = makeCase(rnd, m, n, k, { transA: activation === 'none', transB: false, activation });
          t.bias = Float64Array.from({ length: n }, () => rnd() - 0.5);
          const whole = run(backend, dtype, t);
          const s = t.spec;
          for (const rows of [1, 2, 3, 7]) {
            for (let i0 = 0; i0 + rows <= m; i0 += rows + 2) {
              const aOffset = s.aOffset + (s.transA ? i0 : i0 * s.lda);
              const part = run(backend, dtype, { ...t, spec: { ...s, m: rows, aOffset, cOffset: s.cOffset + i0 * s.ldc } });
              for (let i = i0; i < i0 + rows; i++) {
                const at = s.cOffset + i * s.ldc;
                const same = whole.subarray(at, at + n).every((v, j) => Object.is(v, part[at + j]));
                expect(same, `${config.label} ${dtype} ${activation} rows ${i0}..${i0 + rows - 1} of ${m}×${n}×${k}`).toBe(true);
              }
            }
          }
        }
      }
    }
  });
});
