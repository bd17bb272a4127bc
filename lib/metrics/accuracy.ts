import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type Direction, Metric, argmaxRow, checkSameShape, checkThreshold, read } from './metric.js';

/** Counts correct predictions; result() = correct / total. */
abstract class CountingMetric extends Metric {
  readonly direction: Direction = 'max';
  protected correct = 0;
  protected total = 0;

  result(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }

  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
}

function binaryCount(metric: string, yTrue: Tensor, yPred: Tensor, threshold: number): [number, number] {
  checkSameShape(metric, yTrue, yPred);
  const t = read(metric, yTrue, 'yTrue');
  const p = read(metric, yPred, 'yPred');
  let correct = 0;
  for (let i = 0; i < p.length; i++) if ((p[i]! > threshold ? 1 : 0) === t[i]) correct++;
  return [correct, p.length];
}

function categoricalCount(metric: string, yTrue: Tensor, yPred: Tensor): [number, number] {
  if (yTrue.rank === 0 || yTrue.shape.length !== yPred.shape.length || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new Error(`${metric}: one-hot labels ${shapeString(yTrue.shape)} must have the shape of the predictions ${shapeString(yPred.shape)}`);
  }
  const t = read(metric, yTrue, 'yTrue');
  const p = read(metric, yPred, 'yPred');
  const k = yPred.shape.at(-1)!;
  const rows = k === 0 ? 0 : p.length / k;
  let correct = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(t, r * k, k) === argmaxRow(p, r * k, k)) correct++;
  return [correct, rows];
}

/** Whether labels are class indices for these predictions: [...] or [..., 1] against [..., k]. */
function isSparse(yTrue: Tensor, yPred: Tensor): boolean {
  const lead = yPred.shape.slice(0, -1);
  const labels = yTrue.rank === yPred.rank && yTrue.shape.at(-1) === 1 ? yTrue.shape.slice(0, -1) : yTrue.shape;
  return yPred.rank >= 1 && labels.length === lead.length && labels.every((d, i) => d === lead[i]);
}

function sparseCount(metric: string, yTrue: Tensor, yPred: Tensor): [number, number] {
  if (!isSparse(yTrue, yPred)) {
    throw new Error(`${metric}: class-index labels ${shapeString(yTrue.shape)} do not fit predictions ${shapeString(yPred.shape)} `
      + `(expected labels of shape ${shapeString(yPred.shape.slice(0, -1))})`);
  }
  const t = read(metric, yTrue, 'yTrue');
  const p = read(metric, yPred, 'yPred');
  const k = yPred.shape.at(-1)!;
  let correct = 0;
  for (let r = 0; r < t.length; r++) if (k > 0 && argmaxRow(p, r * k, k) === t[r]) correct++;
  return [correct, t.length];
}

export interface ThresholdOptions {
  /** A prediction above the threshold counts as class 1 (default 0.5; use 0 for logits). */
  threshold?: number;
  name?: string;
}

/** Fraction of elements where (yPred > threshold) equals the 0/1 label (Keras BinaryAccuracy). */
export class BinaryAccuracy extends CountingMetric {
  readonly threshold: number;

  constructor(options: ThresholdOptions = {}) {
    super(options.name ?? 'binary_accuracy');
    this.threshold = checkThreshold('BinaryAccuracy', options.threshold ?? 0.5);
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    const [c, n] = binaryCount(this.name, yTrue, yPred, this.threshold);
    this.correct += c;
    this.total += n;
  }

  getConfig() { return { name: this.name, threshold: this.threshold }; }
  clone(): BinaryAccuracy { return new BinaryAccuracy(this.getConfig()); }
}

/** Fraction of rows whose argmax matches the argmax of the one-hot label (Keras CategoricalAccuracy). */
export class CategoricalAccuracy extends CountingMetric {
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'categorical_accuracy');
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    const [c, n] = categoricalCount(this.name, yTrue, yPred);
    this.correct += c;
    this.total += n;
  }

  getConfig() { return { name: this.name }; }
  clone(): CategoricalAccuracy { return new CategoricalAccuracy(this.getConfig()); }
}

/** Fraction of rows whose argmax equals the integer label (Keras SparseCategoricalAccuracy). */
export class SparseCategoricalAccuracy extends CountingMetric {
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'sparse_categorical_accuracy');
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    const [c, n] = sparseCount(this.name, yTrue, yPred);
    this.correct += c;
    this.total += n;
  }

  getConfig() { return { name: this.name }; }
  clone(): SparseCategoricalAccuracy { return new SparseCategoricalAccuracy(this.getConfig()); }
}

export type AccuracyMode = 'auto' | 'binary' | 'categorical' | 'sparse';

export interface AccuracyOptions extends ThresholdOptions {
  /**
   * How labels compare with predictions. 'auto' (default) decides on each batch as Keras
   * does for metrics: ['accuracy']: binary when predictions have one column (or are 1-D),
   * sparse when labels are class indices, categorical when labels are one-hot rows.
   */
  mode?: AccuracyMode;
}

/**
 * Keras' 'accuracy' of compile(): binary, categorical or sparse categorical accuracy,
 * chosen from the loss (see getMetric) or the shapes of each batch.
 */
export class Accuracy extends CountingMetric {
  readonly mode: AccuracyMode;
  readonly threshold: number;

  constructor(options: AccuracyOptions = {}) {
    super(options.name ?? 'accuracy');
    const mode = options.mode ?? 'auto';
    if (!['auto', 'binary', 'categorical', 'sparse'].includes(mode)) {
      throw new Error(`Accuracy: mode must be 'auto', 'binary', 'categorical' or 'sparse', got ${String(mode)}`);
    }
    this.mode = mode;
    this.threshold = checkThreshold('Accuracy', options.threshold ?? 0.5);
  }

  /** The mode used for this batch. */
  resolve(yTrue: Tensor, yPred: Tensor): Exclude<AccuracyMode, 'auto'> {
    if (this.mode !== 'auto') return this.mode;
    if (yPred.rank <= 1 || yPred.shape.at(-1) === 1) return 'binary';
    return isSparse(yTrue, yPred) ? 'sparse' : 'categorical';
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    const mode = this.resolve(yTrue, yPred);
    const [c, n] = mode === 'binary' ? binaryCount(this.name, yTrue, yPred, this.threshold)
      : mode === 'sparse' ? sparseCount(this.name, yTrue, yPred) : categoricalCount(this.name, yTrue, yPred);
    this.correct += c;
    this.total += n;
  }

  getConfig() { return { name: this.name, mode: this.mode, threshold: this.threshold }; }
  clone(): Accuracy { return new Accuracy(this.getConfig() as AccuracyOptions); }
}
