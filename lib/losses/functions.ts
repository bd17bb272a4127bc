import { add, div, minimum, mul, sub } from '../ops/binary.js';
import { eye } from '../ops/creation.js';
import { gather } from '../ops/indexing.js';
import { type Reduction, sigmoidCrossEntropy, softmaxCrossEntropy } from '../ops/losses.js';
import { mean, sum } from '../ops/reduce.js';
import { castIfNeeded, reshape } from '../ops/shape-ops.js';
import { abs, clip, log, relu, square } from '../ops/unary.js';
import { checkTensor } from '../ops/util.js';
import { shapeString, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

export type { Reduction };

/**
 * Every loss takes (yPred, yTrue, options): the prediction first, as ng.softmaxCrossEntropy
 * (logits, labels) does (Keras' functions take yTrue first). A loss is computed per sample
 * and then reduced: 'mean' (default) averages the samples, 'sum' adds them, 'none' returns
 * them. For elementwise losses (MSE, MAE, Huber, hinge, binary cross-entropy) a sample is a
 * row of the last axis, averaged over that axis as Keras does, so for [N, D] 'mean' is the
 * mean over all N·D elements; inputs of rank 0 or 1 are one value per sample. For
 * distribution losses (categorical cross-entropy, KL divergence) the last axis holds the
 * classes.
 */
export interface LossOptions {
  reduction?: Reduction;
}

function reduce(op: string, perSample: Tensor, reduction: Reduction = 'mean'): Tensor {
  switch (reduction) {
    case 'none': return perSample;
    case 'sum': return sum(perSample);
    case 'mean': return mean(perSample);
  }
  throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
}

/** Elementwise values averaged over the last axis (rank >= 2), else as they are. */
function perSample(elementwise: Tensor): Tensor {
  return elementwise.rank >= 2 ? mean(elementwise, -1) : elementwise;
}

/**
 * Checks a (yPred, yTrue) pair of the same shape and returns yTrue in yPred's dtype. A
 * trailing dim of 1 on one side only ([N, 1] against [N]) is accepted and reshaped away.
 */
function pair(op: string, yPred: Tensor, yTrue: Tensor): Tensor {
  checkTensor(op, yPred, 'yPred');
  checkTensor(op, yTrue, 'yTrue');
  if (yPred.dtype === 'int32') throw new Error(`${op}: yPred must be float32 or float64, got int32`);
  let t = yTrue;
  if (!shapesEqual(t.shape, yPred.shape)) {
    const squeezedEqual = (a: readonly number[], b: readonly number[]) => a.at(-1) === 1 && shapesEqual(a.slice(0, -1), b);
    if (squeezedEqual(t.shape, yPred.shape) || squeezedEqual(yPred.shape, t.shape)) {
      t = reshape(t, yPred.shape);
    } else {
      throw new Error(`${op}: yTrue ${shapeString(yTrue.shape)} must have the shape of yPred ${shapeString(yPred.shape)}`);
    }
  }
  return castIfNeeded(t, yPred.dtype);
}

/** Mean squared error: mean((yPred − yTrue)²) per sample. */
export function meanSquaredError(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const op = 'meanSquaredError';
  return reduce(op, perSample(square(sub(yPred, pair(op, yPred, yTrue)))), options.reduction);
}

/** Mean absolute error (L1): mean(|yPred − yTrue|) per sample. */
export function meanAbsoluteError(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const op = 'meanAbsoluteError';
  return reduce(op, perSample(abs(sub(yPred, pair(op, yPred, yTrue)))), options.reduction);
}

export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** Huber: ½e² for |e| ≤ δ, δ·(|e| − ½δ) beyond, with e = yPred − yTrue; averaged per sample. */
export function huber(yPred: Tensor, yTrue: Tensor, options: HuberOptions = {}): Tensor {
  const op = 'huber';
  const delta = options.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) throw new Error(`${op}: delta must be a finite number > 0, got ${String(delta)}`);
  const a = abs(sub(yPred, pair(op, yPred, yTrue)));
  const q = minimum(a, delta);
  // ½q² + δ(|e| − q) with q = min(|e|, δ): both branches in one expression.
  return reduce(op, perSample(add(mul(square(q), 0.5), mul(sub(a, q), delta))), options.reduction);
}

/** Labels for the hinge losses: ±1 as they are; labels that are all 0 or 1 become −1 or 1 (as Keras does). */
function signedLabels(op: string, yPred: Tensor, yTrue: Tensor): Tensor {
  const t = pair(op, yPred, yTrue);
  const values = t.dataSync();
  const binary = values.every((v) => v === 0 || v === 1);
  return binary ? sub(mul(t, 2), 1) : t;
}

/**
 * Hinge: mean(max(1 − yTrue·yPred, 0)) per sample. Labels are −1 or 1; labels that are all
 * 0 or 1 are converted to −1 or 1 first.
 */
export function hinge(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const op = 'hinge';
  return reduce(op, perSample(relu(sub(1, mul(signedLabels(op, yPred, yTrue), yPred)))), options.reduction);
}

/** Squared hinge: mean(max(1 − yTrue·yPred, 0)²) per sample; labels as for hinge. */
export function squaredHinge(yPred: Tensor, yTrue: Tensor, options: LossOptions = {}): Tensor {
  const op = 'squaredHinge';
  return reduce(op, perSample(square(relu(sub(1, mul(signedLabels(op, yPred, yTrue), yPred))))), options.reduction);
}

export interface CrossEntropyOptions extends LossOptions {
  /** yPred holds logits (fused, stable kernels) rather than probabilities (default false). */
  fromLogits?: boolean;
  /**
   * Smooths the targets: t·(1 − s) + s/K for K classes (K = 2 for binary cross-entropy).
   * Default 0.
   */
  labelSmoothing?: number;
  /** Probabilities are clipped to [eps, 1 − eps] before the log (default 1e-7, Keras' epsilon). */
  eps?: number;
}

function crossEntropySettings(op: string, options: CrossEntropyOptions): { smoothing: number; eps: number } {
  const smoothing = options.labelSmoothing ?? 0;
  const eps = options.eps ?? 1e-7;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new Error(`${op}: labelSmoothing must be in [0, 1], got ${String(smoothing)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0 && eps < 0.5)) throw new Error(`${op}: eps must be in [0, 0.5), got ${String(eps)}`);
  return { smoothing, eps };
}

/**
 * Binary cross-entropy −(t·log p + (1 − t)·log(1 − p)), averaged per sample over the last
 * axis. yPred holds probabilities (clipped to [eps, 1 − eps]) or, with fromLogits, logits
 * (through the fused, stable ng.sigmoidCrossEntropy). yTrue holds targets in [0, 1].
 */
export function binaryCrossentropy(yPred: Tensor, yTrue: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossentropy';
  const { smoothing, eps } = crossEntropySettings(op, options);
  let t = pair(op, yPred, yTrue);
  if (smoothing > 0) t = add(mul(t, 1 - smoothing), 0.5 * smoothing);
  let elementwise: Tensor;
  if (options.fromLogits) {
    elementwise = sigmoidCrossEntropy(yPred, t, { reduction: 'none' });
  } else {
    const p = clip(yPred, eps, 1 - eps);
    elementwise = add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))).neg();
  }
  return reduce(op, perSample(elementwise), options.reduction);
}

/** One-hot rows [..., classes] of int32 labels [...], in `dtype`. */
function oneHot(op: string, labels: Tensor, classes: number, dtype: Tensor['dtype']): Tensor {
  try {
    return gather(eye(classes, classes, dtype), labels, 0);
  } catch (e) {
    throw new Error(`${op}: labels must be class indices in [0, ${classes}): ${(e as Error).message}`);
  }
}

/**
 * Categorical cross-entropy −Σ t·log p over the last (class) axis, one loss per row. yTrue is
 * one-hot or probabilities of yPred's shape, or int32 class indices of yPred's shape without
 * the class axis (sparse). yPred holds probabilities (renormalized to sum to 1 and clipped to
 * [eps, 1 − eps], as Keras does) or, with fromLogits, logits (through the fused, stable
 * ng.softmaxCrossEntropy).
 */
export function categoricalCrossentropy(yPred: Tensor, yTrue: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return categorical('categoricalCrossentropy', yPred, yTrue, options);
}

function categorical(op: string, yPred: Tensor, yTrue: Tensor, options: CrossEntropyOptions): Tensor {
  checkTensor(op, yPred, 'yPred');
  checkTensor(op, yTrue, 'yTrue');
  if (yPred.dtype === 'int32' || yPred.rank === 0) {
    throw new Error(`${op}: yPred must be a float tensor [..., classes], got ${yPred.dtype} ${shapeString(yPred.shape)}`);
  }
  const { smoothing, eps } = crossEntropySettings(op, options);
  const classes = yPred.shape.at(-1)!;
  const sparse = yTrue.dtype === 'int32' && shapesEqual(yTrue.shape, yPred.shape.slice(0, -1));
  if (!sparse && !shapesEqual(yTrue.shape, yPred.shape)) {
    throw new Error(`${op}: yTrue ${shapeString(yTrue.shape)} must be one-hot ${shapeString(yPred.shape)} or int32 class indices ${shapeString(yPred.shape.slice(0, -1))}`);
  }
  if (options.fromLogits && sparse && smoothing === 0) {
    return reduce(op, softmaxCrossEntropy(yPred, yTrue, { reduction: 'none' }), options.reduction);
  }
  let t = sparse ? oneHot(op, yTrue, classes, yPred.dtype) : castIfNeeded(yTrue, yPred.dtype);
  if (smoothing > 0) t = add(mul(t, 1 - smoothing), smoothing / classes);
  if (options.fromLogits) return reduce(op, softmaxCrossEntropy(yPred, t, { reduction: 'none' }), options.reduction);
  const p = clip(div(yPred, sum(yPred, -1, true)), eps, 1 - eps);
  return reduce(op, sum(mul(t, log(p)), -1).neg(), options.reduction);
}

/**
 * Categorical cross-entropy with integer class labels: yTrue is [...] (or [..., 1]) of
 * int32, or of floats holding whole numbers, for yPred [..., classes].
 */
export function sparseCategoricalCrossentropy(yPred: Tensor, yTrue: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  checkTensor(op, yPred, 'yPred');
  checkTensor(op, yTrue, 'yTrue');
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.shape.at(-1) === 1) labels = reshape(labels, labels.shape.slice(0, -1));
  if (yPred.rank === 0 || !shapesEqual(labels.shape, yPred.shape.slice(0, -1))) {
    throw new Error(`${op}: yTrue ${shapeString(yTrue.shape)} must hold one class index per row of yPred ${shapeString(yPred.shape)}`);
  }
  if (labels.dtype !== 'int32') {
    const values = labels.dataSync();
    const bad = values.findIndex((v) => !Number.isInteger(v));
    if (bad >= 0) throw new Error(`${op}: class labels must be whole numbers, got ${values[bad]}`);
    labels = castIfNeeded(labels, 'int32');
  }
  return categorical(op, yPred, labels, options);
}

export interface KLDivergenceOptions extends LossOptions {
  /** Both distributions are clipped to [eps, 1] (default 1e-7). */
  eps?: number;
}

/** Kullback-Leibler divergence Σ t·log(t/p) over the last axis; yPred and yTrue are probabilities. */
export function kullbackLeiblerDivergence(yPred: Tensor, yTrue: Tensor, options: KLDivergenceOptions = {}): Tensor {
  const op = 'kullbackLeiblerDivergence';
  const eps = options.eps ?? 1e-7;
  if (typeof eps !== 'number' || !(eps >= 0 && eps < 1)) throw new Error(`${op}: eps must be in [0, 1), got ${String(eps)}`);
  const t = clip(pair(op, yPred, yTrue), eps, 1);
  const p = clip(yPred, eps, 1);
  const elementwise = mul(t, log(div(t, p)));
  return reduce(op, elementwise.rank >= 1 ? sum(elementwise, -1) : elementwise, options.reduction);
}

/** Short names. */
export const mse = meanSquaredError;
export const mae = meanAbsoluteError;
export const kld = kullbackLeiblerDivergence;
