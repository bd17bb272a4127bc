import type { TypedArray } from '../dtype.js';
import { shapeString } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Whether larger (accuracy, AUC) or smaller (errors) values of a metric are better. */
export type Direction = 'max' | 'min';

/**
 * A streaming metric: update() accumulates over batches, result() gives the value over
 * everything seen since the last reset() (Keras `update_state` / `result` /
 * `reset_state`). Arguments are in Keras order: labels first, then predictions.
 */
export abstract class Metric {
  /** The key of this metric in logs and History (Keras names: 'accuracy', 'auc', ...). */
  name: string;
  abstract readonly direction: Direction;

  constructor(name: string) {
    this.name = name;
  }

  /** Adds one batch: yTrue are the labels, yPred the model's outputs. */
  abstract update(yTrue: Tensor, yPred: Tensor): void;
  /** The metric over every batch since the last reset (0 before any data, as Keras). */
  abstract result(): number;
  /** Forgets every batch seen. */
  abstract reset(): void;
  /** The constructor options, to rebuild the metric from a saved config. */
  abstract getConfig(): Record<string, number | string | boolean | null>;

  /** One-shot value on one batch; leaves the accumulated state as it was before. */
  compute(yTrue: Tensor, yPred: Tensor): number {
    const fresh = this.clone();
    fresh.update(yTrue, yPred);
    return fresh.result();
  }

  /** A new metric of the same kind and options, with empty state. */
  abstract clone(): Metric;
}

/** A running (weighted) mean of numbers: the loss shown during fit(). */
export class Mean {
  name: string;
  private total = 0;
  private count = 0;

  constructor(name = 'mean') {
    this.name = name;
  }

  update(value: number, weight = 1): void {
    if (typeof value !== 'number' || typeof weight !== 'number' || !(weight >= 0)) {
      throw new Error(`Mean (${this.name}): expected a number and a non-negative weight, got ${value}, ${weight}`);
    }
    this.total += value * weight;
    this.count += weight;
  }

  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

/** x / y, and 0 where y is 0 (TensorFlow's divide_no_nan). */
export function divideNoNan(x: number, y: number): number {
  return y === 0 ? 0 : x / y;
}

/** Checks a metric argument and reads its elements (zero-copy on native and js). */
export function read(metric: string, t: Tensor, name: string): TypedArray {
  if (!(t instanceof Tensor)) throw new Error(`${metric}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  t.assertLive(metric);
  return t.dataSync();
}

function squeezeTrailingOnes(shape: readonly number[]): readonly number[] {
  let end = shape.length;
  while (end > 1 && shape[end - 1] === 1) end--;
  return shape.slice(0, end);
}

/**
 * For elementwise metrics: labels and predictions must have the same shape, except that
 * trailing dims of size 1 are ignored ([n] labels against [n, 1] sigmoid outputs).
 */
export function checkSameShape(metric: string, yTrue: Tensor, yPred: Tensor): void {
  const a = squeezeTrailingOnes(yTrue.shape);
  const b = squeezeTrailingOnes(yPred.shape);
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new Error(`${metric}: labels of shape ${shapeString(yTrue.shape)} do not match predictions of shape ${shapeString(yPred.shape)}`);
  }
}

/** Index of the largest of a[from, from + n) (the first on ties, as argmax). */
export function argmaxRow(a: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  let v = a[from]!;
  for (let j = 1; j < n; j++) {
    const x = a[from + j]!;
    if (x > v) {
      v = x;
      best = j;
    }
  }
  return best;
}

export function checkThreshold(metric: string, threshold: number): number {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new Error(`${metric}: threshold must be a finite number, got ${threshold}`);
  }
  return threshold;
}
