import type { Tensor } from '../tensor.js';
import { type Direction, Metric, checkSameShape, divideNoNan, read } from './metric.js';

export interface AucOptions {
  /** Thresholds that discretize the curve (default 200, as Keras); at least 3. */
  numThresholds?: number;
  /** 'ROC' (default) or 'PR' (precision-recall). */
  curve?: 'ROC' | 'PR';
  /** Predictions are logits: a sigmoid is applied first. Otherwise they must lie in [0, 1]. */
  fromLogits?: boolean;
  name?: string;
}

const EPSILON = 1e-7;

/**
 * Area under the ROC or precision-recall curve (Keras AUC): predictions are bucketed
 * against numThresholds evenly spaced thresholds in [0, 1], confusion counts accumulate
 * per threshold over batches, and result() integrates the curve (trapezoids for ROC,
 * Davis & Goadrich interpolation for PR, Keras' 'interpolation' summation). Every
 * element is one binary decision; a label counts as positive when it is nonzero.
 */
export class AUC extends Metric {
  readonly direction: Direction = 'max';
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly fromLogits: boolean;
  /** The thresholds, ascending: -ε, 1/(n-1), ..., (n-2)/(n-1), 1+ε. */
  readonly thresholds: Float64Array;
  // pos[k] / neg[k]: positives / negatives with exactly k thresholds strictly below them.
  private pos: Float64Array;
  private neg: Float64Array;

  constructor(options: AucOptions = {}) {
    super(options.name ?? 'auc');
    const n = options.numThresholds ?? 200;
    if (!Number.isInteger(n) || n < 3) throw new Error(`AUC: numThresholds must be an integer >= 3, got ${n}`);
    const curve = options.curve ?? 'ROC';
    if (curve !== 'ROC' && curve !== 'PR') throw new Error(`AUC: curve must be 'ROC' or 'PR', got ${String(curve)}`);
    this.numThresholds = n;
    this.curve = curve;
    this.fromLogits = options.fromLogits ?? false;
    this.thresholds = new Float64Array(n);
    this.thresholds[0] = -EPSILON;
    for (let i = 1; i < n - 1; i++) this.thresholds[i] = i / (n - 1);
    this.thresholds[n - 1] = 1 + EPSILON;
    this.pos = new Float64Array(n + 1);
    this.neg = new Float64Array(n + 1);
  }

  /** How many thresholds lie strictly below p (binary search). */
  private bucket(p: number): number {
    let lo = 0;
    let hi = this.numThresholds;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.thresholds[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    checkSameShape(this.name, yTrue, yPred);
    const t = read(this.name, yTrue, 'yTrue');
    const p = read(this.name, yPred, 'yPred');
    for (let i = 0; i < p.length; i++) {
      let v = p[i]!;
      if (this.fromLogits) v = 1 / (1 + Math.exp(-v));
      else if (!(v >= 0 && v <= 1)) {
        throw new Error(`${this.name}: predictions must be probabilities in [0, 1], got ${v} (use fromLogits for logits)`);
      }
      const k = this.bucket(v);
      if (t[i] !== 0) this.pos[k] = this.pos[k]! + 1;
      else this.neg[k] = this.neg[k]! + 1;
    }
  }

  /** Confusion counts at each threshold: a prediction above it is a positive. */
  confusion(): { tp: Float64Array; fp: Float64Array; tn: Float64Array; fn: Float64Array } {
    const n = this.numThresholds;
    const tp = new Float64Array(n);
    const fp = new Float64Array(n);
    const tn = new Float64Array(n);
    const fn = new Float64Array(n);
    let posAbove = 0;
    let negAbove = 0;
    for (let k = n; k >= 1; k--) {
      posAbove += this.pos[k]!;
      negAbove += this.neg[k]!;
      tp[k - 1] = posAbove;  // entries with more than k-1 thresholds below: above threshold k-1
      fp[k - 1] = negAbove;
    }
    const positives = posAbove + this.pos[0]!;
    const negatives = negAbove + this.neg[0]!;
    for (let j = 0; j < n; j++) {
      fn[j] = positives - tp[j]!;
      tn[j] = negatives - fp[j]!;
    }
    return { tp, fp, tn, fn };
  }

  result(): number {
    const { tp, fp, tn, fn } = this.confusion();
    const n = this.numThresholds;
    if (this.curve === 'PR') return interpolatePrAuc(tp, fp, fn);
    let area = 0;
    for (let j = 0; j < n - 1; j++) {
      const x0 = divideNoNan(fp[j]!, fp[j]! + tn[j]!);
      const x1 = divideNoNan(fp[j + 1]!, fp[j + 1]! + tn[j + 1]!);
      const y0 = divideNoNan(tp[j]!, tp[j]! + fn[j]!);
      const y1 = divideNoNan(tp[j + 1]!, tp[j + 1]! + fn[j + 1]!);
      area += (x0 - x1) * (y0 + y1) / 2;
    }
    return area;
  }

  reset(): void {
    this.pos.fill(0);
    this.neg.fill(0);
  }

  getConfig() { return { name: this.name, numThresholds: this.numThresholds, curve: this.curve, fromLogits: this.fromLogits }; }
  clone(): AUC { return new AUC({ name: this.name, numThresholds: this.numThresholds, curve: this.curve, fromLogits: this.fromLogits }); }
}

/**
 * Area under the precision-recall curve, interpolating precision between thresholds as
 * Davis & Goadrich (2006) (Keras `interpolate_pr_auc`).
 */
function interpolatePrAuc(tp: Float64Array, fp: Float64Array, fn: Float64Array): number {
  let area = 0;
  for (let j = 0; j < tp.length - 1; j++) {
    const dtp = tp[j]! - tp[j + 1]!;
    const p0 = tp[j]! + fp[j]!;
    const p1 = tp[j + 1]! + fp[j + 1]!;
    const slope = divideNoNan(dtp, Math.max(p0 - p1, 0));
    const intercept = tp[j + 1]! - slope * p1;
    const ratio = p0 > 0 && p1 > 0 ? divideNoNan(p0, Math.max(p1, 0)) : 1;
    area += divideNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[j + 1]! + fn[j + 1]!, 0));
  }
  return area;
}
