// Pooling: the kernels on every backend and ISA path against the js oracle (random shapes,
// odd sizes, every padding, ties and NaN), the oracle against a naive float64 reference and
// against TensorFlow.js, gradcheck of every op, tie-breaking and padding, thread-count
// independence, and the errors.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import type { Backend, Storage } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { type DType, type TypedArray, typedArrayFor } from '../lib/dtype.js';
import { type Padding, type Window2d, resolveWindow } from '../lib/ops/window.js';
import { CONFIGS, type Config, NATIVE_ISAS, lcg, maxAbsDiff, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

const js = backendNamed('js');
const FLOATS = ['float32', 'float64'] as const;
/** float32 averages: the kernels sum in float32, the oracle in double. Everything else is exact. */
const AVG_TOL: Record<DType, number> = { float32: 4e-6, float64: 0, int32: 0 };

interface Case {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; sh: number; sw: number;
  padding: Padding;
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** The window the ops would use, or undefined where they reject the case (a window wholly in padding). */
function windowOf(k: Case): Window2d | undefined {
  let w: Window2d;
  try {
    w = resolveWindow('test', k.h, k.w, k.kh, k.kw, { strides: [k.sh, k.sw], padding: k.padding });
  } catch {
    return undefined;  // the window is larger than the padded input
  }
  const ok = w.padTop < k.kh && w.padLeft < k.kw && (w.outH - 1) * w.strideH - w.padTop < k.h
    && (w.outW - 1) * w.strideW - w.padLeft < k.w;
  return ok ? w : undefined;
}

/** Random cases: batch 1–3, odd and even sizes, pools 2/3 (also non-square), strides 1–3, every padding. */
function randomCases(seed: number, count: number): [Case, Window2d][] {
  const rnd = lcg(seed);
  const out: [Case, Window2d][] = [];
  while (out.length < count) {
    const kh = pick(rnd, [2, 3]);
    const kw = rnd() < 0.7 ? kh : pick(rnd, [2, 3]);
    const kind = pick(rnd, ['valid', 'same', 'explicit'] as const);
    const padding: Padding = kind === 'explicit'
      ? [[Math.floor(rnd() * kh), Math.floor(rnd() * kh)], [Math.floor(rnd() * kw), Math.floor(rnd() * kw)]]
      : kind;
    const k: Case = {
      n: 1 + Math.floor(rnd() * 3),
      h: (kind === 'valid' ? kh : 1) + Math.floor(rnd() * 10),
      w: (kind === 'valid' ? kw : 1) + Math.floor(rnd() * 10),
      c: pick(rnd, [1, 2, 3, 5, 7, 8, 9, 16, 17, 19, 33]),
      kh, kw,
      sh: 1 + Math.floor(rnd() * 3),
      sw: 1 + Math.floor(rnd() * 3),
      padding,
    };
    const w = windowOf(k);
    if (w) out.push([k, w]);
  }
  return out;
}

const label = (k: Case) => `[${k.n},${k.h},${k.w},${k.c}] pool ${k.kh}×${k.kw} strides ${k.sh}×${k.sw} ${JSON.stringify(k.padding)}`;

/** Values with many ties (few levels), or with NaN and ±inf mixed in, or plain random. */
function data(dtype: DType, size: number, rnd: () => number, mode: 'random' | 'ties' | 'edges'): TypedArray {
  const a = typedArrayFor(dtype, size);
  for (let i = 0; i < size; i++) {
    if (mode === 'ties') a[i] = Math.floor(rnd() * 3) - 1;
    else if (mode === 'edges' && rnd() < 0.15) a[i] = pick(rnd, [NaN, Infinity, -Infinity, -0]);
    else a[i] = (rnd() - 0.5) * 8;
  }
  return a;
}

/** Uploads the arrays to b, runs fn, returns copies of the named outputs and frees everything. */
function run(b: Backend, arrays: Record<string, TypedArray>, fn: (s: Record<string, Storage>) => void, outs: string[]): TypedArray[] {
  const s: Record<string, Storage> = {};
  for (const [k, v] of Object.entries(arrays)) {
    s[k] = b.upload(v instanceof Float32Array ? 'float32' : v instanceof Int32Array ? 'int32' : 'float64', v);
  }
  try {
    fn(s);
    return outs.map((k) => b.read(s[k]!).slice());
  } finally {
    for (const v of Object.values(s)) b.free(v);
  }
}

function backendFor(config: Config): Backend {
  const b = backendNamed(config.backend);
  b.setIsa(config.isa);
  return b;
}

interface Results { max: TypedArray; argmax: TypedArray; maxNoArg: TypedArray; avg: TypedArray; dxMax: TypedArray; dxAvg: TypedArray }

/** All four kernels on b for one case: forward (with and without argmax) and both backwards. */
function allKernels(b: Backend, k: Case, w: Window2d, x: TypedArray, dy: TypedArray, argmaxIn?: TypedArray): Results {
  const dtype = x instanceof Float32Array ? 'float32' : 'float64';
  const inSize = x.length;
  const outSize = dy.length;
  const [max, argmax] = run(b, { x, out: typedArrayFor(dtype, outSize), a: new Int32Array(outSize) },
    (s) => b.maxPool2d(s.x!, s.out!, s.a!, k.n, k.c, w), ['out', 'a']);
  const [maxNoArg] = run(b, { x, out: typedArrayFor(dtype, outSize) }, (s) => b.maxPool2d(s.x!, s.out!, null, k.n, k.c, w), ['out']);
  const [avg] = run(b, { x, out: typedArrayFor(dtype, outSize) }, (s) => b.avgPool2d(s.x!, s.out!, k.n, k.c, w), ['out']);
  // dx starts as garbage: every element must be written
  const garbage = () => typedArrayFor(dtype, inSize).fill(7);
  const [dxMax] = run(b, { dy, a: argmaxIn ?? argmax!, dx: garbage() }, (s) => b.maxPool2dGrad(s.dy!, s.a!, s.dx!, k.n, k.c, w), ['dx']);
  const [dxAvg] = run(b, { dy, dx: garbage() }, (s) => b.avgPool2dGrad(s.dy!, s.dx!, k.n, k.c, w), ['dx']);
  return { max: max!, argmax: argmax!, maxNoArg: maxNoArg!, avg: avg!, dxMax: dxMax!, dxAvg: dxAvg! };
}

const sizes = (k: Case, w: Window2d) => [k.n * k.h * k.w * k.c, k.n * w.outH * w.outW * k.c] as const;

describe.each(CONFIGS.filter((c) => c.backend !== 'js'))('pooling kernels on $label against the js oracle', (config) => {
  const b = backendFor(config);

  it.each(FLOATS)('%s: 60 random shapes, paddings and strides, forward and backward', (dtype) => {
    const rnd = lcg(dtype === 'float32' ? 11 : 12);
    for (const [i, [k, w]] of randomCases(dtype === 'float32' ? 1 : 2, 60).entries()) {
      const [inSize, outSize] = sizes(k, w);
      const x = data(dtype, inSize, rnd, pick(rnd, ['random', 'ties', 'edges'] as const));
      const dy = data(dtype, outSize, rnd, 'random');
      const want = allKernels(js, k, w, x, dy);
      const got = allKernels(b, k, w, x, dy, want.argmax);
      const at = `case ${i}: ${label(k)}`;
      expect(Array.from(got.argmax), `argmax, ${at}`).toEqual(Array.from(want.argmax));
      expect(maxAbsDiff(got.max, want.max), `max, ${at}`).toBe(0);
      expect(maxAbsDiff(got.maxNoArg, want.max), `max without argmax, ${at}`).toBe(0);
      expect(maxAbsDiff(got.avg, want.avg), `avg, ${at}`).toBeLessThanOrEqual(AVG_TOL[dtype]);
      expect(maxAbsDiff(got.dxMax, want.dxMax), `max grad, ${at}`).toBe(0);
      expect(maxAbsDiff(got.dxAvg, want.dxAvg), `avg grad, ${at}`).toBeLessThanOrEqual(AVG_TOL[dtype]);
    }
  });

  it('large shapes (several tasks) and global windows', () => {
    const rnd = lcg(13);
    const cases: Case[] = [
      { n: 3, h: 37, w: 29, c: 35, kh: 3, kw: 3, sh: 1, sw: 2, padding: 'same' },
      { n: 2, h: 28, w: 28, c: 32, kh: 2, kw: 2, sh: 2, sw: 2, padding: 'valid' },
      { n: 2, h: 13, w: 11, c: 67, kh: 13, kw: 11, sh: 1, sw: 1, padding: 'valid' },
      { n: 3, h: 50, w: 1, c: 9, kh: 50, kw: 1, sh: 1, sw: 1, padding: 'valid' },
    ];
    for (const dtype of FLOATS) {
      for (const k of cases) {
        const w = windowOf(k)!;
        const [inSize, outSize] = sizes(k, w);
        const x = data(dtype, inSize, rnd, 'random');
        const dy = data(dtype, outSize, rnd, 'random');
        const want = allKernels(js, k, w, x, dy);
        const got = allKernels(b, k, w, x, dy, want.argmax);
        expect(Array.from(got.argmax), label(k)).toEqual(Array.from(want.argmax));
        expect(maxAbsDiff(got.max, want.max)).toBe(0);
        expect(maxAbsDiff(got.avg, want.avg)).toBeLessThanOrEqual(dtype === 'float32' ? 2e-5 : 0);
        expect(maxAbsDiff(got.dxMax, want.dxMax)).toBe(0);
        expect(maxAbsDiff(got.dxAvg, want.dxAvg)).toBeLessThanOrEqual(AVG_TOL[dtype]);
      }
    }
  });

  it('refuses buffers that do not match the window, and bad windows, without crashing', () => {
    const k: Case = { n: 2, h: 5, w: 5, c: 3, kh: 2, kw: 2, sh: 2, sw: 2, padding: 'valid' };
    const w = windowOf(k)!;
    const [inSize, outSize] = sizes(k, w);
    const made: Storage[] = [];
    const alloc = (dtype: DType, size: number) => {
      const st = b.alloc(dtype, size);
      b.fill(st, 0);
      made.push(st);
      return st;
    };
    const x = alloc('float32', inSize);
    const short = alloc('float32', inSize - 1);
    const out = alloc('float32', outSize);
    const arg = alloc('int32', outSize);
    const mismatch = /maxPool2d.*(must have \d+ elements|buffer sizes do not match)/;
    expect(() => b.maxPool2d(short, out, null, k.n, k.c, w)).toThrow(mismatch);
    expect(() => b.maxPool2d(x, out, alloc('int32', outSize + 1), k.n, k.c, w)).toThrow(/maxPool2d/);
    expect(() => b.maxPool2d(x, out, null, k.n + 1, k.c, w)).toThrow(mismatch);
    expect(() => b.maxPool2d(x, out, null, k.n, k.c, { ...w, outH: w.outH + 1 })).toThrow(mismatch);
    expect(() => b.maxPool2dGrad(out, arg, short, k.n, k.c, w)).toThrow(/maxPool2dGrad/);
    expect(() => b.avgPool2d(x, alloc('float32', outSize + 3), k.n, k.c, w)).toThrow(/avgPool2d/);
    expect(() => b.avgPool2dGrad(out, short, k.n, k.c, w)).toThrow(/avgPool2dGrad/);
    expect(() => b.avgPool2d(x, out, k.n, k.c, { ...w, strideH: 0 })).toThrow(/avgPool2d: .*(window|stride)/);
    expect(() => b.avgPool2d(x, out, k.n, k.c, { ...w, dilationW: 2 })).toThrow(/avgPool2d: pooling windows take no dilation/);
    expect(() => b.maxPool2d(alloc('int32', inSize), alloc('int32', outSize), null, k.n, k.c, w))
      .toThrow(/maxPool2d: .*(float32 or float64|expected float)/);
    expect(() => b.maxPool2dGrad(out, alloc('float32', outSize), x, k.n, k.c, w)).toThrow(/maxPool2dGrad: 'argmax' must be int32/);
    for (const st of made) b.free(st);
  });
});

// ---- the oracle against a reference written from TensorFlow's definitions ----

type Img = number[][][][];

/** TensorFlow's output size and leading padding for one axis. */
function tfGeometry(size: number, k: number, s: number, padding: Padding, axis: 0 | 1): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((size - k) / s) + 1, before: 0 };
  if (padding === 'same') {
    const out = Math.ceil(size / s);
    return { out, before: Math.floor(Math.max((out - 1) * s + k - size, 0) / 2) };
  }
  const [before, after] = padding[axis];
  return { out: Math.floor((size + before + after - k) / s) + 1, before };
}

/** Naive pooling of nested arrays in float64: forward, and the gradient of sum(out · dy). */
function naivePool(x: Img, dy: Img | undefined, k: Case, kind: 'max' | 'avg'): { out: Img; dx: Img } {
  const gy = tfGeometry(k.h, k.kh, k.sh, k.padding, 0);
  const gx = tfGeometry(k.w, k.kw, k.sw, k.padding, 1);
  const dx: Img = x.map((im) => im.map((row) => row.map((px) => px.map(() => 0))));
  const out: Img = [];
  for (let b = 0; b < k.n; b++) {
    out.push([]);
    for (let oh = 0; oh < gy.out; oh++) {
      out[b]!.push([]);
      for (let ow = 0; ow < gx.out; ow++) {
        const px: number[] = [];
        for (let ch = 0; ch < k.c; ch++) {
          const taps: [number, number][] = [];
          for (let i = 0; i < k.kh; i++) {
            for (let j = 0; j < k.kw; j++) {
              const r = oh * k.sh - gy.before + i;
              const q = ow * k.sw - gx.before + j;
              if (r >= 0 && r < k.h && q >= 0 && q < k.w) taps.push([r, q]);
            }
          }
          const vals = taps.map(([r, q]) => x[b]![r]![q]![ch]!);
          const g = dy ? dy[b]![oh]![ow]![ch]! : 0;
          if (kind === 'max') {
            const best = vals.indexOf(Math.max(...vals));  // the first maximum
            px.push(vals[best]!);
            const [r, q] = taps[best]!;
            dx[b]![r]![q]![ch]! += g;
          } else {
            px.push(vals.reduce((s, v) => s + v, 0) / vals.length);
            for (const [r, q] of taps) dx[b]![r]![q]![ch]! += g / vals.length;
          }
        }
        out[b]![oh]!.push(px);
      }
    }
  }
  return { out, dx };
}

function nest(a: ArrayLike<number>, shape: readonly number[]): Img {
  const [n, h, w, c] = shape as [number, number, number, number];
  return Array.from({ length: n }, (_, b) => Array.from({ length: h }, (_, i) => Array.from({ length: w },
    (_, j) => Array.from({ length: c }, (_, ch) => a[((b * h + i) * w + j) * c + ch]!))));
}

describe('the js oracle', () => {
  it('matches a naive float64 reference built from TensorFlow\'s definitions (ties included)', () => {
    const rnd = lcg(21);
    for (const [k, w] of randomCases(3, 40)) {
      const [inSize, outSize] = sizes(k, w);
      const x = data('float64', inSize, rnd, rnd() < 0.5 ? 'ties' : 'random');
      const dy = data('float64', outSize, rnd, 'random');
      const got = allKernels(js, k, w, x, dy);
      const outShape = [k.n, w.outH, w.outW, k.c];
      for (const kind of ['max', 'avg'] as const) {
        const want = naivePool(nest(x, [k.n, k.h, k.w, k.c]), nest(dy, outShape), k, kind);
        const at = `${kind} ${label(k)}`;
        expect(nest(kind === 'max' ? got.max : got.avg, outShape), at).toEqual(want.out);
        const dx = nest(kind === 'max' ? got.dxMax : got.dxAvg, [k.n, k.h, k.w, k.c]).flat(3);
        expect(maxAbsDiff(dx, want.dx.flat(3)), at).toBeLessThan(1e-14);
      }
    }
  });

  it('matches TensorFlow.js (tfjs-backend-cpu) forward and gradients on valid and same padding', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await tf.setBackend('cpu');
    ng.setBackend('js');
    const rnd = lcg(22);
    const cases: Case[] = [
      { n: 2, h: 7, w: 6, c: 3, kh: 3, kw: 3, sh: 2, sw: 2, padding: 'same' },
      { n: 1, h: 5, w: 8, c: 2, kh: 2, kw: 3, sh: 1, sw: 3, padding: 'same' },
      { n: 2, h: 9, w: 7, c: 4, kh: 3, kw: 2, sh: 3, sw: 1, padding: 'valid' },
      { n: 1, h: 4, w: 4, c: 1, kh: 2, kw: 2, sh: 1, sw: 1, padding: 'same' },
    ];
    for (const k of cases) {
      const shape = [k.n, k.h, k.w, k.c] as [number, number, number, number];
      const size = shape.reduce((p, d) => p * d, 1);
      // distinct values, so that the maximum of every window is unique
      const x = Float32Array.from({ length: size }, (_, i) => i).sort(() => rnd() - 0.5).map((v) => v / 8 - 3);
      for (const kind of ['max', 'avg'] as const) {
        type T4 = import('@tensorflow/tfjs-core').Tensor4D;
        const tfFn = (t: T4): T4 => (kind === 'max' ? tf.maxPool : tf.avgPool)(
          t, [k.kh, k.kw], [k.sh, k.sw], k.padding as 'same' | 'valid');
        const tx = tf.tensor4d(x, shape);
        const want = tfFn(tx);
        const dy = tf.randomUniform(want.shape, -1, 1, 'float32', 5);
        const wantDx = tf.grad((t) => tf.sum(tf.mul(tfFn(t as T4), dy)))(tx);
        const xt = ng.tensor(x, shape);
        xt.requiresGrad = true;
        const opts = { poolSize: [k.kh, k.kw] as [number, number], strides: [k.sh, k.sw] as [number, number], padding: k.padding };
        const got = kind === 'max' ? xt.maxPool2d(opts) : xt.avgPool2d(opts);
        expect(got.shape, label(k)).toEqual(want.shape);
        expect(maxAbsDiff(got.dataSync(), want.dataSync()), `${kind} ${label(k)}`).toBeLessThan(1e-6);
        got.backward(ng.tensor(dy.dataSync() as Float32Array, got.shape));
        // tfjs's AvgPoolGrad divides by kh·kw even where its forward counted fewer pixels
        // ('same' borders), so its average gradient is compared on 'valid' only; the naive
        // reference above and gradcheck below cover 'same'.
        if (kind === 'max' || k.padding === 'valid') {
          expect(maxAbsDiff(xt.grad!.dataSync(), wantDx.dataSync()), `${kind} grad ${label(k)}`).toBeLessThan(1e-6);
        }
        tf.dispose([tx, want, dy, wantDx]);
      }
    }
  });
});

// ---- the differentiable ops ----

/** A float64 tensor of distinct values spaced 0.05 apart in random order (no ties within 1e-6). */
function distinct(shape: number[], seed: number): ng.Tensor {
  const rnd = lcg(seed);
  const size = shape.reduce((p, d) => p * d, 1);
  const v = Float64Array.from({ length: size }, (_, i) => i * 0.05 - size * 0.025).sort(() => rnd() - 0.5);
  return ng.tensor(v, shape, 'float64');
}

const GRAD_CASES: [string, number[], (x: ng.Tensor) => ng.Tensor][] = [
  ['maxPool2d 2×2 valid', [2, 5, 4, 3], (x) => x.maxPool2d()],
  ['maxPool2d 3×3/1 same (overlapping)', [1, 5, 6, 2], (x) => x.maxPool2d({ poolSize: 3, strides: 1, padding: 'same' })],
  ['maxPool2d 3×2/(2,1) explicit padding', [2, 4, 5, 3], (x) => x.maxPool2d({ poolSize: [3, 2], strides: [2, 1], padding: [[1, 2], [0, 1]] })],
  ['avgPool2d 2×2 valid', [2, 5, 4, 3], (x) => x.avgPool2d()],
  ['avgPool2d 3×3/2 same', [1, 5, 6, 2], (x) => x.avgPool2d({ poolSize: 3, strides: 2, padding: 'same' })],
  ['avgPool2d 2×3/1 explicit padding', [2, 4, 5, 3], (x) => x.avgPool2d({ poolSize: [2, 3], strides: 1, padding: [[1, 0], [2, 1]] })],
  ['globalMaxPool2d', [3, 3, 4, 5], (x) => x.globalMaxPool2d()],
  ['globalAvgPool2d', [3, 3, 4, 5], (x) => x.globalAvgPool2d()],
  ['globalMaxPool1d', [2, 7, 5], (x) => x.globalMaxPool1d()],
  ['globalAvgPool1d', [2, 7, 5], (x) => x.globalAvgPool1d()],
];

describe.each(CONFIGS)('pooling ops on $label', (config) => {
  it.each(GRAD_CASES)('gradcheck float64: %s', (_name, shape, fn) => {
    use(config);
    const report = ng.gradcheck(fn, [distinct(shape, shape.length * 7 + shape[1]!)]);
    expect(report.relativeError, report.summary).toBeLessThan(1e-7);
    expect(report.passed).toBe(true);
  });

  it('max pooling: ties go to the first tap, padding never wins, NaN wins', () => {
    use(config);
    for (const dtype of FLOATS) {
      // constant input, overlapping 2×2 windows at stride 1 over 3×3: each window picks its top-left pixel
      const x = ng.full([1, 3, 3, 1], -2, dtype);
      x.requiresGrad = true;
      const y = x.maxPool2d({ poolSize: 2, strides: 1, padding: 'same' });
      expect(y.toArray()).toEqual([[[[-2], [-2], [-2]], [[-2], [-2], [-2]], [[-2], [-2], [-2]]]]);  // not the zero padding
      y.sum().backward();
      expect(x.grad!.reshape([3, 3]).toArray()).toEqual([[1, 1, 1], [1, 1, 1], [1, 1, 1]]);

      // 2×2/2 same over 3×3: the last row and column windows are half padding
      const z = ng.tensor([[-1, -3, -5], [-4, -2, -6], [-7, -8, -9]], [3, 3], dtype).reshape([1, 3, 3, 1]);
      z.requiresGrad = true;
      const m = z.maxPool2d({ padding: 'same' });
      expect(m.reshape([2, 2]).toArray()).toEqual([[-1, -5], [-7, -9]]);
      m.sum().backward();
      expect(z.grad!.reshape([3, 3]).toArray()).toEqual([[1, 0, 1], [0, 0, 0], [1, 0, 1]]);

      // ties inside one window, and -inf everywhere: the first in row-major tap order
      // (channel 0 holds 0, 5, 5, 5; channel 1 is -inf at every pixel)
      const t = ng.tensor([0, -Infinity, 5, -Infinity, 5, -Infinity, 5, -Infinity], [1, 2, 2, 2], dtype);
      t.requiresGrad = true;
      const tm = t.maxPool2d();
      expect(tm.reshape([2]).toArray()).toEqual([5, -Infinity]);
      tm.sum().backward();
      expect(Array.from(t.grad!.dataSync())).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);

      // NaN beats every number and the first NaN takes the gradient
      const q = ng.tensor([1, NaN, 7, NaN], [1, 2, 2, 1], dtype);
      q.requiresGrad = true;
      const qm = q.maxPool2d();
      expect(Number.isNaN(qm.dataSync()[0])).toBe(true);
      qm.sum().backward();
      expect(Array.from(q.grad!.dataSync())).toEqual([0, 1, 0, 0]);
    }
  });

  it('average pooling counts only the pixels inside the image', () => {
    use(config);
    for (const dtype of FLOATS) {
      const x = ng.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [3, 3], dtype).reshape([1, 3, 3, 1]);
      x.requiresGrad = true;
      const y = x.avgPool2d({ poolSize: 2, strides: 2, padding: 'same' });
      expect(y.reshape([2, 2]).toArray()).toEqual([[3, 4.5], [7.5, 9]]);
      y.sum().backward();
      expect(x.grad!.reshape([3, 3]).toArray()).toEqual([[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1]]);
      // a constant image stays constant under any padding
      const ones = ng.full([2, 5, 4, 3], 3, dtype).avgPool2d({ poolSize: 3, strides: [2, 1], padding: [[2, 1], [1, 2]] });
      expect(new Set(ones.dataSync())).toEqual(new Set([3]));
    }
  });

  it('global pooling equals the max / mean over the pooled axes; shapes and methods', () => {
    use(config);
    const x = distinct([2, 3, 4, 5], 3).astype('float32');
    expect(ng.globalMaxPool2d(x).shape).toEqual([2, 5]);
    expect(Array.from(ng.globalMaxPool2d(x).dataSync())).toEqual(Array.from(x.max([1, 2]).dataSync()));
    expect(maxAbsDiff(x.globalAvgPool2d().dataSync(), x.mean([1, 2]).dataSync())).toBeLessThan(1e-6);
    const s = distinct([3, 11, 6], 4);
    expect(x.globalMaxPool2d().dtype).toBe('float32');
    expect(Array.from(s.globalMaxPool1d().dataSync())).toEqual(Array.from(s.max(1).dataSync()));
    expect(maxAbsDiff(ng.globalAvgPool1d(s).dataSync(), s.mean(1).dataSync())).toBeLessThan(1e-15);
    expect(ng.maxPool2d(x, { poolSize: [3, 4] }).reshape([2, 5]).dataSync()).toEqual(ng.globalMaxPool2d(x).dataSync());
  });

  it('keeps an argmax only when a gradient will be taken', () => {
    use(config);
    const x = ng.randn([2, 4, 4, 3]);
    const before = ng.memory().numTensors;
    const y = x.maxPool2d();
    expect(ng.memory().numTensors - before).toBe(1);
    expect(y.requiresGrad).toBe(false);
    x.requiresGrad = true;
    const y2 = ng.noGrad(() => x.maxPool2d());
    expect(y2.requiresGrad).toBe(false);
    const mid = ng.memory().numTensors;
    const y3 = x.maxPool2d();
    expect(ng.memory().numTensors - mid).toBe(2);  // out and its int32 argmax
    expect(y3.requiresGrad).toBe(true);
  });

  it('empty batches and channels pass through', () => {
    use(config);
    const x = ng.zeros([0, 4, 4, 3]);
    x.requiresGrad = true;
    const y = x.maxPool2d();
    expect(y.shape).toEqual([0, 2, 2, 3]);
    y.sum().add(x.avgPool2d({ padding: 'same' }).sum()).backward();
    expect(x.grad!.shape).toEqual([0, 4, 4, 3]);
    expect(ng.zeros([2, 3, 3, 0]).globalAvgPool2d().shape).toEqual([2, 0]);
  });

  it('bad input names the op and the shapes', () => {
    use(config);
    const x = ng.zeros([2, 5, 5, 3]);
    expect(() => ng.maxPool2d(ng.zeros([5, 5, 3]))).toThrow(/maxPool2d: expected a 4-D NHWC tensor \[batch, height, width, channels\], got shape \[5,5,3\]/);
    expect(() => ng.avgPool2d(ng.zeros([2, 5, 5, 3], 'int32'))).toThrow(/avgPool2d: expected a float32 or float64 tensor, got int32 of shape \[2,5,5,3\]/);
    expect(() => x.maxPool2d({ poolSize: 6 })).toThrow(/maxPool2d: window 6×6 .* larger than the padded input 5×5 \(input 5×5/);
    expect(() => x.avgPool2d({ poolSize: [2, 7], padding: 'valid' })).toThrow(/avgPool2d: window 2×7 .* larger than the padded input 5×5/);
    expect(() => x.maxPool2d({ poolSize: 0 })).toThrow(/maxPool2d: poolSize must be a positive integer or a pair of them, got 0/);
    expect(() => x.maxPool2d({ poolSize: [2, -1] })).toThrow(/maxPool2d: poolSize must be a positive integer or a pair of them, got \[2,-1\]/);
    expect(() => x.maxPool2d({ poolSize: 1.5 })).toThrow(/poolSize must be a positive integer/);
    expect(() => x.maxPool2d({ strides: 0 })).toThrow(/maxPool2d: strides must be an integer ≥ 1 or a pair of them, got 0/);
    expect(() => x.avgPool2d({ strides: [1, -2] })).toThrow(/avgPool2d: strides must be an integer ≥ 1 or a pair of them, got \[1,-2\]/);
    expect(() => x.maxPool2d({ padding: 'full' as Padding })).toThrow(/maxPool2d: padding must be 'valid', 'same' or/);
    expect(() => x.maxPool2d({ padding: [[2, 0], [0, 0]] })).toThrow(/maxPool2d: padding \[\[2,0\],\[0,0\]\] leaves 2×2 windows with no input pixel \(input \[2,5,5,3\]\)/);
    expect(() => x.maxPool2d({ poolSize: 2, strides: 1, padding: [[0, 3], [0, 0]] })).toThrow(/leaves 2×2 windows with no input pixel/);
    expect(() => x.maxPool2d({ dilation: 2 } as ng.Pool2dOptions)).toThrow(/maxPool2d: unknown option 'dilation'/);
    expect(() => ng.globalMaxPool2d(ng.zeros([2, 3]))).toThrow(/globalMaxPool2d: expected a 4-D NHWC tensor .* got shape \[2,3\]/);
    expect(() => ng.globalAvgPool1d(x)).toThrow(/globalAvgPool1d: expected a 3-D tensor \[batch, time, channels\], got shape \[2,5,5,3\]/);
    expect(() => ng.globalMaxPool1d(ng.zeros([2, 0, 3]))).toThrow(/globalMaxPool1d: cannot pool over the empty time axes of \[2,0,3\]/);
    expect(() => ng.globalAvgPool2d(ng.zeros([2, 3, 3], 'int32'))).toThrow(/globalAvgPool2d: expected a float32 or float64 tensor, got int32/);
    expect(() => ng.maxPool2d([1, 2] as unknown as ng.Tensor)).toThrow(/maxPool2d: x must be a Tensor, got an array/);
  });
});

describe.each(NATIVE_ISAS)('native/%s results do not depend on the thread count', (isa) => {
  it('1 and 2 threads give the same bits, forward and backward', () => {
    const b = backendNamed('native');
    b.setIsa(isa);
    const threads = b.threads;
    const rnd = lcg(31);
    try {
      for (const k of [
        { n: 2, h: 33, w: 35, c: 24, kh: 3, kw: 3, sh: 1, sw: 1, padding: 'same' },
        { n: 3, h: 40, w: 40, c: 16, kh: 2, kw: 2, sh: 2, sw: 2, padding: 'valid' },
      ] as Case[]) {
        const w = windowOf(k)!;
        const [inSize, outSize] = sizes(k, w);
        const x = data('float32', inSize, rnd, 'ties');
        const dy = data('float32', outSize, rnd, 'random');
        b.setNumThreads(1);
        const one = allKernels(b, k, w, x, dy);
        b.setNumThreads(2);
        const two = allKernels(b, k, w, x, dy);
        for (const key of Object.keys(one) as (keyof Results)[]) {
          expect(Buffer.from(two[key].buffer).equals(Buffer.from(one[key].buffer)), `${key} ${label(k)}`).toBe(true);
        }
      }
    } finally {
      b.setNumThreads(threads);
    }
  });
});
