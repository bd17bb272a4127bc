// Accuracy sweeps of the vectorized exp / log / tanh / sigmoid (and softplus, elu) on every
// kernel path: the max error in ULPs of the result's dtype against the float64 Math result.
// For float32 that reference is (to within ~1e-16 relative) the exact value, so the figure
// is the kernel's error. For float64 the reference itself is off by up to ~1 ULP (V8's
// fdlibm ports), so the figure bounds kernel error + reference error.
import { afterAll, describe, expect, it } from 'vitest';

import { backendNamed } from '../lib/backend/registry.js';
import type { UnaryOp } from '../lib/backend/backend.js';
import { CONFIGS, lcg } from './backends.js';

const PATHS = CONFIGS.filter((c) => c.backend !== 'js');

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

interface Sweep {
  op: UnaryOp;
  ref: (x: number) => number;
  /** A random input for the float32 / float64 sweep. */
  sample: (rnd: () => number, f64: boolean) => number;
  /** The bound asserted, in ULPs. */
  maxUlp: number;
  p0?: number;
}

const uniform = (rnd: () => number, lo: number, hi: number) => lo + (hi - lo) * rnd();
// Magnitudes spread over many binades, either sign.
const logUniform = (rnd: () => number, lo: number, hi: number) =>
  (rnd() < 0.5 ? -1 : 1) * Math.exp(uniform(rnd, Math.log(lo), Math.log(hi)));

const SWEEPS: Sweep[] = [
  { op: 'exp', ref: Math.exp, maxUlp: 2,
    sample: (r, f64) => (r() < 0.1 ? logUniform(r, 1e-30, 1) : f64 ? uniform(r, -745, 709.8) : uniform(r, -104, 88.8)) },
  { op: 'log', ref: Math.log, maxUlp: 2,
    sample: (r, f64) => (r() < 0.3 ? uniform(r, 0.5, 2) : Math.abs(logUniform(r, f64 ? 1e-320 : 1e-44, f64 ? 1e300 : 3e38))) },
  { op: 'tanh', ref: Math.tanh, maxUlp: 2,
    sample: (r) => (r() < 0.3 ? logUniform(r, 1e-30, 1) : uniform(r, -12, 12)) },
  { op: 'sigmoid', ref: sigmoid, maxUlp: 2.5,
    sample: (r, f64) => (r() < 0.2 ? logUniform(r, 1e-30, 1) : f64 ? uniform(r, -745, 40) : uniform(r, -104, 20)) },
  { op: 'softplus', ref: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), maxUlp: 3,
    sample: (r) => (r() < 0.2 ? logUniform(r, 1e-30, 1) : uniform(r, -100, 100)) },
  { op: 'elu', ref: (x) => (x > 0 ? x : Math.expm1(x)), maxUlp: 3, p0: 1,
    sample: (r) => (r() < 0.3 ? -Math.abs(logUniform(r, 1e-30, 1)) : uniform(r, -40, 2)) },
];

/** Distance from y to ref in units of the spacing of `f64 ? float64 : float32` numbers at ref. */
function ulpError(y: number, ref: number, f64: boolean): number {
  const r = f64 ? ref : Math.fround(ref);
  if (!Number.isFinite(r) || Number.isNaN(r)) return Object.is(y, r) || (Number.isNaN(y) && Number.isNaN(r)) ? 0 : Infinity;
  const a = Math.abs(ref);
  const minExp = f64 ? -1022 : -126;
  const mant = f64 ? 52 : 23;
  let e = a === 0 ? minExp : Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  const ulp = 2 ** (Math.max(e, minExp) - mant);
  return Math.abs(y - ref) / ulp;
}

const N = 200_000;
const figures: string[] = [];

describe.each(PATHS)('accuracy on $label', (config) => {
  for (const dtype of ['float32', 'float64'] as const) {
    it.each(SWEEPS)(`$op ${dtype}`, (sweep) => {
      const b = backendNamed(config.backend);
      b.setIsa(config.isa);
      const f64 = dtype === 'float64';
      const rnd = lcg(12345);
      const xs = f64 ? new Float64Array(N) : new Float32Array(N);
      for (let i = 0; i < N; i++) xs[i] = sweep.sample(rnd, f64);
      const x = b.upload(dtype, xs);
      const out = b.alloc(dtype, N);
      b.unary(sweep.op, x, out, sweep.p0 ?? 0, 0);
      const ys = b.read(out);
      let worst = 0;
      let at = 0;
      for (let i = 0; i < N; i++) {
        const err = ulpError(ys[i]!, sweep.ref(xs[i]!), f64);
        if (err > worst) {
          worst = err;
          at = xs[i]!;
        }
      }
      b.free(x);
      b.free(out);
      figures.push(`${config.label.padEnd(14)} ${dtype} ${sweep.op.padEnd(8)} max ${worst.toFixed(2)} ULP (at x = ${at})`);
      expect(worst).toBeLessThanOrEqual(sweep.maxUlp + (f64 ? 1 : 0));
    });
  }
});

afterAll(() => {
  console.log(`max ULP error vs float64 Math (${N} samples each):\n${figures.join('\n')}`);
});
