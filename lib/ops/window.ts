/**
 * Geometry of sliding-window ops (convolution, pooling) over NHWC images: validation of the
 * Keras-style options and the output size and padding they imply, computed once here so
 * every spatial op and every backend agrees.
 */

/** 'valid' (no padding), 'same' (TensorFlow's: output = ceil(input / stride)), or explicit [[top, bottom], [left, right]]. */
export type Padding = 'valid' | 'same' | readonly [readonly [number, number], readonly [number, number]];

export interface WindowOptions {
  /** One number for both axes, or [strideH, strideW]. Default 1. */
  strides?: number | readonly [number, number];
  padding?: Padding;
  /** Spacing between window taps, one number or [dh, dw]. Default 1. */
  dilation?: number | readonly [number, number];
}

/** Everything a kernel needs to walk the windows of one spatial op. */
export interface Window2d {
  inH: number;
  inW: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  outH: number;
  outW: number;
}

function pair(op: string, name: string, v: number | readonly [number, number] | undefined, dflt: number, min: number): [number, number] {
  const p: readonly unknown[] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : [v];
  if (p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min)) {
    throw new Error(`${op}: ${name} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** TensorFlow's 'same' split of the total padding: the extra pixel goes after (bottom/right). */
function samePadding(inSize: number, stride: number, span: number): [number, number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + span - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before, out];
}

/**
 * Resolves strides, padding and dilation for a window of kh×kw over an inH×inW image.
 * Throws a clear error for non-positive strides or dilations, negative padding, or a
 * window that does not fit the (padded) input.
 */
export function resolveWindow(op: string, inH: number, inW: number, kh: number, kw: number, options: WindowOptions = {}): Window2d {
  const [strideH, strideW] = pair(op, 'strides', options.strides, 1, 1);
  const [dilationH, dilationW] = pair(op, 'dilation', options.dilation, 1, 1);
  const spanH = (kh - 1) * dilationH + 1;
  const spanW = (kw - 1) * dilationW + 1;
  const padding = options.padding ?? 'valid';
  let padTop = 0;
  let padBottom = 0;
  let padLeft = 0;
  let padRight = 0;
  if (padding === 'same') {
    let outH: number;
    let outW: number;
    [padTop, padBottom, outH] = samePadding(inH, strideH, spanH);
    [padLeft, padRight, outW] = samePadding(inW, strideW, spanW);
    return { inH, inW, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padBottom, padLeft, padRight, outH, outW };
  }
  if (padding !== 'valid') {
    const ok = Array.isArray(padding) && padding.length === 2 && padding.every((p) => Array.isArray(p) && p.length === 2
      && p.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0));
    if (!ok) throw new Error(`${op}: padding must be 'valid', 'same' or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(padding)}`);
    [[padTop, padBottom], [padLeft, padRight]] = padding as [[number, number], [number, number]];
  }
  const paddedH = inH + padTop + padBottom;
  const paddedW = inW + padLeft + padRight;
  if (spanH > paddedH || spanW > paddedW) {
    throw new Error(`${op}: window ${kh}×${kw} (dilated span ${spanH}×${spanW}) is larger than the padded input ${paddedH}×${paddedW} (input ${inH}×${inW}, padding ${JSON.stringify(padding)})`);
  }
  const outH = Math.floor((paddedH - spanH) / strideH) + 1;
  const outW = Math.floor((paddedW - spanW) / strideW) + 1;
  return { inH, inW, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padBottom, padLeft, padRight, outH, outW };
}

/** The window's integers in the fixed order kernels take them (see native/kernels/conv/window.h). */
export function windowMeta(w: Window2d): number[] {
  return [w.inH, w.inW, w.kh, w.kw, w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.outH, w.outW];
}
