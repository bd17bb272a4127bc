/**
 * Pooling in plain loops for the js backend: the oracle the C++ kernels are tested against.
 * Written the direct way (each window visits its taps; the backward scatters each dy into
 * the window), unlike the kernels, which gather; both visit windows in the same order.
 */
import type { TypedArray } from '../dtype.js';
import type { Window2d } from '../ops/window.js';

/** The taps [lo, hi) of the window at output position o that land inside [0, size). */
function inside(o: number, stride: number, pad: number, k: number, size: number): [number, number] {
  const start = o * stride - pad;
  return [Math.max(0, -start), Math.min(k, size - start)];
}

/**
 * Calls fn for every window: the offset o of its output pixel, the window's origin (y0, x0)
 * in the image (negative inside the padding), its in-bounds tap ranges and the image's offset.
 */
function forEachWindow(n: number, c: number, w: Window2d,
  fn: (o: number, y0: number, x0: number, ky: [number, number], kx: [number, number], img: number) => void): void {
  for (let b = 0; b < n; b++) {
    const img = b * w.inH * w.inW * c;
    for (let oh = 0; oh < w.outH; oh++) {
      const ky = inside(oh, w.strideH, w.padTop, w.kh, w.inH);
      for (let ow = 0; ow < w.outW; ow++) {
        const kx = inside(ow, w.strideW, w.padLeft, w.kw, w.inW);
        fn(((b * w.outH + oh) * w.outW + ow) * c, oh * w.strideH - w.padTop, ow * w.strideW - w.padLeft, ky, kx, img);
      }
    }
  }
}

export function maxPool2d(x: TypedArray, out: TypedArray, argmax: TypedArray | null, n: number, c: number,
  w: Window2d): void {
  forEachWindow(n, c, w, (o, y0, x0, [ky0, ky1], [kx0, kx1], img) => {
    for (let j = 0; j < c; j++) {
      let m = -Infinity;
      let at = ky0 < ky1 && kx0 < kx1 ? ky0 * w.kw + kx0 : -1;
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) {
          const v = x[img + ((y0 + ky) * w.inW + x0 + kx) * c + j]!;
          if (v > m || (v !== v && m === m)) {
            m = v;
            at = ky * w.kw + kx;
          }
        }
      }
      out[o + j] = m;
      if (argmax) argmax[o + j] = at;
    }
  });
}

export function maxPool2dGrad(dy: TypedArray, argmax: TypedArray, dx: TypedArray, n: number, c: number,
  w: Window2d): void {
  dx.fill(0);
  forEachWindow(n, c, w, (o, y0, x0, _ky, _kx, img) => {
    for (let j = 0; j < c; j++) {
      const at = argmax[o + j]!;
      if (at < 0) continue;
      const ky = Math.floor(at / w.kw);
      const kx = at - ky * w.kw;
      const i = img + ((y0 + ky) * w.inW + x0 + kx) * c + j;
      dx[i] = dx[i]! + dy[o + j]!;
    }
  });
}

export function avgPool2d(x: TypedArray, out: TypedArray, n: number, c: number, w: Window2d): void {
  forEachWindow(n, c, w, (o, y0, x0, [ky0, ky1], [kx0, kx1], img) => {
    const count = Math.max(0, ky1 - ky0) * Math.max(0, kx1 - kx0);
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let ky = ky0; ky < ky1; ky++) {
        for (let kx = kx0; kx < kx1; kx++) s += x[img + ((y0 + ky) * w.inW + x0 + kx) * c + j]!;
      }
      out[o + j] = count > 0 ? s / count : 0;
    }
  });
}

export function avgPool2dGrad(dy: TypedArray, dx: TypedArray, n: number, c: number, w: Window2d): void {
  dx.fill(0);
  forEachWindow(n, c, w, (o, y0, x0, [ky0, ky1], [kx0, kx1], img) => {
    const inv = 1 / ((ky1 - ky0) * (kx1 - kx0));
    for (let ky = ky0; ky < ky1; ky++) {
      for (let kx = kx0; kx < kx1; kx++) {
        const base = img + ((y0 + ky) * w.inW + x0 + kx) * c;
        for (let j = 0; j < c; j++) dx[base + j] = dx[base + j]! + dy[o + j]! * inv;
      }
    }
  });
}
