import { noGrad } from '../autograd/mode.js';
import { type DType, isFloat } from '../dtype.js';
import { keep, tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { normalizeAxes, shapeString } from '../shape.js';
import { Tensor } from '../tensor.js';
import { permutation } from './shuffle.js';

function labelValues(op: string, labels: Tensor | ArrayLike<number>): { values: ArrayLike<number>; shape: number[] } {
  if (labels instanceof Tensor) {
    labels.assertLive(op);
    const shape = labels.shape.slice();
    // Keras drops a trailing 1: labels of shape [n, 1] give [n, numClasses].
    if (shape.length > 1 && shape.at(-1) === 1) shape.pop();
    return { values: labels.dataSync(), shape };
  }
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new Error(`${op}: labels must be a Tensor or an array of integers, got ${String(labels)}`);
  }
  return { values: labels, shape: [labels.length] };
}

/**
 * One-hot encodes integer class labels (Keras `to_categorical`): labels of shape S give
 * a tensor of shape [...S, numClasses] with a 1 at each label. numClasses defaults to
 * the largest label + 1. Labels must be integers in [0, numClasses).
 */
export function toCategorical(labels: Tensor | ArrayLike<number>, numClasses?: number,
  dtype: DType = 'float32'): Tensor {
  const op = 'toCategorical';
  const { values, shape } = labelValues(op, labels);
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`${op}: labels must be non-negative integers, got ${v} at index ${i}`);
    }
    if (v > max) max = v;
  }
  const k = numClasses ?? max + 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: numClasses must be a positive integer, got ${numClasses}`);
  if (max >= k) throw new Error(`${op}: label ${max} is out of range for numClasses=${k}`);
  const out = new (dtype === 'float64' ? Float64Array : dtype === 'int32' ? Int32Array : Float32Array)(values.length * k);
  for (let i = 0; i < values.length; i++) out[i * k + values[i]!] = 1;
  return tensor(out, [...shape, k]);
}

/** Same as toCategorical(labels, numClasses): labels → one-hot rows. */
export function oneHot(labels: Tensor | ArrayLike<number>, numClasses?: number, dtype: DType = 'float32'): Tensor {
  return toCategorical(labels, numClasses, dtype);
}

export interface StandardizeOptions {
  /**
   * Axes the statistics are taken over (default 0: one mean and std per feature, over
   * the samples). `null` takes one mean and std over all elements.
   */
  axis?: number | readonly number[] | null;
}

/**
 * Mean and standard deviation fitted on one data set (the training set), applied
 * unchanged to others (dev, test): transform(x) = (x - mean) / std. Features whose std
 * is 0 get std 1, so they map to 0 rather than to NaN.
 */
export class Standardizer {
  /** float64, with the reduced axes kept as size 1 (shape [1, ...features] for axis 0). */
  readonly mean: Tensor;
  /** float64, population std (divides by n), same shape as mean. */
  readonly std: Tensor;
  /** The axes reduced when fitting. */
  readonly axes: readonly number[];
  private readonly cast = new Map<DType, { mean: Tensor; std: Tensor }>();

  constructor(mean: Tensor, std: Tensor, axes: readonly number[]) {
    if (!(mean instanceof Tensor) || !(std instanceof Tensor) || mean.shape.join() !== std.shape.join()) {
      throw new Error('Standardizer: mean and std must be tensors of the same shape');
    }
    // Kept past any enclosing tidy(): the fitted object outlives the scope it was made in.
    this.mean = keep(mean);
    this.std = keep(std);
    this.axes = axes.slice();
  }

  private checkInput(op: string, x: Tensor): void {
    if (!(x instanceof Tensor)) throw new Error(`${op}: x must be a Tensor`);
    x.assertLive(op);
    if (!isFloat(x.dtype)) throw new Error(`${op}: x must be float32 or float64, got ${x.dtype}`);
    const s = this.mean.shape;
    const ok = x.rank === s.length && s.every((d, i) => this.axes.includes(i) || x.shape[i] === d);
    if (!ok) {
      throw new Error(`${op}: x has shape ${shapeString(x.shape)}, but the statistics were fitted on shape ${
        shapeString(s.map((d, i) => (this.axes.includes(i) ? '*' : d) as number))}`);
    }
  }

  private stats(dtype: DType): { mean: Tensor; std: Tensor } {
    if (dtype === 'float64') return { mean: this.mean, std: this.std };
    let c = this.cast.get(dtype);
    if (!c) {
      c = noGrad(() => ({ mean: this.mean.astype(dtype), std: this.std.astype(dtype) }));
      keep(c.mean);
      keep(c.std);
      this.cast.set(dtype, c);
    }
    return c;
  }

  /** (x - mean) / std in x's dtype. */
  transform(x: Tensor): Tensor {
    this.checkInput('Standardizer.transform', x);
    const { mean, std } = this.stats(x.dtype);
    return tidy(() => x.sub(mean).div(std));
  }

  /** x * std + mean: undoes transform(). */
  inverseTransform(x: Tensor): Tensor {
    this.checkInput('Standardizer.inverseTransform', x);
    const { mean, std } = this.stats(x.dtype);
    return tidy(() => x.mul(std).add(mean));
  }
}

/**
 * Fits mean and standard deviation on `x` (the training set) and returns a Standardizer
 * whose transform() applies those same statistics to any set:
 * `const s = ng.data.standardize(xTrain); xTrain = s.transform(xTrain); xTest = s.transform(xTest);`
 */
export function standardize(x: Tensor, options: StandardizeOptions = {}): Standardizer {
  const op = 'standardize';
  if (!(x instanceof Tensor)) throw new Error(`${op}: x must be a Tensor`);
  x.assertLive(op);
  if (x.size === 0) throw new Error(`${op}: cannot fit on an empty tensor ${shapeString(x.shape)}`);
  const axes = options.axis === null ? x.shape.map((_, i) => i) : normalizeAxes(op, options.axis ?? 0, x.rank);
  const { mean, std } = noGrad(() => tidy(() => {
    const x64 = x.astype('float64');
    const m = x64.mean(axes, true);
    const sd = x64.sub(m).square().mean(axes, true).sqrt();
    // A constant feature (std 0) would divide by zero: leave it centered, unscaled.
    return { mean: m, std: sd.equal(0).astype('float64').add(sd) };
  }));
  return new Standardizer(mean, std, axes);
}

export interface SplitOptions {
  /** A fraction in (0, 1) of the samples (rounded up), or a number of samples. Default 0.25. */
  testSize?: number;
  /** Seed for the shuffle; without it the global generator (ng.seed) is used. */
  seed?: number;
  /** Shuffle before splitting (default true); false keeps the last samples for testing. */
  shuffle?: boolean;
}

export interface Split {
  xTrain: Tensor;
  xTest: Tensor;
  yTrain: Tensor;
  yTest: Tensor;
}

function testCount(op: string, n: number, testSize: number): number {
  if (typeof testSize !== 'number' || !Number.isFinite(testSize) || testSize <= 0) {
    throw new Error(`${op}: testSize must be a fraction in (0, 1) or a positive integer, got ${testSize}`);
  }
  const k = testSize < 1 ? Math.ceil(testSize * n) : testSize;
  if (!Number.isInteger(k)) throw new Error(`${op}: testSize ${testSize} is neither a fraction in (0, 1) nor an integer`);
  if (k >= n) throw new Error(`${op}: testSize ${testSize} leaves no training samples out of ${n}`);
  return k;
}

/** Rows `idx` of x, as a new tensor. */
export function takeRows(x: Tensor, idx: Int32Array): Tensor {
  return noGrad(() => tidy(() => x.indexSelect(0, tensor(idx, [idx.length], 'int32'))));
}

/**
 * Splits samples (axis 0 of x and y) into a training and a test set, after a seeded
 * shuffle (scikit-learn's train_test_split). The same seed gives the same split.
 */
export function trainTestSplit(x: Tensor, y: Tensor, options: SplitOptions = {}): Split {
  const op = 'trainTestSplit';
  for (const [t, name] of [[x, 'x'], [y, 'y']] as const) {
    if (!(t instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor`);
    t.assertLive(op);
    if (t.rank === 0) throw new Error(`${op}: ${name} must have a sample axis, got a scalar`);
  }
  const n = x.shape[0]!;
  if (y.shape[0] !== n) {
    throw new Error(`${op}: x and y have different numbers of samples: ${shapeString(x.shape)} vs ${shapeString(y.shape)}`);
  }
  const nTest = testCount(op, n, options.testSize ?? 0.25);
  let order: Int32Array;
  if (options.shuffle === false) {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = (i + n - nTest) % n;  // test = the last nTest samples
  } else {
    order = permutation(n, options.seed);
  }
  const testIdx = order.subarray(0, nTest);
  const trainIdx = order.subarray(nTest);
  return { xTrain: takeRows(x, trainIdx), xTest: takeRows(x, testIdx), yTrain: takeRows(y, trainIdx), yTest: takeRows(y, testIdx) };
}
