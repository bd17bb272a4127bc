// conv2d and depthwiseConv2d: the js oracle against an independent float64 reference (zero-
// padded image, explicit sums); every backend and ISA path against the js backend on random
// shapes (forward, dx, dfilter, dbias); gradcheck in float64 on every backend; bitwise-equal
// results for 1, 2 and 3 threads; bad input.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import type { Conv2dSpec, Storage } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { resolveWindow, type Padding, type Window2d } from '../lib/ops/window.js';
import { CONFIGS, type Config, NATIVE_ISAS, lcg, maxAbsDiff, onJs, use } from './backends.js';

afterAll(() => {
  ng.setBackend('native');
  ng.setNumThreads(2);
  ng.setBackend('js');
});

const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

function values(n: number, seed: number, dtype: 'float32' | 'float64' = 'float32'): Float64Array {
  const r = lcg(seed);
  const a = Float64Array.from({ length: n }, () => r() * 2 - 1);
  return dtype === 'float32' ? Float64Array.from(Float32Array.from(a)) : a;
}

// ---------------------------------------------------------------------------------------
// Independent float64 reference: pads the image with zeros, then sums over every tap.

interface Ref { y: Float64Array; dx: Float64Array; df: Float64Array }

/** Standard conv over a zero-padded copy of x; depthwise filters are expanded to full ones. */
function reference(x: Float64Array, xShape: number[], f: Float64Array, fShape: number[], dy: Float64Array,
  w: Window2d, depthwise: boolean): Ref {
  const [batch, inH, inW, inC] = xShape as [number, number, number, number];
  const [kh, kw, , last] = fShape as [number, number, number, number];
  const outC = depthwise ? inC * last : last;
  // The full filter [kh, kw, inC, outC] (depthwise: zero except output c·mult + q from input c).
  const full = new Float64Array(kh * kw * inC * outC);
  for (let t = 0; t < kh * kw; t++) {
    for (let c = 0; c < inC; c++) {
      for (let o = 0; o < outC; o++) {
        if (depthwise) {
          if (Math.floor(o / last) === c) full[(t * inC + c) * outC + o] = f[t * outC + o]!;
        } else {
          full[(t * inC + c) * outC + o] = f[(t * inC + c) * outC + o]!;
        }
      }
    }
  }
  const pH = inH + w.padTop + w.padBottom;
  const pW = inW + w.padLeft + w.padRight;
  const padded = new Float64Array(batch * pH * pW * inC);
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < inH; h++) {
      for (let v = 0; v < inW; v++) {
        for (let c = 0; c < inC; c++) {
          padded[((n * pH + h + w.padTop) * pW + v + w.padLeft) * inC + c] = x[((n * inH + h) * inW + v) * inC + c]!;
        }
      }
    }
  }
  const y = new Float64Array(batch * w.outH * w.outW * outC);
  const dPadded = new Float64Array(padded.length);
  const dFull = new Float64Array(full.length);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        for (let o = 0; o < outC; o++) {
          const yi = ((n * w.outH + oh) * w.outW + ow) * outC + o;
          let s = 0;
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              for (let c = 0; c < inC; c++) {
                const pi = ((n * pH + oh * w.strideH + i * w.dilationH) * pW + ow * w.strideW + j * w.dilationW) * inC + c;
                const fi = ((i * kw + j) * inC + c) * outC + o;
                s += padded[pi]! * full[fi]!;
                dPadded[pi]! += dy[yi]! * full[fi]!;
                dFull[fi]! += padded[pi]! * dy[yi]!;
              }
            }
          }
          y[yi] = s;
        }
      }
    }
  }
  const dx = new Float64Array(x.length);
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < inH; h++) {
      for (let v = 0; v < inW; v++) {
        for (let c = 0; c < inC; c++) {
          dx[((n * inH + h) * inW + v) * inC + c] = dPadded[((n * pH + h + w.padTop) * pW + v + w.padLeft) * inC + c]!;
        }
      }
    }
  }
  const df = new Float64Array(f.length);
  for (let t = 0; t < kh * kw; t++) {
    for (let c = 0; c < inC; c++) {
      for (let q = 0; q < last; q++) {
        const o = depthwise ? c * last + q : q;
        df[depthwise ? t * outC + o : (t * inC + c) * outC + o] = dFull[(t * inC + c) * outC + o]!;
      }
    }
  }
  return { y, dx, df };
}

// ---------------------------------------------------------------------------------------
// Cases

interface Case {
  name: string;
  depthwise?: boolean;
  x: [number, number, number, number];
  /** [kh, kw, inC, outC] or for depthwise [kh, kw, inC, multiplier]. */
  f: [number, number, number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dilation?: number | [number, number];
  bias?: boolean;
  activation?: ng.Conv2dOptions['activation'];
}

const CASES: Case[] = [
  { name: '1×1 stride 1 valid (plain GEMM)', x: [2, 5, 7, 6], f: [1, 1, 6, 9], bias: true },
  { name: '1×1 stride 2 valid', x: [3, 7, 6, 5], f: [1, 1, 5, 4], strides: 2 },
  { name: '1×1 same with bias+relu', x: [1, 4, 3, 3], f: [1, 1, 3, 17], padding: 'same', bias: true, activation: 'relu' },
  { name: '3×3 same stride 1, 1 channel', x: [2, 9, 11, 1], f: [3, 3, 1, 5], padding: 'same', bias: true },
  { name: '3×3 same stride 2, 3 channels', x: [3, 10, 9, 3], f: [3, 3, 3, 8], strides: 2, padding: 'same' },
  { name: '3×3 valid stride 3', x: [2, 11, 13, 4], f: [3, 3, 4, 6], strides: 3 },
  { name: '3×3 same dilation 2', x: [2, 9, 8, 5], f: [3, 3, 5, 7], padding: 'same', dilation: 2, bias: true },
  { name: '3×3 valid dilation 2 stride 2', x: [1, 13, 12, 3], f: [3, 3, 3, 4], strides: 2, dilation: 2 },
  { name: '5×5 explicit padding stride 2', x: [2, 9, 10, 3], f: [5, 5, 3, 6], strides: 2, padding: [[1, 2], [0, 3]] },
  { name: '5×3 (non-square) strides [1, 2]', x: [2, 8, 9, 4], f: [5, 3, 4, 5], strides: [1, 2], padding: 'same', activation: 'tanh', bias: true },
  { name: '7×7 same stride 2 (first layer)', x: [2, 15, 13, 3], f: [7, 7, 3, 8], strides: 2, padding: 'same', bias: true, activation: 'leakyRelu' },
  { name: '7×7 valid, kernel = input', x: [3, 7, 7, 2], f: [7, 7, 2, 5] },
  { name: 'many forward tiles', x: [3, 20, 21, 17], f: [3, 3, 17, 11], padding: 'same', bias: true, activation: 'sigmoid' },
  { name: 'many filter-gradient tiles', x: [3, 12, 12, 32], f: [7, 7, 32, 5], padding: 'same' },
  // dy as several tiles of the 1×1 filter gradient: dx and dfilter in one pass over them.
  { name: '1×1 → 512, dx and dfilter in one pass over dy tiles', x: [2, 12, 12, 16], f: [1, 1, 16, 512], bias: true },
  { name: '5×5 valid 6 → 16 (indirect GEMM, a pointer per filter row)', x: [3, 14, 14, 6], f: [5, 5, 6, 16], bias: true, activation: 'relu' },
  { name: '3×3 stride 2, only rows padded (a pointer per filter row)', x: [2, 9, 11, 5], f: [3, 3, 5, 12], strides: 2, padding: [[1, 1], [0, 0]] },
  { name: '3×3 dilation 2 valid → 10 (a pointer per tap)', x: [2, 11, 12, 4], f: [3, 3, 4, 10], dilation: 2, activation: 'leakyRelu' },
  { name: 'receptive field deeper than a GEMM k-block', x: [1, 6, 5, 130], f: [3, 3, 130, 10], padding: 'same', bias: true },
  { name: '3×3 same 3 → 32 (input gradient by dot products over out channels)', x: [2, 9, 11, 3], f: [3, 3, 3, 32], padding: 'same', bias: true },
  { name: '3×3 same dilation 2, 2 → 24 (dot products, taps that miss the image)', x: [2, 10, 9, 2], f: [3, 3, 2, 24], padding: 'same', dilation: 2 },
  { name: '3×3 same 5 → 48 (dot products, uneven channel blocks)', x: [2, 8, 9, 5], f: [3, 3, 5, 48], padding: 'same', activation: 'relu' },
  // Winograd F(2×2, 3×3): 3×3 stride 1 with 16 channels or more in and out (32 for the
  // forward on AVX2); odd output sizes (partial tiles), channel counts that leave vector tails.
  { name: '3×3 same 33 → 40 (Winograd, partial tiles, channel tails)', x: [2, 9, 7, 33], f: [3, 3, 33, 40], padding: 'same', bias: true, activation: 'relu' },
  { name: '3×3 valid 40 → 33 (Winograd forward and filter gradient)', x: [3, 8, 11, 40], f: [3, 3, 40, 33], bias: true },
  { name: '3×3 explicit padding 32 → 32 (Winograd, uneven padding)', x: [2, 10, 9, 32], f: [3, 3, 32, 32], padding: [[2, 0], [1, 2]] },
  // 275 tiles: two task groups, the second starting inside the image, where both gradients
  // run in one Winograd pass (native and wasm).
  { name: '3×3 same 32 → 40, 50×22 (Winograd backward in one pass, two groups)', x: [1, 50, 22, 32], f: [3, 3, 32, 40], padding: 'same', bias: true },
  // 128 tiles of 4×4 outputs (partial ones on the right and bottom): the filter gradient over
  // 4×4 tiles of dy, F(3×3, 4×4).
  { name: '3×3 same 16 → 24, 30×31 (Winograd filter gradient over 4×4 tiles)', x: [2, 30, 31, 16], f: [3, 3, 16, 24], padding: 'same' },
  // 50 tiles of 4×4 dx pixels (partial ones on the right), 72 and 24 channels (vector tails):
  // the input gradient over 4×4 tiles, F(4×4, 3×3); and 'valid', where that convolution of dy
  // is padded by 2.
  { name: '3×3 same 24 → 72, 20×19 (Winograd input gradient over 4×4 tiles)', x: [2, 20, 19, 24], f: [3, 3, 24, 72], padding: 'same' },
  { name: '3×3 valid 16 → 64, 24×24 (Winograd input gradient over 4×4 tiles, dy padded by 2)', x: [2, 24, 24, 16], f: [3, 3, 16, 64] },
  // Batches of at least two vectors of images (16 in float32 on AVX2 and in wasm, 8 in
  // float64): the input gradient vectorised over images, a partial last block included.
  { name: 'batch 17, 5×5 valid 1 → 6 (input gradient over images)', x: [17, 12, 11, 1], f: [5, 5, 1, 6] },
  { name: 'batch 18, 5×5 valid 6 → 16 (input gradient over images, a 6-channel block)', x: [18, 9, 10, 6], f: [5, 5, 6, 16], bias: true, activation: 'relu' },
  { name: 'batch 16, 3×3 same stride 2, 8 → 12 (input gradient over images, two channel blocks)', x: [16, 9, 8, 8], f: [3, 3, 8, 12], strides: 2, padding: 'same' },
  { name: 'batch 20, 3×3 dilation 2, explicit padding, 3 → 5 (input gradient over images)', x: [20, 8, 9, 3], f: [3, 3, 3, 5], dilation: 2, padding: [[2, 1], [0, 2]] },
  // The filter gradient vectorised over images (a vector of images per block: 16 in float32
  // on AVX-512, 8 on AVX2 and in float64 on AVX-512, 4 in wasm), with strides, 'same'
  // padding, and wide rows (the frame built a few rows at a time).
  { name: 'batch 17, 3×3 same stride 2, 2 → 3 (filter gradient over images)', x: [17, 9, 10, 2], f: [3, 3, 2, 3], strides: 2, padding: 'same' },
  { name: 'batch 16, 3×3 same, 4 → 4, 8×600 (filter gradient over images, rows in chunks)', x: [16, 8, 600, 4], f: [3, 3, 4, 4], padding: 'same' },
  { name: 'batch 70, 3×3 valid 1 → 2 (filter gradient over images, several blocks per group)', x: [70, 6, 5, 1], f: [3, 3, 1, 2] },
  { name: 'batch 2, 3×3 same 2 → 7, 21 wide (filter gradient over a row: a whole block of 16 pixels and a partial one)', x: [2, 9, 21, 2], f: [3, 3, 2, 7], padding: 'same' },
  { name: 'batch 17, 5×5 same 3 → 20 (filter gradient over images in blocks of out channels)', x: [17, 11, 10, 3], f: [5, 5, 3, 20], padding: 'same' },
  { name: 'depthwise 3×3 same', depthwise: true, x: [2, 9, 10, 7], f: [3, 3, 7, 1], padding: 'same', bias: true },
  { name: 'depthwise multiplier 3 stride 2', depthwise: true, x: [3, 11, 9, 5], f: [3, 3, 5, 3], strides: 2, padding: 'same', activation: 'relu', bias: true },
  { name: 'depthwise 5×5 dilation 2 valid', depthwise: true, x: [2, 13, 12, 4], f: [5, 5, 4, 2], dilation: 2 },
  { name: 'depthwise 70 channels (blocks + tail)', depthwise: true, x: [2, 6, 7, 70], f: [3, 3, 70, 1], strides: [2, 1], padding: [[2, 0], [1, 1]], bias: true, activation: 'tanh' },
  { name: 'depthwise 24 channels, wide rows', depthwise: true, x: [2, 5, 19, 24], f: [3, 3, 24, 1], padding: 'same' },
  { name: 'depthwise 7×7 stride 3 explicit', depthwise: true, x: [9, 10, 11, 3], f: [7, 7, 3, 2], strides: 3, padding: [[3, 3], [2, 4]] },
];

interface Result { y: Float64Array; dx: Float64Array; df: Float64Array; db?: Float64Array }

/** Runs a case on the current backend: forward, then backward of ⟨dy, y⟩. */
function runCase(c: Case, dtype: 'float32' | 'float64', seed: number): Result {
  const x = ng.tensor(values(prod(c.x), seed, dtype), c.x, dtype);
  const f = ng.tensor(values(prod(c.f), seed + 1, dtype), c.f, dtype);
  const outC = c.depthwise ? c.f[2] * c.f[3] : c.f[3];
  const bias = c.bias ? ng.tensor(values(outC, seed + 2, dtype), [outC], dtype) : undefined;
  for (const t of [x, f, ...(bias ? [bias] : [])]) t.requiresGrad = true;
  const opts: ng.Conv2dOptions = { strides: c.strides, padding: c.padding, dilation: c.dilation, bias, activation: c.activation };
  const y = c.depthwise ? ng.depthwiseConv2d(x, f, opts) : x.conv2d(f, opts);
  const dy = ng.tensor(values(y.size, seed + 3, dtype), y.shape, dtype);
  y.backward(dy);
  const out: Result = {
    y: Float64Array.from(y.dataSync()), dx: Float64Array.from(x.grad!.dataSync()), df: Float64Array.from(f.grad!.dataSync()),
    db: bias ? Float64Array.from(bias.grad!.dataSync()) : undefined,
  };
  ng.dispose([x, f, y, dy, ...(bias ? [bias] : [])]);
  return out;
}

function windowOf(c: Case): Window2d {
  return resolveWindow('test', c.x[1], c.x[2], c.f[0], c.f[1], { strides: c.strides, padding: c.padding, dilation: c.dilation });
}

describe('the js oracle', () => {
  it('matches a known answer (TensorFlow "same": the extra padding goes bottom/right)', () => {
    ng.setBackend('js');
    const x = ng.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = ng.conv2d(x, ng.ones([2, 2, 1, 1]), { padding: 'same' });
    expect(y.shape).toEqual([1, 3, 3, 1]);
    expect(Array.from(y.dataSync())).toEqual([12, 16, 9, 24, 28, 15, 15, 17, 9]);
    const s2 = ng.conv2d(x, ng.ones([3, 3, 1, 1]), { padding: 'same', strides: 2 });
    expect(Array.from(s2.dataSync())).toEqual([12, 16, 24, 28]);
  });

  it.each(CASES.filter((c) => !c.activation && !c.bias))('matches the zero-padded float64 reference: $name', (c) => {
    ng.setBackend('js');
    const seed = 11;
    const got = runCase(c, 'float64', seed);
    const x = values(prod(c.x), seed, 'float64');
    const f = values(prod(c.f), seed + 1, 'float64');
    const dy = values(got.y.length, seed + 3, 'float64');
    const want = reference(x, c.x, f, c.f, dy, windowOf(c), c.depthwise ?? false);
    expect(maxAbsDiff(got.y, want.y)).toBeLessThan(1e-12);
    expect(maxAbsDiff(got.dx, want.dx)).toBeLessThan(1e-12);
    expect(maxAbsDiff(got.df, want.df)).toBeLessThan(1e-12);
  });
});

describe.each(CONFIGS.filter((c) => c.backend !== 'js'))('$label against the js backend', (config: Config) => {
  it.each(CASES)('float32: $name', (c) => {
    use(config);
    const got = runCase(c, 'float32', 101);
    const want = onJs(config, () => runCase(c, 'float32', 101));
    const fieldSize = c.f[0] * c.f[1] * (c.depthwise ? 1 : c.f[2]);
    // Relative to max(1, |value|); the sums have fieldSize (y, dx) or many more (df, db) terms.
    const tol = 3e-6 * Math.sqrt(fieldSize * (c.depthwise ? 1 : c.f[3]) + 1);
    expect(maxAbsDiff(got.y, want.y)).toBeLessThan(tol);
    expect(maxAbsDiff(got.dx, want.dx)).toBeLessThan(tol);
    expect(maxAbsDiff(got.df, want.df)).toBeLessThan(2e-5 * Math.sqrt(got.y.length));
    if (c.bias) expect(maxAbsDiff(got.db!, want.db!)).toBeLessThan(2e-5 * Math.sqrt(got.y.length));
  });

  it.each(CASES.filter((c, i) => i % 3 === 0 || c.depthwise || c.name.includes('4×4 tiles')))('float64: $name', (c) => {
    use(config);
    const got = runCase(c, 'float64', 202);
    const want = onJs(config, () => runCase(c, 'float64', 202));
    for (const k of ['y', 'dx', 'df', 'db'] as const) {
      if (want[k]) expect(maxAbsDiff(got[k]!, want[k]!), k).toBeLessThan(1e-12);
    }
  });
});

// ---------------------------------------------------------------------------------------

function rnd64(shape: number[], seed: number, lo = -1, hi = 1): ng.Tensor {
  const r = lcg(seed);
  return ng.tensor(Float64Array.from({ length: prod(shape) }, () => lo + (hi - lo) * r()), shape, 'float64');
}

const GRAD_CASES: [string, () => ng.Tensor[], (...t: ng.Tensor[]) => ng.Tensor][] = [
  ['conv2d stride 2 same + bias', () => [rnd64([2, 5, 6, 3], 1), rnd64([3, 3, 3, 2], 2), rnd64([2], 3)],
    (x, f, b) => ng.conv2d(x!, f!, { strides: 2, padding: 'same', bias: b! })],
  ['conv2d dilation 2 valid + bias + tanh', () => [rnd64([1, 7, 6, 2], 4), rnd64([3, 2, 2, 3], 5), rnd64([3], 6)],
    (x, f, b) => ng.conv2d(x!, f!, { dilation: 2, bias: b!, activation: 'tanh' })],
  ['conv2d explicit padding strides [2, 1] + sigmoid', () => [rnd64([2, 4, 5, 2], 7), rnd64([2, 3, 2, 2], 8)],
    (x, f) => ng.conv2d(x!, f!, { strides: [2, 1], padding: [[1, 0], [2, 1]], activation: 'sigmoid' })],
  ['conv2d 2 → 24 same (input gradient by dot products)', () => [rnd64([1, 5, 6, 2], 18), rnd64([3, 3, 2, 24], 19)],
    (x, f) => x!.conv2d(f!, { padding: 'same' })],
  ['conv2d 1×1 (plain GEMM) + bias', () => [rnd64([2, 3, 4, 3], 9), rnd64([1, 1, 3, 4], 10), rnd64([4], 11)],
    (x, f, b) => x!.conv2d(f!, { bias: b! })],
  ['depthwise stride 2 same + bias', () => [rnd64([2, 5, 6, 3], 12), rnd64([3, 3, 3, 1], 13), rnd64([3], 14)],
    (x, f, b) => ng.depthwiseConv2d(x!, f!, { strides: 2, padding: 'same', bias: b! })],
  ['depthwise multiplier 2 dilation 2 + tanh', () => [rnd64([1, 7, 6, 2], 15), rnd64([2, 3, 2, 2], 16), rnd64([4], 17)],
    (x, f, b) => x!.depthwiseConv2d(f!, { dilation: 2, padding: 'same', bias: b!, activation: 'tanh' })],
];

describe.each(CONFIGS)('gradcheck on $label (float64)', (config) => {
  it.each(GRAD_CASES)('%s', (_name, inputs, fn) => {
    use(config);
    const report = ng.gradcheck(fn, inputs());
    expect(report.relativeError, report.summary).toBeLessThan(1e-7);
    expect(report.passed).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------

describe.runIf(NATIVE_ISAS.length > 0)('thread-count independence (native)', () => {
  const cases: Case[] = [
    { name: 'conv 3×3 same, many tiles', x: [5, 24, 23, 16], f: [3, 3, 16, 24], padding: 'same', bias: true, activation: 'relu' },
    { name: 'conv 5×5 stride 2, filter-gradient tiles', x: [4, 30, 31, 12], f: [5, 5, 12, 20], strides: 2, padding: 'same' },
    { name: 'conv 1×1', x: [4, 20, 20, 64], f: [1, 1, 64, 80] },
    { name: 'conv 1×1 → 512 (dx and dfilter in one pass, in groups of tiles)', x: [4, 24, 24, 32], f: [1, 1, 32, 512] },
    { name: 'depthwise', depthwise: true, x: [9, 17, 18, 100], f: [3, 3, 100, 2], padding: 'same', bias: true },
    { name: 'conv 5×5 valid 6 → 16 (indirect GEMM)', x: [9, 14, 14, 6], f: [5, 5, 6, 16], bias: true },
    { name: 'conv 3 → 6 channels (direct kernel)', x: [9, 20, 19, 3], f: [5, 5, 3, 6], padding: 'same', bias: true },
    { name: 'conv 24 → 5 channels (transposed GEMM)', x: [9, 14, 13, 24], f: [3, 3, 24, 5], strides: 2 },
    { name: 'conv 3 → 32 channels (input gradient by dot products)', x: [9, 20, 19, 3], f: [3, 3, 3, 32], padding: 'same' },
    { name: 'conv 6 → 16 channels, batch 33 (input gradient over images)', x: [33, 14, 14, 6], f: [5, 5, 6, 16] },
    { name: 'conv 2 → 6 channels, batch 35, 20×150 (filter gradient over images, rows in chunks)', x: [35, 20, 150, 2], f: [5, 5, 2, 6], padding: 'same', strides: [2, 1] },
    { name: 'conv 3 → 20 channels, batch 150 (filter gradient over images in groups of blocks)', x: [150, 9, 8, 3], f: [3, 3, 3, 20], padding: 'same' },
  ];
  it.each(NATIVE_ISAS.flatMap((isa) => cases.map((c) => ({ isa, c }))))('$isa: $c.name', ({ isa, c }) => {
    ng.setBackend('native');
    ng.setIsa(isa);
    const bits = (threads: number) => {
      ng.setNumThreads(threads);
      const r = runCase(c, 'float32', 7);
      return [r.y, r.dx, r.df, r.db ?? new Float64Array()];
    };
    const one = bits(1);
    for (const threads of [2, 3]) {
      const many = bits(threads);
      many.forEach((a, k) => expect(Buffer.from(a.buffer).equals(Buffer.from(one[k]!.buffer)), `output ${k}, ${threads} threads`).toBe(true));
    }
    ng.setNumThreads(2);
  });
});

// ---------------------------------------------------------------------------------------

describe('conv2dBackward (both gradients in one call)', () => {
  // The 1×1 shapes have dy in several filter-gradient tiles (dx and dfilter in one pass over
  // them); the others run the two passes. Either way: bitwise the separate kernels' results.
  const shapes: { name: string; c: Case }[] = [
    { name: '1×1 → 512, tiles in groups', c: { name: '', x: [4, 24, 24, 32], f: [1, 1, 32, 512] } },
    { name: '1×1 → 512, two tiles (four in float64)', c: { name: '', x: [3, 10, 11, 8], f: [1, 1, 8, 512] } },
    { name: '1×1, one tile', c: { name: '', x: [2, 5, 7, 6], f: [1, 1, 6, 9] } },
    { name: '3×3 same', c: { name: '', x: [2, 9, 8, 5], f: [3, 3, 5, 7], padding: 'same' } },
    { name: '3×3 stride 2', c: { name: '', x: [3, 10, 9, 3], f: [3, 3, 3, 8], strides: 2 } },
  ];
  const configs = [...NATIVE_ISAS.map((isa) => ({ backend: 'native' as const, isa })), { backend: 'wasm' as const, isa: '' },
    { backend: 'js' as const, isa: '' }];
  it.each(configs.flatMap((cfg) => (['float32', 'float64'] as const).flatMap((dtype) => shapes.map((sh) => ({ ...cfg, dtype, sh })))))(
    '$backend $isa $dtype: $sh.name', ({ backend, isa, dtype, sh }) => {
      ng.setBackend(backend);
      if (isa) ng.setIsa(isa);
      const b = backendNamed(backend);
      const w = windowOf(sh.c);
      const spec: Conv2dSpec = { batch: sh.c.x[0], inC: sh.c.x[3], outC: sh.c.f[3], activation: 'none', window: w };
      const ny = spec.batch * w.outH * w.outW * spec.outC;
      const Typed = dtype === 'float32' ? Float32Array : Float64Array;
      const up = (v: ArrayLike<number>) => b.upload(dtype, Typed.from(v));
      const x = up(values(prod(sh.c.x), 1, dtype)), f = up(values(prod(sh.c.f), 2, dtype)), dy = up(values(ny, 3, dtype));
      // Outputs start as NaN: every element must be written.
      const [dx1, df1, dx2, df2] = [sh.c.x, sh.c.f, sh.c.x, sh.c.f].map((shape) => up(new Float64Array(prod(shape)).fill(NaN))) as
        [Storage, Storage, Storage, Storage];
      b.conv2dBackwardInput(dy, f, dx1, spec);
      b.conv2dBackwardFilter(x, dy, df1, spec);
      b.conv2dBackward(x, dy, f, dx2, df2, spec);
      const bytes = (s: Storage) => Buffer.from(Typed.from(b.read(s)).buffer);
      expect(bytes(dx2).equals(bytes(dx1)), 'dx').toBe(true);
      expect(bytes(df2).equals(bytes(df1)), 'dfilter').toBe(true);
      expect(Array.from(b.read(dx2)).some(Number.isNaN) || Array.from(b.read(df2)).some(Number.isNaN)).toBe(false);
      for (const s of [x, f, dy, dx1, df1, dx2, df2]) b.free(s);
    });
});

// ---------------------------------------------------------------------------------------

describe('bad input', () => {
  const x = () => ng.zeros([2, 6, 6, 3]);
  it.each([
    ['channel mismatch', () => ng.conv2d(x(), ng.zeros([3, 3, 4, 2])), /conv2d: filter \[3,3,4,2\].*expects 4 input channels, but x \[2,6,6,3\] has 3/],
    ['depthwise channel mismatch', () => ng.depthwiseConv2d(x(), ng.zeros([3, 3, 2, 1])), /depthwiseConv2d: filter \[3,3,2,1\].*expects 2 input channels/],
    ['kernel larger than a valid input', () => ng.conv2d(x(), ng.zeros([7, 3, 3, 2])), /conv2d: window 7×3.*larger than the padded input 6×6/],
    ['dilated kernel larger than the input', () => ng.conv2d(x(), ng.zeros([3, 3, 3, 2]), { dilation: 3 }), /conv2d: window 3×3 \(dilated span 7×7\)/],
    ['zero stride', () => ng.conv2d(x(), ng.zeros([3, 3, 3, 2]), { strides: 0 }), /conv2d: strides must be an integer ≥ 1/],
    ['negative stride', () => ng.conv2d(x(), ng.zeros([3, 3, 3, 2]), { strides: [1, -2] }), /conv2d: strides must be an integer ≥ 1/],
    ['zero dilation', () => ng.depthwiseConv2d(x(), ng.zeros([3, 3, 3, 1]), { dilation: 0 }), /depthwiseConv2d: dilation must be an integer ≥ 1/],
    ['bad padding', () => ng.conv2d(x(), ng.zeros([3, 3, 3, 2]), { padding: 'full' as never }), /conv2d: padding must be/],
    ['rank-3 x', () => ng.conv2d(ng.zeros([6, 6, 3]), ng.zeros([3, 3, 3, 2])), /conv2d: x must be NHWC.*got shape \[6,6,3\]/],
    ['rank-3 filter', () => ng.conv2d(x(), ng.zeros([3, 3, 3])), /conv2d: filter must be \[kh, kw, inC, outC\], got shape \[3,3,3\]/],
    ['empty filter window', () => ng.conv2d(x(), ng.zeros([0, 3, 3, 2])), /conv2d: the filter window must be at least 1×1/],
    ['int32 x', () => ng.conv2d(ng.zeros([1, 4, 4, 3], 'int32'), ng.zeros([3, 3, 3, 2])), /conv2d: expected float32 or float64 tensors, got x int32/],
    ['bias of the wrong length', () => ng.conv2d(x(), ng.zeros([3, 3, 3, 2]), { bias: ng.zeros([3]) }), /conv2d: bias \[3\] must have 2 elements/],
    ['depthwise bias of the wrong length', () => ng.depthwiseConv2d(x(), ng.zeros([3, 3, 3, 2]), { bias: ng.zeros([3]) }), /depthwiseConv2d: bias \[3\] must have 6 elements/],
    ['unknown activation', () => ng.conv2d(x(), ng.zeros([3, 3, 3, 2]), { activation: 'gelu' as never }), /conv2d: activation must be one of/],
    ['not a tensor', () => ng.conv2d([1, 2] as never, ng.zeros([3, 3, 3, 2])), /conv2d: x must be a Tensor/],
  ] as const)('%s', (_name, fn, message) => {
    ng.setBackend('native');
    expect(fn).toThrow(message);
  });

  const spec = (batch: number): Conv2dSpec => ({
    batch, inC: 3, outC: 2, activation: 'none', window: resolveWindow('t', 6, 6, 3, 3, { padding: 'same' }),
  });
  it.each(['native', 'wasm'] as const)('the %s kernels re-check buffer sizes and dtypes', (name) => {
    const b = backendNamed(name);
    const xs = b.alloc('float32', 2 * 6 * 6 * 3);
    const fs = b.alloc('float32', 3 * 3 * 3 * 2);
    const ys = b.alloc('float32', 2 * 6 * 6 * 2);
    const f64 = b.alloc('float64', 3 * 3 * 3 * 2);
    expect(() => b.conv2d(xs, fs, ys, spec(3))).toThrow(/conv2d: 'x' has 216 elements, expected 324/);
    expect(() => b.conv2d(xs, fs, ys, spec(2), b.alloc('float32', 3))).toThrow(/conv2d: 'bias' has 3 elements, expected 2/);
    expect(() => b.conv2dBackwardInput(ys, fs, fs, spec(2))).toThrow(/conv2dBackwardInput: 'dx' has 54 elements, expected 216/);
    expect(() => b.conv2dBackwardFilter(xs, ys, xs, spec(2))).toThrow(/conv2dBackwardFilter: 'dfilter' has 216 elements, expected 54/);
    expect(() => b.conv2dBackward(xs, ys, fs, xs, xs, spec(2))).toThrow(/conv2dBackward: 'dfilter' has 216 elements, expected 54/);
    expect(() => b.conv2dBackward(xs, xs, fs, xs, fs, spec(2))).toThrow(/conv2dBackward: 'dy' has 216 elements, expected 144/);
    expect(() => b.conv2dBackward(xs, ys, f64, xs, fs, spec(2))).toThrow(/conv2dBackward: 'filter' must be float32/);
    expect(() => b.conv2d(xs, f64, ys, spec(2))).toThrow(/conv2d: 'filter' must be float32/);
    expect(() => b.depthwiseConv2d(xs, fs, ys, { ...spec(2), outC: 6 })).toThrow(/depthwiseConv2d: 'y' has 144 elements, expected 432/);
    expect(() => b.depthwiseConv2d(xs, fs, ys, spec(2))).toThrow(/depthwiseConv2d: out channels \(2\) must be a multiple of in channels \(3\)/);
    for (const s of [xs, fs, ys, f64]) b.free(s);
  });
});

describe('garbage geometry', () => {
  // Random metas (zero and huge dims, strides, pads, out sizes that do not follow from the
  // window): every call either throws a named Error or runs; with buffers of exactly the
  // sizes the meta implies, many run, and must stay inside them.
  it.each(['native', 'wasm'] as const)('the %s kernels refuse or run every random meta without crashing', (name) => {
    const b = backendNamed(name);
    const rnd = lcg(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const values = [0, 1, 1, 2, 2, 3, 5, 2 ** 31, 2 ** 40] as const;
    const steps = [1, 1, 1, 2, 3, 2 ** 31] as const;
    const pads = [0, 0, 1, 2, 2 ** 31] as const;
    const junk = [0, 1, 8, 27].map((n) => b.alloc('float32', n));
    let ran = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const v = () => pick(values);
      const window: Window2d = {
        inH: v(), inW: v(), kh: v(), kw: v(), strideH: pick(steps), strideW: pick(steps), dilationH: pick(steps),
        dilationW: pick(steps), padTop: pick(pads), padBottom: 0, padLeft: pick(pads), padRight: 0, outH: v(), outW: v(),
      };
      const spec: Conv2dSpec = { batch: v(), inC: v(), outC: v(), activation: pick(['none', 'relu', 'tanh'] as const), window };
      const depthwise = rnd() < 0.5;
      const sizes = [
        spec.batch * window.inH * window.inW * spec.inC,
        window.kh * window.kw * (depthwise ? 1 : spec.inC) * spec.outC,
        spec.batch * window.outH * window.outW * spec.outC,
      ];
      const exact = rnd() < 0.7 && sizes.every((n) => n <= 5000);
      const buf = exact ? sizes.map((n) => b.alloc('float32', n)) : [pick(junk), pick(junk), pick(junk)];
      const [xs, fs, ys] = buf as [Storage, Storage, Storage];
      try {
        const pass = Math.floor(rnd() * 4);
        if (pass === 3) b.conv2dBackward(xs, ys, fs, xs, fs, spec);
        else if (depthwise) {
          if (pass === 0) b.depthwiseConv2d(xs, fs, ys, spec);
          else if (pass === 1) b.depthwiseConv2dBackwardInput(ys, fs, xs, spec);
          else b.depthwiseConv2dBackwardFilter(xs, ys, fs, spec);
        } else if (pass === 0) b.conv2d(xs, fs, ys, spec);
        else if (pass === 1) b.conv2dBackwardInput(ys, fs, xs, spec);
        else b.conv2dBackwardFilter(xs, ys, fs, spec);
        ran++;
      } catch (e) {
        expect((e as Error).message).toMatch(/^(depthwiseC|c)onv2d(BackwardInput|BackwardFilter|Backward)?: /);
      }
      if (exact) for (const s of buf) b.free(s);
    }
    expect(ran).toBeGreaterThan(50);
    for (const s of junk) b.free(s);
  });
});

describe('edge cases', () => {
  it.each(CONFIGS)('$label: an empty batch gives empty output and zero filter/bias gradients', (config) => {
    use(config);
    const x = ng.zeros([0, 5, 5, 2]);
    const f = ng.ones([3, 3, 2, 4]);
    const b = ng.ones([4]);
    f.requiresGrad = true;
    b.requiresGrad = true;
    const y = ng.conv2d(x, f, { padding: 'same', bias: b });
    expect(y.shape).toEqual([0, 5, 5, 4]);
    y.sum().backward();
    expect(Array.from(f.grad!.dataSync())).toEqual(new Array(72).fill(0));
    expect(Array.from(b.grad!.dataSync())).toEqual([0, 0, 0, 0]);
  });

  it.each(CONFIGS)('$label: stride larger than the kernel leaves untouched pixels with zero gradient', (config) => {
    use(config);
    const x = ng.ones([1, 5, 5, 1]);
    x.requiresGrad = true;
    ng.conv2d(x, ng.ones([1, 1, 1, 1]), { strides: 3 }).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([
      1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it.each(CONFIGS)('$label: strides far larger than the image take one window', (config) => {
    use(config);
    const x = ng.tensor(Float32Array.from({ length: 30 }, (_, i) => i), [1, 5, 6, 1]);
    x.requiresGrad = true;
    const y = ng.conv2d(x, ng.ones([2, 2, 1, 3]), { strides: 2 ** 30 });
    expect(y.shape).toEqual([1, 1, 1, 3]);
    expect(Array.from(y.dataSync())).toEqual([14, 14, 14]);
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync()).filter((v) => v !== 0)).toEqual([3, 3, 3, 3]);
  });

  it.each(CONFIGS)('$label: an inf in the input reaches only the filter taps that read it', (config) => {
    use(config);
    // 'valid', 7 wide, 3×3: 5 output columns, so the vector paths' last block runs past the
    // row. Input column 6 holds inf; filter column j reads input columns j .. j + 4, so only
    // j = 2 reaches it and columns 0 and 1 of the filter gradient stay finite.
    for (const dtype of ['float32', 'float64'] as const) {
      const xv = Array.from({ length: 2 * 4 * 7 * 2 }, (_, i) => ((i * 37) % 11) / 11 - 0.4);
      for (let i = 0; i < xv.length; i++) if (Math.floor(i / 2) % 7 === 6) xv[i] = Infinity;
      const x = ng.tensor(xv, [2, 4, 7, 2], dtype);
      const f = ng.tensor(Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => ((i * 13) % 7) / 7 - 0.5), [3, 3, 2, 3], dtype);
      f.requiresGrad = true;
      const y = ng.conv2d(x, f);
      y.backward(ng.onesLike(y));
      const df = f.grad!.dataSync();
      const fv = Array.from(f.dataSync());
      const want = onJs(config, () => {
        const fj = ng.tensor(fv, [3, 3, 2, 3], dtype);
        fj.requiresGrad = true;
        const yj = ng.conv2d(ng.tensor(xv, [2, 4, 7, 2], dtype), fj);
        yj.backward(ng.onesLike(yj));
        return Array.from(fj.grad!.dataSync());
      });
      for (let e = 0; e < df.length; e++) {
        const j = Math.floor(e / 6) % 3;  // [kh, kw, inC, outC]: 6 entries per filter column
        if (j < 2) {
          expect(Number.isFinite(df[e]), `${dtype} df[${e}]`).toBe(true);
          expect(Math.abs(df[e]! - want[e]!), `${dtype} df[${e}]`).toBeLessThan(1e-4);
        } else {
          expect(Number.isFinite(df[e]), `${dtype} df[${e}]`).toBe(false);
        }
      }
    }
  });

  it('mixed dtypes promote to float64 and give gradients in each input dtype', () => {
    ng.setBackend('native');
    const x = ng.ones([1, 3, 3, 2]);
    const f = ng.ones([2, 2, 2, 1], 'float64');
    x.requiresGrad = true;
    f.requiresGrad = true;
    const y = ng.conv2d(x, f);
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(f.grad!.dtype).toBe('float64');
    expect(Array.from(f.grad!.dataSync())).toEqual(new Array(8).fill(4));
  });
});
