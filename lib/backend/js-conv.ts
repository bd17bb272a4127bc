/**
 * The convolution kernels of the js backend: direct loops over NHWC images, summed in
 * float64 and rounded once into the output. They are the oracle the native and wasm
 * kernels are tested against, so they favour the plainest reading of the definition.
 */
import type { TypedArray } from '../dtype.js';
import { type Activation, type Conv2dSpec, FUSED_LEAKY_ALPHA } from './backend.js';

/** The fused activations (GEMM and convolution epilogues). */
export const ACT: Record<Activation, (v: number) => number> = {
  none: (v) => v,
  relu: (v) => (v > 0 ? v : 0),
  leakyRelu: (v) => (v > 0 ? v : FUSED_LEAKY_ALPHA * v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
};

/**
 * Calls visit(n, oh, ow, i, j, ih, iw) for every tap of every output pixel that lands inside
 * the image (taps in the padding contribute nothing), in a fixed order.
 */
function forEachTap(spec: Conv2dSpec,
  visit: (n: number, oh: number, ow: number, i: number, j: number, ih: number, iw: number) => void,
  pixelDone?: (n: number, oh: number, ow: number) => void): void {
  const w = spec.window;
  for (let n = 0; n < spec.batch; n++) {
    for (let oh = 0; oh < w.outH; oh++) {
      for (let ow = 0; ow < w.outW; ow++) {
        for (let i = 0; i < w.kh; i++) {
          const ih = oh * w.strideH - w.padTop + i * w.dilationH;
          if (ih < 0 || ih >= w.inH) continue;
          for (let j = 0; j < w.kw; j++) {
            const iw = ow * w.strideW - w.padLeft + j * w.dilationW;
            if (iw < 0 || iw >= w.inW) continue;
            visit(n, oh, ow, i, j, ih, iw);
          }
        }
        pixelDone?.(n, oh, ow);
      }
    }
  }
}

const xIndex = (s: Conv2dSpec, n: number, ih: number, iw: number): number =>
  ((n * s.window.inH + ih) * s.window.inW + iw) * s.inC;
const yIndex = (s: Conv2dSpec, n: number, oh: number, ow: number): number =>
  ((n * s.window.outH + oh) * s.window.outW + ow) * s.outC;
/** Start of tap (i, j) in the filter seen as [kh, kw, rest]. */
const tapIndex = (s: Conv2dSpec, i: number, j: number, rest: number): number => (i * s.window.kw + j) * rest;

/**
 * Forward pass. Standard: output o of a pixel sums every input channel; depthwise: output
 * o = c·mult + q sums input channel c only.
 */
export function convForward(depthwise: boolean, x: TypedArray, f: TypedArray, y: TypedArray, spec: Conv2dSpec,
  bias?: TypedArray): void {
  const { inC, outC } = spec;
  const mult = depthwise && inC > 0 ? outC / inC : 0;
  const act = ACT[spec.activation];
  const acc = new Float64Array(outC);
  forEachTap(spec, (n, _oh, _ow, i, j, ih, iw) => {
    const xb = xIndex(spec, n, ih, iw);
    if (depthwise) {
      const fb = tapIndex(spec, i, j, outC);
      for (let c = 0; c < inC; c++) {
        const xv = x[xb + c]!;
        for (let q = 0; q < mult; q++) acc[c * mult + q]! += xv * f[fb + c * mult + q]!;
      }
      return;
    }
    const fb = tapIndex(spec, i, j, inC * outC);
    for (let c = 0; c < inC; c++) {
      const xv = x[xb + c]!;
      const fc = fb + c * outC;
      for (let o = 0; o < outC; o++) acc[o]! += xv * f[fc + o]!;
    }
  }, (n, oh, ow) => {
    const yb = yIndex(spec, n, oh, ow);
    for (let o = 0; o < outC; o++) y[yb + o] = act(acc[o]! + (bias ? bias[o]! : 0));
    acc.fill(0);
  });
}

/** dx = the adjoint of the forward pass (without bias and activation) applied to dy. */
export function convBackwardInput(depthwise: boolean, dy: TypedArray, f: TypedArray, dx: TypedArray,
  spec: Conv2dSpec): void {
  const { inC, outC } = spec;
  const mult = depthwise && inC > 0 ? outC / inC : 0;
  const acc = new Float64Array(dx.length);
  forEachTap(spec, (n, oh, ow, i, j, ih, iw) => {
    const xb = xIndex(spec, n, ih, iw);
    const yb = yIndex(spec, n, oh, ow);
    if (depthwise) {
      const fb = tapIndex(spec, i, j, outC);
      for (let c = 0; c < inC; c++) {
        let s = 0;
        for (let q = 0; q < mult; q++) s += dy[yb + c * mult + q]! * f[fb + c * mult + q]!;
        acc[xb + c]! += s;
      }
      return;
    }
    const fb = tapIndex(spec, i, j, inC * outC);
    for (let c = 0; c < inC; c++) {
      let s = 0;
      const fc = fb + c * outC;
      for (let o = 0; o < outC; o++) s += dy[yb + o]! * f[fc + o]!;
      acc[xb + c]! += s;
    }
  });
  dx.set(acc);
}

/** dFilter = Σ over pixels and in-image taps of x · dy. */
export function convBackwardFilter(depthwise: boolean, x: TypedArray, dy: TypedArray, df: TypedArray,
  spec: Conv2dSpec): void {
  const { inC, outC } = spec;
  const mult = depthwise && inC > 0 ? outC / inC : 0;
  const acc = new Float64Array(df.length);
  forEachTap(spec, (n, oh, ow, i, j, ih, iw) => {
    const xb = xIndex(spec, n, ih, iw);
    const yb = yIndex(spec, n, oh, ow);
    if (depthwise) {
      const fb = tapIndex(spec, i, j, outC);
      for (let c = 0; c < inC; c++) {
        const xv = x[xb + c]!;
        for (let q = 0; q < mult; q++) acc[fb + c * mult + q]! += xv * dy[yb + c * mult + q]!;
      }
      return;
    }
    const fb = tapIndex(spec, i, j, inC * outC);
    for (let c = 0; c < inC; c++) {
      const xv = x[xb + c]!;
      const fc = fb + c * outC;
      for (let o = 0; o < outC; o++) acc[fc + o]! += xv * dy[yb + o]!;
    }
  });
  df.set(acc);
}
