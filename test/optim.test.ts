// Optimizers: the first three updates of every rule against float64 references written out
// here from the textbook formulas (not from lib/), on every backend and ISA path in float64
// and float32; the fused kernel against the js backend on random sizes (bitwise in float64,
// and bitwise across native ISAs, thread counts and wasm); parameter groups, frozen
// parameters, state dicts, clipping, accumulation, memory and errors.
import { describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import type { Backend, Storage } from '../lib/backend/backend.js';
import { type OptimStepSpec, optimStateCount } from '../lib/backend/optim-spec.js';
import { loadAddon } from '../lib/backend/native.js';
import { backendNamed } from '../lib/backend/registry.js';
import { type DType, typedArrayFor } from '../lib/dtype.js';
import { CONFIGS, type Config, lcg, maxAbsDiff, use } from './backends.js';

const { optim } = ng;
type Vec = number[];
type State = Record<string, Vec>;

/** One parameter's reference update at step t (1-based): returns the new values, updates st. */
type Ref = (p: Vec, g: Vec, st: State, t: number) => Vec;

const zeros = (n: number): Vec => new Array<number>(n).fill(0);
const buf = (st: State, name: string, n: number, init = 0): Vec => (st[name] ??= new Array<number>(n).fill(init));

interface Variant {
  name: string;
  make: (params: ng.Tensor[]) => ng.optim.Optimizer<any>;
  ref: Ref;
}

// The references, one formula per line as the papers and the PyTorch docs state them.
const VARIANTS: Variant[] = [
  {
    name: 'SGD',
    make: (ps) => new optim.SGD(ps, { lr: 0.1 }),
    ref: (p, g) => p.map((x, i) => x - 0.1 * g[i]!),
  },
  {
    name: 'SGD weight decay',
    make: (ps) => new optim.SGD(ps, { lr: 0.1, weightDecay: 0.3 }),
    ref: (p, g) => p.map((x, i) => x - 0.1 * (g[i]! + 0.3 * x)),
  },
  {
    name: 'SGD momentum (PyTorch form)',
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 }),
    ref: (p, g, st) => {
      const v = buf(st, 'v', p.length);
      return p.map((x, i) => { v[i] = 0.9 * v[i]! + g[i]!; return x - 0.1 * v[i]!; });
    },
  },
  {
    name: 'SGD momentum (EMA form)',
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 'ema' }),
    ref: (p, g, st) => {
      const v = buf(st, 'v', p.length);
      return p.map((x, i) => { v[i] = 0.9 * v[i]! + (1 - 0.9) * g[i]!; return x - 0.1 * v[i]!; });
    },
  },
  {
    name: 'SGD Nesterov + weight decay',
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.8, nesterov: true, weightDecay: 0.05 }),
    ref: (p, g, st) => {
      const v = buf(st, 'v', p.length);
      return p.map((x, i) => {
        const gi = g[i]! + 0.05 * x;
        v[i] = 0.8 * v[i]! + gi;
        return x - 0.1 * (gi + 0.8 * v[i]!);
      });
    },
  },
  {
    name: 'SGD Nesterov (EMA form)',
    make: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.8, nesterov: true, dampening: 'ema' }),
    ref: (p, g, st) => {
      const v = buf(st, 'v', p.length);
      return p.map((x, i) => {
        v[i] = 0.8 * v[i]! + 0.2 * g[i]!;
        return x - 0.1 * (0.2 * g[i]! + 0.8 * v[i]!);
      });
    },
  },
  {
    name: 'RMSprop',
    make: (ps) => new optim.RMSprop(ps, { lr: 0.01, alpha: 0.9, eps: 1e-6 }),
    ref: (p, g, st) => {
      const s = buf(st, 's', p.length);
      return p.map((x, i) => {
        s[i] = 0.9 * s[i]! + 0.1 * g[i]! ** 2;
        return x - (0.01 * g[i]!) / (Math.sqrt(s[i]!) + 1e-6);
      });
    },
  },
  {
    name: 'RMSprop eps inside the root',
    make: (ps) => new optim.RMSprop(ps, { lr: 0.01, alpha: 0.9, eps: 0.01, epsInside: true }),
    ref: (p, g, st) => {
      const s = buf(st, 's', p.length);
      return p.map((x, i) => {
        s[i] = 0.9 * s[i]! + 0.1 * g[i]! ** 2;
        return x - (0.01 * g[i]!) / Math.sqrt(s[i]! + 0.01);
      });
    },
  },
  {
    name: 'RMSprop centered + momentum + weight decay',
    make: (ps) => new optim.RMSprop(ps, { lr: 0.01, alpha: 0.9, eps: 1e-3, momentum: 0.5, centered: true, weightDecay: 0.1 }),
    ref: (p, g, st) => {
      const s = buf(st, 's', p.length);
      const a = buf(st, 'a', p.length);
      const b = buf(st, 'b', p.length);
      return p.map((x, i) => {
        const gi = g[i]! + 0.1 * x;
        s[i] = 0.9 * s[i]! + 0.1 * gi * gi;
        a[i] = 0.9 * a[i]! + 0.1 * gi;
        b[i] = 0.5 * b[i]! + gi / (Math.sqrt(s[i]! - a[i]! ** 2) + 1e-3);
        return x - 0.01 * b[i]!;
      });
    },
  },
  {
    name: 'Adam',
    make: (ps) => new optim.Adam(ps, { lr: 0.1, betas: [0.9, 0.99], eps: 1e-8 }),
    ref: (p, g, st, t) => {
      const m = buf(st, 'm', p.length);
      const v = buf(st, 'v', p.length);
      return p.map((x, i) => {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.99 * v[i]! + 0.01 * g[i]! ** 2;
        const mHat = m[i]! / (1 - 0.9 ** t);
        const vHat = v[i]! / (1 - 0.99 ** t);
        return x - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8);
      });
    },
  },
  {
    name: 'Adam amsgrad + L2 weight decay',
    make: (ps) => new optim.Adam(ps, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-6, amsgrad: true, weightDecay: 0.2 }),
    ref: (p, g, st, t) => {
      const m = buf(st, 'm', p.length);
      const v = buf(st, 'v', p.length);
      const vMax = buf(st, 'vMax', p.length);
      return p.map((x, i) => {
        const gi = g[i]! + 0.2 * x;
        m[i] = 0.8 * m[i]! + 0.2 * gi;
        v[i] = 0.9 * v[i]! + 0.1 * gi * gi;
        vMax[i] = Math.max(vMax[i]!, v[i]!);
        return x - (0.05 * (m[i]! / (1 - 0.8 ** t))) / (Math.sqrt(vMax[i]! / (1 - 0.9 ** t)) + 1e-6);
      });
    },
  },
  {
    name: 'AdamW',
    make: (ps) => new optim.AdamW(ps, { lr: 0.1, betas: [0.9, 0.99], weightDecay: 0.5 }),
    ref: (p, g, st, t) => {
      const m = buf(st, 'm', p.length);
      const v = buf(st, 'v', p.length);
      return p.map((x, i) => {
        const decayed = x - 0.1 * 0.5 * x;
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.99 * v[i]! + 0.01 * g[i]! ** 2;
        return decayed - (0.1 * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]! / (1 - 0.99 ** t)) + 1e-8);
      });
    },
  },
  {
    name: 'Adagrad (lr decay, initial accumulator, weight decay)',
    make: (ps) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.5, initialAccumulatorValue: 0.1, weightDecay: 0.05 }),
    ref: (p, g, st, t) => {
      const s = buf(st, 's', p.length, 0.1);
      const lr = 0.1 / (1 + (t - 1) * 0.5);
      return p.map((x, i) => {
        const gi = g[i]! + 0.05 * x;
        s[i] = s[i]! + gi * gi;
        return x - (lr * gi) / (Math.sqrt(s[i]!) + 1e-10);
      });
    },
  },
  {
    name: 'Adadelta (default lr 1)',
    make: (ps) => new optim.Adadelta(ps, { rho: 0.9, eps: 1e-4, weightDecay: 0.01 }),
    ref: (p, g, st) => {
      const s = buf(st, 's', p.length);
      const u = buf(st, 'u', p.length);
      return p.map((x, i) => {
        const gi = g[i]! + 0.01 * x;
        s[i] = 0.9 * s[i]! + 0.1 * gi * gi;
        const delta = (Math.sqrt(u[i]! + 1e-4) / Math.sqrt(s[i]! + 1e-4)) * gi;
        u[i] = 0.9 * u[i]! + 0.1 * delta * delta;
        return x - delta;
      });
    },
  },
  {
    name: 'Adamax',
    make: (ps) => new optim.Adamax(ps, { lr: 0.05, betas: [0.9, 0.99], weightDecay: 0.1 }),
    ref: (p, g, st, t) => {
      const m = buf(st, 'm', p.length);
      const u = buf(st, 'u', p.length);
      return p.map((x, i) => {
        const gi = g[i]! + 0.1 * x;
        m[i] = 0.9 * m[i]! + 0.1 * gi;
        u[i] = Math.max(0.99 * u[i]!, Math.abs(gi) + 1e-8);
        return x - ((0.05 / (1 - 0.9 ** t)) * m[i]!) / u[i]!;
      });
    },
  },
];

// Two parameters: 37 elements (full vectors and a tail on every path) and a 2×3 matrix.
const SHAPES = [[37], [2, 3]];
const TOL: Record<DType, number> = { float64: 1e-12, float32: 3e-5, int32: 0 };

function values(n: number, seed: number, scale: number, round: boolean): Vec {
  const rnd = lcg(seed);
  return Array.from({ length: n }, (_, i) => {
    const v = i === 3 ? 0 : (rnd() - 0.5) * 2 * scale;
    return round ? Math.fround(v) : v;
  });
}

describe.each(CONFIGS)('first three updates vs float64 references on $label', (config: Config) => {
  it.each(VARIANTS.map((v) => [v.name, v] as const))('%s', (_name, variant) => {
    use(config);
    for (const dtype of ['float64', 'float32'] as const) {
      const f32 = dtype === 'float32';
      const init = SHAPES.map((s, k) => values(s.reduce((a, b) => a * b, 1), 10 + k, 1.5, f32));
      const params = SHAPES.map((s, k) => ng.tensor(init[k]!, s, dtype));
      for (const p of params) p.requiresGrad = true;
      const opt = variant.make(params);
      const ref = init.map((v) => v.slice());
      const states: State[] = SHAPES.map(() => ({}));
      for (let t = 1; t <= 3; t++) {
        params.forEach((p, k) => {
          const g = values(p.size, 100 * t + k, 2, f32);
          p.grad?.dispose();
          p.grad = ng.tensor(g, p.shape, dtype);
          ref[k] = variant.ref(ref[k]!, g, states[k]!, t);
        });
        opt.step();
        params.forEach((p, k) => {
          const err = maxAbsDiff(p.dataSync(), ref[k]!);
          expect(err, `${dtype} step ${t} param ${k}`).toBeLessThan(TOL[dtype]);
        });
      }
      ng.dispose(params);
    }
  });
});

// ---- The kernel through the Backend interface, against the js backend ----

const SPECS: OptimStepSpec[] = [
  { rule: 'sgd', lr: 0.1, weightDecay: 0, momentum: 0, gradScale: 1, nesterov: false },
  { rule: 'sgd', lr: 0.1, weightDecay: 0.01, momentum: 0.9, gradScale: 0.1, nesterov: true },
  { rule: 'rmsprop', lr: 0.01, weightDecay: 0.02, alpha: 0.9, eps: 1e-3, momentum: 0.5, centered: true, epsInside: false },
  { rule: 'rmsprop', lr: 0.01, weightDecay: 0, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, epsInside: true },
  { rule: 'adam', lr: 1e-3, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, biasCorrection1: 1 - 0.9 ** 3,
    biasCorrection2: 1 - 0.999 ** 3, amsgrad: false, decoupled: false },
  { rule: 'adam', lr: 1e-2, weightDecay: 0.1, beta1: 0.8, beta2: 0.9, eps: 1e-6, biasCorrection1: 0.2,
    biasCorrection2: 0.1, amsgrad: true, decoupled: true },
  { rule: 'adagrad', lr: 0.05, weightDecay: 0.01, eps: 1e-10 },
  { rule: 'adadelta', lr: 1, weightDecay: 0, rho: 0.95, eps: 1e-6 },
  { rule: 'adamax', lr: 2e-3, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, biasCorrection1: 0.1 },
];
// Sizes around every vector width, and one past the threading threshold (4 chunks of 16384).
const SIZES = [[1], [7, 8, 9], [15, 16, 17, 33], [1000, 0, 3], [70_001, 5]];

function backendFor(config: Config): Backend {
  const b = backendNamed(config.backend);
  b.setIsa(config.isa);
  return b;
}

/** Runs two updates of `spec` over parameters of `sizes` on b; returns params then state, copied out. */
function runKernel(b: Backend, spec: OptimStepSpec, sizes: number[], dtype: DType): Float64Array[] {
  const k = optimStateCount(spec);
  const rnd = lcg(sizes.length * 7 + k);
  const fill = (n: number, lo: number, hi: number) => {
    const a = typedArrayFor(dtype, n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
    return a;
  };
  const params = sizes.map((n) => b.upload(dtype, fill(n, -2, 2)));
  const grads = sizes.map((n) => b.upload(dtype, fill(n, -1, 1)));
  // Second-moment buffers must be >= 0 (centered RMSprop: s >= a^2); every state starts in [0.1, 0.6).
  const state = sizes.flatMap((n) => Array.from({ length: k }, () => b.upload(dtype, fill(n, 0.1, 0.6))));
  if (spec.rule === 'rmsprop' && spec.centered) {
    sizes.forEach((n, i) => {
      const s = b.read(state[i * k]!).slice();
      const a = b.read(state[i * k + k - 1]!).slice();
      for (let j = 0; j < n; j++) s[j] = s[j]! + a[j]! * a[j]!;
      b.free(state[i * k]!);
      state[i * k] = b.upload(dtype, s);
    });
  }
  b.optimizerStep(spec, params, grads, state);
  b.optimizerStep(spec, params, grads, state);
  const out = [...params, ...state].map((s: Storage) => Float64Array.from(b.read(s)));
  for (const s of [...params, ...grads, ...state]) b.free(s);
  return out;
}

describe('fused optimizer kernel vs the js backend', () => {
  const js = backendNamed('js');
  const kernelConfigs = CONFIGS.filter((c) => c.backend !== 'js');
  const jsResults = new Map<string, Float64Array[]>();
  const onJs = (spec: OptimStepSpec, sizes: number[], dtype: DType) => {
    const key = JSON.stringify([spec, sizes, dtype]);
    if (!jsResults.has(key)) jsResults.set(key, runKernel(js, spec, sizes, dtype));
    return jsResults.get(key)!;
  };

  it.each(kernelConfigs.map((c) => [c.label, c] as const))('%s: float64 bitwise, float32 within rounding', (_l, config) => {
    const b = backendFor(config);
    for (const spec of SPECS) {
      for (const sizes of SIZES) {
        const f64 = runKernel(b, spec, sizes, 'float64');
        const f64js = onJs(spec, sizes, 'float64');
        f64.forEach((a, i) => expect(maxAbsDiff(a, f64js[i]!), `${spec.rule} ${sizes} buffer ${i}`).toBe(0));
        const f32 = runKernel(b, spec, sizes, 'float32');
        const f32js = onJs(spec, sizes, 'float32');
        f32.forEach((a, i) => expect(maxAbsDiff(a, f32js[i]!), `${spec.rule} ${sizes} buffer ${i}`).toBeLessThan(2e-5));
      }
    }
  });

  it('gives the same bits on every native ISA path, every thread count and wasm (float32)', () => {
    const reference = runAll(backendFor(kernelConfigs[0]!));
    for (const config of kernelConfigs.slice(1)) {
      expect(sameBits(runAll(backendFor(config)), reference), config.label).toBe(true);
    }
    const native = kernelConfigs.find((c) => c.backend === 'native');
    if (native) {
      const b = backendFor(native);
      const threads = b.threads;
      try {
        for (const n of [1, 2, 3]) {
          b.setNumThreads(n);
          expect(sameBits(runAll(b), reference), `${n} threads`).toBe(true);
        }
      } finally {
        b.setNumThreads(threads);
      }
    }
    function runAll(b: Backend): Float64Array[] {
      return SPECS.flatMap((spec) => runKernel(b, spec, [70_001, 33, 1], 'float32'));
    }
    function sameBits(a: Float64Array[], b: Float64Array[]): boolean {
      return a.length === b.length && a.every((x, i) => Buffer.compare(new Uint8Array(x.buffer), new Uint8Array(b[i]!.buffer)) === 0);
    }
  });

  it.each(CONFIGS.map((c) => [c.label, c] as const))('%s refuses mismatched buffers', (_l, config) => {
    const b = backendFor(config);
    const spec = SPECS[4]!;  // adam: 2 state buffers
    const p = b.upload('float32', new Float32Array(8));
    const g = b.upload('float32', new Float32Array(8));
    const short = b.upload('float32', new Float32Array(7));
    const f64 = b.upload('float64', new Float64Array(8));
    expect(() => b.optimizerStep(spec, [p], [g], [short, short])).toThrow(/optimizerStep: state\[0\].*does not match params\[0\]/);
    expect(() => b.optimizerStep(spec, [p], [f64], [g, g])).toThrow(/optimizerStep: grads\[0\].*does not match/);
    expect(() => b.optimizerStep(spec, [p], [g], [g])).toThrow(/optimizerStep: expected 2 state buffers per parameter/);
    expect(() => b.optimizerStep(spec, [p, p], [g], [g, g])).toThrow(/optimizerStep: 2 params but 1 grads/);
    for (const s of [p, g, short, f64]) b.free(s);
  });

  it('native binding re-checks meta and arrays', () => {
    const addon = loadAddon();
    const a = new Float32Array(4);
    const meta = new Float64Array([2, 0.1, 0, 0.9, 0.999, 1e-8, 0.1, 0.001, 0, 0]);
    addon.optimStep(meta, [a], [a], [a, a]);
    expect(() => addon.optimStep(meta.subarray(0, 9), [a], [a], [a, a])).toThrow(/meta must hold 10 numbers/);
    expect(() => addon.optimStep(Float64Array.of(9, 0, 0, 0, 0, 0, 0, 0, 0, 0), [a], [a], [])).toThrow(/unknown rule/);
    expect(() => addon.optimStep(Float64Array.of(2, NaN, 0, 0, 0, 0, 1, 1, 0, 0), [a], [a], [a, a])).toThrow(/not a finite/);
    expect(() => addon.optimStep(Float64Array.of(2, 0.1, 0, 0.9, 0.9, 0, 0, 1, 0, 0), [a], [a], [a, a])).toThrow(/1 - beta1\^t/);
    expect(() => addon.optimStep(Float64Array.of(2, 0.1, 0, 0.9, 0.9, 0, 1, 1, 2, 0), [a], [a], [a, a])).toThrow(/amsgrad/);
    expect(() => addon.optimStep(meta, [a], [a], [a, new Int32Array(4) as never])).toThrow(/state\[1\] must be a Float32Array/);
    expect(() => addon.optimStep(meta, [a], [a], [a, new Float32Array(3)])).toThrow(/state\[1\].*does not match params\[0\]/);
    expect(() => addon.optimStep(meta, [a], 'x' as never, [a, a])).toThrow(/'grads' must be an array/);
  });
});

// ---- Optimizer behaviour (each backend) ----

const BACKENDS = [...new Set(CONFIGS.map((c) => c.backend))];

function param(values: number[], shape?: number[], dtype: DType = 'float64'): ng.Tensor {
  const t = ng.tensor(values, shape ?? [values.length], dtype);
  t.requiresGrad = true;
  return t;
}

function setGrad(p: ng.Tensor, values: number[]): void {
  p.grad?.dispose();
  p.grad = ng.tensor(values, p.shape, p.dtype);
}

describe.each(BACKENDS)('optimizer behaviour on %s', (backend) => {
  const on = () => ng.setBackend(backend);

  it('parameter groups take their own options', () => {
    on();
    const a = param([1, 2]);
    const b = param([1, 2]);
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    setGrad(a, [1, -1]);
    setGrad(b, [1, -1]);
    opt.step();
    expect(Array.from(a.dataSync())).toEqual([1 - 0.1, 2 + 0.1]);
    expect(Array.from(b.dataSync())).toEqual([1 - 0.5, 2 + 0.5]);
    opt.lr = 0.25;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.25, 0.25]);
    expect(opt.lr).toBe(0.25);
  });

  it('skips parameters without a grad, frozen ones and trainable = false', () => {
    on();
    const live = param([1, 1]);
    const noGrad = param([2, 2]);
    const frozen = param([3, 3]);
    const untrainable = param([4, 4]);
    const opt = new optim.Adam([live, noGrad, frozen, untrainable], { lr: 0.1 });
    setGrad(live, [1, 1]);
    setGrad(frozen, [1, 1]);
    frozen.requiresGrad = false;
    setGrad(untrainable, [1, 1]);
    (untrainable as unknown as { trainable: boolean }).trainable = false;
    opt.step();
    expect(Array.from(live.dataSync()).every((v) => v < 1)).toBe(true);
    expect(Array.from(noGrad.dataSync())).toEqual([2, 2]);
    expect(Array.from(frozen.dataSync())).toEqual([3, 3]);
    expect(Array.from(untrainable.dataSync())).toEqual([4, 4]);
    expect([live, noGrad, frozen, untrainable].map((p) => opt.stepCount(p))).toEqual([1, 0, 0, 0]);
  });

  it('AdamW decays the weights directly, Adam through the gradient', () => {
    on();
    // With g = 0, Adam's L2 term becomes the whole gradient, so its first step is a full
    // lr-sized step (m̂/√v̂ = ±1); AdamW only shrinks p by the factor (1 − lr·λ).
    const a = param([2, -4]);
    const w = param([2, -4]);
    const adam = new optim.Adam([a], { lr: 0.1, weightDecay: 0.5 });
    const adamw = new optim.AdamW([w], { lr: 0.1, weightDecay: 0.5 });
    setGrad(a, [0, 0]);
    setGrad(w, [0, 0]);
    adam.step();
    adamw.step();
    expect(maxAbsDiff(a.dataSync(), [2 - 0.1, -4 + 0.1])).toBeLessThan(1e-7);
    expect(maxAbsDiff(w.dataSync(), [2 * 0.95, -4 * 0.95])).toBeLessThan(1e-15);
  });

  it('zeroGrad drops grads (or zeroes them in place)', () => {
    on();
    const p = param([1, 2]);
    const opt = new optim.SGD([p]);
    setGrad(p, [3, 4]);
    const g = p.grad!;
    opt.zeroGrad(false);
    expect(p.grad).toBe(g);
    expect(Array.from(g.dataSync())).toEqual([0, 0]);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  it('stateDict round trip: a restored optimizer takes the identical next step', () => {
    on();
    const init = [[0.5, -1, 2, 0.25, -0.75], [1, 2, 3]];
    const grads = (t: number) => init.map((v) => v.map((x, i) => Math.sin(3 * t + i) + 0.1 * x));
    const a = init.map((v) => param(v));
    const optA = new optim.Adam([{ params: [a[0]!] }, { params: [a[1]!], lr: 0.02 }], { lr: 0.1, amsgrad: true });
    for (let t = 1; t <= 2; t++) {
      a.forEach((p, k) => setGrad(p, grads(t)[k]!));
      optA.step();
    }
    optA.paramGroups[1]!.betas = [0.8, 0.95];
    const dict = optA.stateDict();
    expect(dict.optimizer).toBe('Adam');
    expect(dict.state.map((s) => s?.step)).toEqual([2, 2]);
    expect(Object.keys(dict.state[0]!.buffers).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq']);

    const b = a.map((p) => param(Array.from(p.dataSync())));
    const optB = new optim.Adam([{ params: [b[0]!] }, { params: [b[1]!] }]);
    optB.loadStateDict(dict);
    ng.dispose(dict.state.flatMap((s) => Object.values(s!.buffers)));  // the optimizer holds copies
    expect(optB.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.02]);
    expect(optB.paramGroups[1]!.betas).toEqual([0.8, 0.95]);
    for (const [p, q] of [[a, optA], [b, optB]] as const) {
      p.forEach((x, k) => setGrad(x, grads(3)[k]!));
      q.step();
    }
    a.forEach((p, k) => expect(Array.from(b[k]!.dataSync())).toEqual(Array.from(p.dataSync())));
    expect(optB.stepCount(b[0]!)).toBe(3);
  });

  it('loadStateDict refuses a state that does not fit, and changes nothing then', () => {
    on();
    const p = param([1, 2, 3]);
    const opt = new optim.Adam([p]);
    setGrad(p, [1, 1, 1]);
    opt.step();
    const good = opt.stateDict();
    const other = new optim.SGD([param([1, 2, 3])], { momentum: 0.9 });
    expect(() => other.loadStateDict(good)).toThrow(/SGD.loadStateDict: the state dict is from Adam, not SGD/);
    const small = new optim.Adam([param([1, 2])]);
    expect(() => small.loadStateDict(good)).toThrow(/state 'expAvg' has shape \[3\], the parameter \[2\]/);
    const two = new optim.Adam([param([1, 2, 3]), param([1])]);
    expect(() => two.loadStateDict(good)).toThrow(/state for 1 parameters, this optimizer has 2/);
    const groups = new optim.Adam([{ params: [param([1, 2, 3])] }, { params: [param([1])] }]);
    expect(() => groups.loadStateDict(good)).toThrow(/1 parameter groups, this optimizer 2/);
    const fresh = new optim.Adam([param([1, 2, 3])]);
    const badName = { ...good, state: [{ step: 1, buffers: { momentum: good.state[0]!.buffers.expAvg! } }] };
    expect(() => fresh.loadStateDict(badName)).toThrow(/unknown state 'momentum'/);
    const badStep = { ...good, state: [{ step: -1, buffers: {} }] };
    expect(() => fresh.loadStateDict(badStep)).toThrow(/step must be a non-negative integer/);
    const badLr = { ...good, paramGroups: [{ ...good.paramGroups[0]!, lr: -1 }] };
    expect(() => fresh.loadStateDict(badLr)).toThrow(/lr must be a finite number/);
    expect(fresh.stepCount(fresh.paramGroups[0]!.params[0]!)).toBe(0);
    expect(fresh.lr).toBe(1e-3);
  });

  it('clipGradValue and clipGradNorm (2, 1 and infinity norms, global over parameters)', () => {
    on();
    const a = param([3, -4]);
    const b = param([0, 12]);
    const none = param([1]);
    setGrad(a, [3, -4]);
    setGrad(b, [0, 12]);
    const total = optim.clipGradNorm([a, b, none], 6.5);
    expect(total).toBeCloseTo(13, 12);  // √(9 + 16 + 144)
    const scale = 6.5 / (13 + 1e-6);
    expect(maxAbsDiff(a.grad!.dataSync(), [3 * scale, -4 * scale])).toBeLessThan(1e-14);
    expect(maxAbsDiff(b.grad!.dataSync(), [0, 12 * scale])).toBeLessThan(1e-14);
    expect(optim.clipGradNorm([a, b], 100)).toBeCloseTo(6.5, 5);  // under the limit: untouched
    expect(maxAbsDiff(b.grad!.dataSync(), [0, 12 * scale])).toBeLessThan(1e-14);

    setGrad(a, [3, -4]);
    setGrad(b, [0, 12]);
    expect(optim.clipGradNorm([a, b], 1e9, 1)).toBe(19);
    expect(optim.clipGradNorm([a, b], 1e9, Infinity)).toBe(12);
    expect(optim.clipGradNorm([a, b], 1e9, 3)).toBeCloseTo((27 + 64 + 1728) ** (1 / 3), 12);
    optim.clipGradNorm([a, b], 6, Infinity);
    expect(maxAbsDiff(b.grad!.dataSync(), [0, 12 * (6 / (12 + 1e-6))])).toBeLessThan(1e-14);

    setGrad(a, [3, -4]);
    optim.clipGradValue([a], 3.5);
    expect(Array.from(a.grad!.dataSync())).toEqual([3, -3.5]);
    optim.clipGradValue(a, 0.5);
    expect(Array.from(a.grad!.dataSync())).toEqual([0.5, -0.5]);

    setGrad(a, [NaN, 1]);
    expect(optim.clipGradNorm([a], 1)).toBeNaN();
    expect(a.grad!.dataSync()[1]).toBe(1);  // left alone
  });

  it('accumulating 4 micro-batches of 8 gives the step of one batch of 32', () => {
    on();
    const rnd = lcg(5);
    const data = (n: number) => Array.from({ length: n }, () => rnd() * 2 - 1);
    const x = ng.tensor(data(32 * 5), [32, 5], 'float64');
    const y = ng.tensor(data(32 * 3), [32, 3], 'float64');
    const w0 = data(15);
    const b0 = data(3);
    const lossOf = (w: ng.Tensor, b: ng.Tensor, xs: ng.Tensor, ys: ng.Tensor) =>
      xs.matmul(w).add(b).tanh().sub(ys).square().mean();
    const run = (micro: boolean) => {
      const w = param(w0, [5, 3]);
      const b = param(b0, [3]);
      const opt = new optim.Adam([w, b], { lr: 0.05 });
      let loss: number;
      for (let step = 0; step < 2; step++) {
        opt.zeroGrad();
        if (micro) {
          loss = optim.accumulateGradients(4, (i) => lossOf(w, b, x.slice([8 * i, 0], [8, 5]), y.slice([8 * i, 0], [8, 3])));
        } else {
          const l = lossOf(w, b, x, y);
          l.backward();
          loss = l.item();
        }
        opt.step();
      }
      return { w: Array.from(w.dataSync()), b: Array.from(b.dataSync()), loss: loss! };
    };
    const big = run(false);
    const small = run(true);
    expect(maxAbsDiff(small.w, big.w)).toBeLessThan(1e-13);
    expect(maxAbsDiff(small.b, big.b)).toBeLessThan(1e-13);
    expect(Math.abs(small.loss - big.loss)).toBeLessThan(1e-14);
    expect(maxAbsDiff(small.w, w0)).toBeGreaterThan(1e-3);  // it did move
  });

  it('records no graph and holds steady memory over many steps', () => {
    on();
    const ps = [param([1, 2, 3, 4], [2, 2], 'float32'), param([0.5], [1], 'float32')];
    const opts = [
      new optim.Adam(ps, { amsgrad: true }), new optim.SGD(ps, { momentum: 0.9 }),
      new optim.RMSprop(ps, { centered: true, momentum: 0.1 }), new optim.Adagrad(ps), new optim.Adadelta(ps),
      new optim.Adamax(ps),
    ];
    const round = () => {
      for (const opt of opts) {
        opt.zeroGrad();
        ng.tidy(() => ps[0]!.square().sum().add(ps[1]!.mul(3).sum()).backward());
        opt.step();
        optim.clipGradNorm(ps, 0.5);
      }
    };
    round();
    const before = ng.memory();
    for (let i = 0; i < 100; i++) round();
    const after = ng.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    for (const p of ps) {
      expect(p.isLeaf).toBe(true);
      expect(p.requiresGrad).toBe(true);
    }
    // A step inside tidy() keeps the state it creates.
    const q = param([1, 2], [2], 'float32');
    const opt = new optim.Adam([q]);
    ng.tidy(() => {
      setGrad(q, [1, 1]);
      opt.step();
    });
    setGrad(q, [1, 1]);
    expect(() => opt.step()).not.toThrow();
    expect(opt.stepCount(q)).toBe(2);
  });
});

describe('optimizer errors', () => {
  const p = () => param([1, 2]);

  it('refuses bad hyperparameters with the option named', () => {
    expect(() => new optim.SGD([p()], { lr: -1 })).toThrow(/SGD: lr must be a finite number in \[0, ∞\), got number -1/);
    expect(() => new optim.SGD([p()], { lr: NaN })).toThrow(/SGD: lr must be/);
    expect(() => new optim.SGD([p()], { lr: '0.1' as never })).toThrow(/SGD: lr must be a finite number.*string 0.1/);
    expect(() => new optim.SGD([p()], { momentum: 1 })).toThrow(/momentum must be a finite number in \[0, 1\)/);
    expect(() => new optim.SGD([p()], { nesterov: true })).toThrow(/nesterov needs momentum > 0/);
    expect(() => new optim.SGD([p()], { momentum: 0.9, dampening: 0.5 as never })).toThrow(/dampening must be 'none' or 'ema'/);
    expect(() => new optim.Adam([p()], { betas: [1, 0.999] })).toThrow(/Adam: betas\[0\] must be a finite number in \[0, 1\)/);
    expect(() => new optim.Adam([p()], { betas: [0.9, -0.1] })).toThrow(/betas\[1\]/);
    expect(() => new optim.AdamW([p()], { betas: [0.9] as never })).toThrow(/AdamW: betas must be \[beta1, beta2\]/);
    expect(() => new optim.Adam([p()], { eps: -1e-8 })).toThrow(/Adam: eps must be/);
    expect(() => new optim.Adadelta([p()], { eps: 0 })).toThrow(/Adadelta: eps must be a finite number in \(0, ∞\)/);
    expect(() => new optim.RMSprop([p()], { alpha: 1.5 })).toThrow(/RMSprop: alpha/);
    expect(() => new optim.RMSprop([p()], { centered: 1 as never })).toThrow(/centered must be true or false/);
    expect(() => new optim.Adagrad([p()], { lrDecay: -1 })).toThrow(/Adagrad: lrDecay/);
    expect(() => new optim.Adam([p()], { lerningRate: 0.1 } as never)).toThrow(/Adam: unknown option 'lerningRate' \(Adam takes lr, betas/);
    expect(() => new optim.SGD([{ params: [p()], lr: -2 }])).toThrow(/SGD \(param group 0\): lr must be/);
    const opt = new optim.SGD([p()]);
    expect(() => { opt.lr = -1; }).toThrow(/SGD: lr must be a finite number >= 0/);
    opt.paramGroups[0]!.momentum = 2;  // set directly: caught at the next step
    opt.paramGroups[0]!.params[0]!.grad = ng.tensor([1, 1], [2], 'float64');
    expect(() => opt.step()).toThrow(/SGD.step \(param group 0\): momentum must be/);
  });

  it('refuses parameters that are not float leaf tensors', () => {
    expect(() => new optim.SGD([])).toThrow(/SGD: params must be a non-empty array/);
    expect(() => new optim.SGD('w' as never)).toThrow(/SGD: params must be a non-empty array/);
    expect(() => new optim.SGD([1, 2] as never)).toThrow(/SGD: params must be all tensors or all parameter groups; params\[0\] is number 1/);
    expect(() => new optim.SGD([p(), {}] as never)).toThrow(/params\[1\] is Object/);
    expect(() => new optim.SGD([{ params: [p(), 3] }] as never)).toThrow(/SGD \(param group 0\): params\[1\] must be a Tensor, got number 3/);
    expect(() => new optim.SGD([ng.tensor([1, 2], [2], 'int32')])).toThrow(/params\[0\] is int32/);
    const leaf = p();
    expect(() => new optim.SGD([leaf.mul(2)])).toThrow(/not a leaf tensor/);
    expect(() => new optim.SGD([leaf, leaf])).toThrow(/params\[1\] appears more than once/);
    expect(() => new optim.SGD([{ params: [leaf] }, { params: [leaf] }])).toThrow(/param group 1\): params\[0\] appears more than once/);
    const gone = p();
    gone.dispose();
    expect(() => new optim.SGD([gone])).toThrow(/disposed/);
  });

  it('refuses a gradient that does not match its parameter', () => {
    const w = p();
    const opt = new optim.Adam([w]);
    w.grad = ng.tensor([1, 2, 3], [3], 'float64');
    expect(() => opt.step()).toThrow(/Adam.step \(param group 0\): params\[0\] is \[2\] float64 on \w+ but its grad is \[3\] float64/);
    w.grad = ng.tensor([1, 2], [2], 'float32');
    expect(() => opt.step()).toThrow(/its grad is \[2\] float32/);
  });

  it('refuses bad clipping and accumulation arguments', () => {
    const w = p();
    expect(() => optim.clipGradNorm([w], -1)).toThrow(/clipGradNorm: maxNorm must be a finite number >= 0/);
    expect(() => optim.clipGradNorm([w], 1, 0)).toThrow(/clipGradNorm: normType must be a number > 0 or Infinity/);
    expect(() => optim.clipGradNorm([3] as never, 1)).toThrow(/clipGradNorm: params\[0\] must be a Tensor/);
    expect(() => optim.clipGradValue(5 as never, 1)).toThrow(/clipGradValue: params must be a Tensor or an array/);
    expect(() => optim.clipGradValue([w], NaN)).toThrow(/clipGradValue: clipValue must be/);
    expect(() => optim.accumulateGradients(0, () => w.sum())).toThrow(/accumulateGradients: k must be an integer >= 1/);
    expect(() => optim.accumulateGradients(2, () => w.mul(2))).toThrow(/must return a one-element Tensor, got shape \[2\]/);
    expect(() => optim.accumulateGradients(2, () => ng.tensor([1]).sum())).toThrow(/does not depend on any parameter/);
  });
});
