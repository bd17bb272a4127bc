import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type Direction, Metric, argmaxRow, checkSameShape, checkThreshold, divideNoNan, read } from './metric.js';

export interface ConfusionOptions {
  /** A prediction above the threshold is a positive (default 0.5). */
  threshold?: number;
  /** Only this column (class) of [..., k] labels and predictions counts (Keras class_id). */
  classId?: number;
  name?: string;
}

/**
 * True/false positives and false negatives of thresholded predictions, over every
 * element (Keras treats each output as an independent binary decision), or over one
 * column with classId. A label counts as positive when it is nonzero.
 */
abstract class ConfusionMetric extends Metric {
  readonly direction: Direction = 'max';
  readonly threshold: number;
  readonly classId: number | null;
  protected tp = 0;
  protected fp = 0;
  protected fn = 0;

  constructor(defaultName: string, options: ConfusionOptions) {
    super(options.name ?? defaultName);
    this.threshold = checkThreshold(this.name, options.threshold ?? 0.5);
    const c = options.classId ?? null;
    if (c !== null && (!Number.isInteger(c) || c < 0)) throw new Error(`${this.name}: classId must be a non-negative integer, got ${c}`);
    this.classId = c;
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    checkSameShape(this.name, yTrue, yPred);
    const t = read(this.name, yTrue, 'yTrue');
    const p = read(this.name, yPred, 'yPred');
    let step = 1;
    let start = 0;
    if (this.classId !== null) {
      const k = yPred.shape.at(-1) ?? 1;
      if (this.classId >= k) throw new Error(`${this.name}: classId ${this.classId} is out of range for predictions of shape ${shapeString(yPred.shape)}`);
      step = k;
      start = this.classId;
    }
    for (let i = start; i < p.length; i += step) {
      const pos = p[i]! > this.threshold;
      const label = t[i] !== 0;
      if (pos && label) this.tp++;
      else if (pos) this.fp++;
      else if (label) this.fn++;
    }
  }

  reset(): void {
    this.tp = 0;
    this.fp = 0;
    this.fn = 0;
  }

  getConfig() { return { name: this.name, threshold: this.threshold, classId: this.classId }; }
}

/** tp / (tp + fp): the fraction of predicted positives that are positive (Keras Precision). */
export class Precision extends ConfusionMetric {
  constructor(options: ConfusionOptions = {}) {
    super('precision', options);
  }

  result(): number {
    return divideNoNan(this.tp, this.tp + this.fp);
  }

  clone(): Precision { return new Precision({ ...this.getConfig(), classId: this.classId ?? undefined }); }
}

/** tp / (tp + fn): the fraction of positives that are found (Keras Recall). */
export class Recall extends ConfusionMetric {
  constructor(options: ConfusionOptions = {}) {
    super('recall', options);
  }

  result(): number {
    return divideNoNan(this.tp, this.tp + this.fn);
  }

  clone(): Recall { return new Recall({ ...this.getConfig(), classId: this.classId ?? undefined }); }
}

export type F1Average = 'micro' | 'macro' | 'weighted';

export interface F1Options {
  /**
   * 'macro' (default): the mean of the per-class F1; 'weighted': weighted by each class's
   * number of positives; 'micro': F1 of the counts pooled over classes. (Keras' default
   * of no averaging returns a vector; logs need one number.)
   */
  average?: F1Average;
  /**
   * Predictions above it are positives. Default: the argmax of each row is the single
   * positive (Keras F1Score threshold=None), or 0.5 for a single column of outputs.
   */
  threshold?: number;
  name?: string;
}

const EPSILON = 1e-7;  // Keras backend.epsilon(), in the same places as keras.metrics.F1Score

/**
 * F1 score (Keras F1Score, β = 1) over labels and predictions of shape [n, classes]
 * (or [n] / [n, 1] for a binary output): per class 2·P·R / (P + R), then averaged.
 */
export class F1Score extends Metric {
  readonly direction: Direction = 'max';
  readonly average: F1Average;
  readonly threshold: number | null;
  private tp: Float64Array = new Float64Array(0);
  private fp: Float64Array = new Float64Array(0);
  private fn: Float64Array = new Float64Array(0);
  private support: Float64Array = new Float64Array(0);

  constructor(options: F1Options = {}) {
    super(options.name ?? 'f1_score');
    const avg = options.average ?? 'macro';
    if (!['micro', 'macro', 'weighted'].includes(avg)) throw new Error(`F1Score: average must be 'micro', 'macro' or 'weighted', got ${String(avg)}`);
    this.average = avg;
    this.threshold = options.threshold === undefined ? null : checkThreshold('F1Score', options.threshold);
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    const s = yPred.shape;
    const k = s.length === 1 ? 1 : s.length === 2 ? s[1]! : -1;
    if (k < 0 || yTrue.shape.length === 0 || yTrue.size !== yPred.size) {
      throw new Error(`${this.name}: expected labels and predictions of the same shape [n, classes] (or [n]), got ${
        shapeString(yTrue.shape)} and ${shapeString(yPred.shape)}`);
    }
    checkSameShape(this.name, yTrue, yPred);
    if (this.tp.length === 0) {
      for (const key of ['tp', 'fp', 'fn', 'support'] as const) this[key] = new Float64Array(k);
    } else if (this.tp.length !== k) {
      throw new Error(`${this.name}: predictions have ${k} classes, earlier batches had ${this.tp.length}`);
    }
    const t = read(this.name, yTrue, 'yTrue');
    const p = read(this.name, yPred, 'yPred');
    const rows = k === 0 ? 0 : p.length / k;
    const threshold = this.threshold ?? (k === 1 ? 0.5 : null);
    for (let r = 0; r < rows; r++) {
      const top = threshold === null ? argmaxRow(p, r * k, k) : -1;
      for (let c = 0; c < k; c++) {
        const i = r * k + c;
        const pos = threshold === null ? c === top : p[i]! > threshold;
        const label = t[i] !== 0;
        if (label) this.support[c] = this.support[c]! + 1;
        if (pos && label) this.tp[c] = this.tp[c]! + 1;
        else if (pos) this.fp[c] = this.fp[c]! + 1;
        else if (label) this.fn[c] = this.fn[c]! + 1;
      }
    }
  }

  result(): number {
    const k = this.tp.length;
    if (k === 0) return 0;
    const f1 = (tp: number, fp: number, fn: number) => {
      const precision = tp / (tp + fp + EPSILON);
      const recall = tp / (tp + fn + EPSILON);
      return (2 * precision * recall) / (precision + recall + EPSILON);
    };
    if (this.average === 'micro') {
      const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
      return f1(sum(this.tp), sum(this.fp), sum(this.fn));
    }
    let total = 0;
    let weights = 0;
    for (let c = 0; c < k; c++) {
      const w = this.average === 'weighted' ? this.support[c]! : 1;
      total += w * f1(this.tp[c]!, this.fp[c]!, this.fn[c]!);
      weights += w;
    }
    return divideNoNan(total, weights);
  }

  reset(): void {
    for (const key of ['tp', 'fp', 'fn', 'support'] as const) this[key] = new Float64Array(0);
  }

  getConfig() { return { name: this.name, average: this.average, threshold: this.threshold }; }
  clone(): F1Score { return new F1Score({ name: this.name, average: this.average, threshold: this.threshold ?? undefined }); }
}
