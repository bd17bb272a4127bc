/**
 * Pooling over NHWC images (and [batch, time, channels] sequences): max and average with
 * Keras-style options, and their global variants. Forward and backward are backend kernels.
 */
import { record } from '../autograd/record.js';
import { isGradEnabled } from '../autograd/mode.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor, empty } from './util.js';
import { type Padding, type Window2d, resolveWindow } from './window.js';

export interface Pool2dOptions {
  /** Window size, one number for both axes or [height, width]. Default 2 (as Keras). */
  poolSize?: number | readonly [number, number];
  /** Window step, one number or [strideH, strideW]. Default: the pool size (as Keras). */
  strides?: number | readonly [number, number];
  /** 'valid' (default), 'same' (TensorFlow's: out = ceil(in / stride)) or [[top, bottom], [left, right]]. */
  padding?: Padding;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['poolSize', 'strides', 'padding']);

function checkFloat(op: string, x: Tensor): void {
  if (x.dtype === 'int32') throw new Error(`${op}: expected a float32 or float64 tensor, got int32 of shape ${shapeString(x.shape)}`);
}

function poolSize(op: string, v: Pool2dOptions['poolSize']): [number, number] {
  const p: readonly unknown[] = v === undefined ? [2, 2] : typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : [v];
  if (p.length !== 2 || !p.every((k) => typeof k === 'number' && Number.isSafeInteger(k) && k >= 1)) {
    throw new Error(`${op}: poolSize must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0] as number, p[1] as number];
}

/** The window of a pooling op over x [n, h, w, c], checked so that every window holds at least one input pixel. */
function poolWindow(op: string, x: Tensor, options: Pool2dOptions): Window2d {
  checkTensor(op, x);
  checkFloat(op, x);
  if (x.rank !== 4) {
    throw new Error(`${op}: expected a 4-D NHWC tensor [batch, height, width, channels], got shape ${shapeString(x.shape)}`);
  }
  if (options === null || typeof options !== 'object') throw new Error(`${op}: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new Error(`${op}: unknown option '${key}' (expected poolSize, strides, padding)`);
  }
  const [kh, kw] = poolSize(op, options.poolSize);
  const w = resolveWindow(op, x.shape[1]!, x.shape[2]!, kh, kw, {
    strides: options.strides ?? [kh, kw],
    padding: options.padding ?? 'valid',
  });
  // Windows lying wholly in the padding would have nothing to pool ('same' never makes one).
  const lastTop = (w.outH - 1) * w.strideH - w.padTop;
  const lastLeft = (w.outW - 1) * w.strideW - w.padLeft;
  if (w.outH > 0 && w.outW > 0 && (w.padTop >= kh || w.padLeft >= kw || lastTop >= w.inH || lastLeft >= w.inW)) {
    throw new Error(`${op}: padding ${JSON.stringify(options.padding)} leaves ${kh}×${kw} windows with no input pixel ` +
      `(input ${shapeString(x.shape)}); padding on each side must be smaller than the pool size`);
  }
  return w;
}

function maxPoolWith(op: string, x: Tensor, w: Window2d, outShape: readonly number[]): Tensor {
  const n = x.shape[0]!;
  const c = x.shape[x.rank - 1]!;
  const out = empty(x.backend, x.dtype, outShape);
  // The argmax is kept only when the backward may run: routing the gradient from it needs no
  // second pass over x and follows exactly the ties and NaNs that the forward decided.
  const argmax = isGradEnabled() && x.requiresGrad ? empty(x.backend, 'int32', outShape) : null;
  if (out.size > 0) x.backend.maxPool2d(x.storage, out.storage, argmax ? argmax.storage : null, n, c, w);
  if (!argmax) return out;
  return record(out, op, [x], (g) => {
    const dx = empty(g.backend, g.dtype, x.shape);
    if (dx.size > 0) g.backend.maxPool2dGrad(g.storage, argmax.storage, dx.storage, n, c, w);
    return [dx];
  });
}

function avgPoolWith(op: string, x: Tensor, w: Window2d, outShape: readonly number[]): Tensor {
  const n = x.shape[0]!;
  const c = x.shape[x.rank - 1]!;
  const out = empty(x.backend, x.dtype, outShape);
  if (out.size > 0) x.backend.avgPool2d(x.storage, out.storage, n, c, w);
  return record(out, op, [x], (g) => {
    const dx = empty(g.backend, g.dtype, x.shape);
    if (dx.size > 0) g.backend.avgPool2dGrad(g.storage, dx.storage, n, c, w);
    return [dx];
  });
}

/**
 * Max pooling of NHWC x [batch, height, width, channels]. Padding never wins: only pixels
 * inside the image count. The gradient goes to the first maximum of each window.
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  const w = poolWindow('maxPool2d', x, options);
  return maxPoolWith('maxPool2d', x, w, [x.shape[0]!, w.outH, w.outW, x.shape[3]!]);
}

/**
 * Average pooling of NHWC x [batch, height, width, channels]. Each window averages the
 * pixels inside the image only (padding is not counted, as TensorFlow's 'same').
 */
export function avgPool2d(x: Tensor, options: Pool2dOptions = {}): Tensor {
  const w = poolWindow('avgPool2d', x, options);
  return avgPoolWith('avgPool2d', x, w, [x.shape[0]!, w.outH, w.outW, x.shape[3]!]);
}

/** One window over the whole spatial extent of x: [n, h, w, c] (2-D) or [n, t, c] viewed as [n, t, 1, c] (1-D). */
function globalWindow(op: string, x: Tensor, rank: 3 | 4): Window2d {
  checkTensor(op, x);
  checkFloat(op, x);
  if (x.rank !== rank) {
    const want = rank === 4 ? '4-D NHWC tensor [batch, height, width, channels]' : '3-D tensor [batch, time, channels]';
    throw new Error(`${op}: expected a ${want}, got shape ${shapeString(x.shape)}`);
  }
  const h = x.shape[1]!;
  const w = rank === 4 ? x.shape[2]! : 1;
  if (h === 0 || w === 0) throw new Error(`${op}: cannot pool over the empty ${rank === 4 ? 'spatial' : 'time'} axes of ${shapeString(x.shape)}`);
  return resolveWindow(op, h, w, h, w);
}

const globalShape = (x: Tensor): number[] => [x.shape[0]!, x.shape[x.rank - 1]!];

/** The maximum over height and width: [batch, h, w, channels] → [batch, channels]. */
export function globalMaxPool2d(x: Tensor): Tensor {
  return maxPoolWith('globalMaxPool2d', x, globalWindow('globalMaxPool2d', x, 4), globalShape(x));
}

/** The mean over height and width: [batch, h, w, channels] → [batch, channels]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  return avgPoolWith('globalAvgPool2d', x, globalWindow('globalAvgPool2d', x, 4), globalShape(x));
}

/** The maximum over time: [batch, time, channels] → [batch, channels]. */
export function globalMaxPool1d(x: Tensor): Tensor {
  return maxPoolWith('globalMaxPool1d', x, globalWindow('globalMaxPool1d', x, 3), globalShape(x));
}

/** The mean over time: [batch, time, channels] → [batch, channels]. */
export function globalAvgPool1d(x: Tensor): Tensor {
  return avgPoolWith('globalAvgPool1d', x, globalWindow('globalAvgPool1d', x, 3), globalShape(x));
}
