// ng.metrics: each metric against a hand computation, streaming equal to one-shot, on every backend.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, lcg, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

const t = (v: number[] | number[][], dtype: ng.DType = 'float32') => ng.tensor(v, { dtype });

/** Updates on each batch of rows [from, to) and returns the streamed result. */
function streamed(metric: ng.metrics.Metric, yTrue: number[][] | number[], yPred: number[][] | number[], cuts: number[],
  trueDtype: ng.DType = 'float32'): number {
  metric.reset();
  const bounds = [0, ...cuts, yTrue.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    metric.update(t(yTrue.slice(bounds[i], bounds[i + 1]) as number[][], trueDtype),
      t(yPred.slice(bounds[i], bounds[i + 1]) as number[][]));
  }
  return metric.result();
}

/** Keras' AUC computed literally: for each threshold, count predictions strictly above it. */
function bruteForceAuc(labels: number[], preds: number[], n: number, curve: 'ROC' | 'PR'): number {
  const th = [-1e-7, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + 1e-7];
  const tp: number[] = [], fp: number[] = [], tn: number[] = [], fn: number[] = [];
  for (const x of th) {
    let a = 0, b = 0, c = 0, d = 0;
    preds.forEach((p, i) => {
      if (p > x) { if (labels[i]) a++; else b++; } else if (labels[i]) d++; else c++;
    });
    tp.push(a); fp.push(b); tn.push(c); fn.push(d);
  }
  const div = (x: number, y: number) => (y === 0 ? 0 : x / y);
  let area = 0;
  for (let j = 0; j < n - 1; j++) {
    if (curve === 'ROC') {
      area += (div(fp[j]!, fp[j]! + tn[j]!) - div(fp[j + 1]!, fp[j + 1]! + tn[j + 1]!))
        * (div(tp[j]!, tp[j]! + fn[j]!) + div(tp[j + 1]!, tp[j + 1]! + fn[j + 1]!)) / 2;
    } else {
      const dtp = tp[j]! - tp[j + 1]!;
      const p0 = tp[j]! + fp[j]!, p1 = tp[j + 1]! + fp[j + 1]!;
      const slope = div(dtp, Math.max(p0 - p1, 0));
      const intercept = tp[j + 1]! - slope * p1;
      const ratio = p0 > 0 && p1 > 0 ? div(p0, p1) : 1;
      area += div(slope * (dtp + intercept * Math.log(ratio)), tp[j + 1]! + fn[j + 1]!);
    }
  }
  return area;
}

describe.each(CONFIGS)('metrics on $label', (config) => {
  it('binary accuracy: thresholded predictions against 0/1 labels', () => {
    use(config);
    const m = new ng.metrics.BinaryAccuracy();
    expect(m.name).toBe('binary_accuracy');
    expect(m.result()).toBe(0);
    // 0.9→1 ✓, 0.6→1 ✗, 0.4→0 ✗, 0.1→0 ✓
    expect(m.compute(t([1, 0, 1, 0]), t([0.9, 0.6, 0.4, 0.1]))).toBe(0.5);
    expect(new ng.metrics.BinaryAccuracy({ threshold: 0.3 }).compute(t([1, 0, 1, 0]), t([0.9, 0.6, 0.4, 0.1]))).toBe(0.75);
    // [n] labels against [n, 1] sigmoid outputs.
    expect(m.compute(t([1, 0, 1]), t([[0.7], [0.2], [0.1]]))).toBeCloseTo(2 / 3, 12);
  });

  it('categorical and sparse categorical accuracy: argmax of each row', () => {
    use(config);
    const onehot = [[0, 1, 0], [1, 0, 0], [0, 0, 1]];
    const probs = [[0.1, 0.8, 0.1], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6]];
    expect(new ng.metrics.CategoricalAccuracy().compute(t(onehot), t(probs))).toBeCloseTo(2 / 3, 12);
    const sparse = new ng.metrics.SparseCategoricalAccuracy();
    expect(sparse.compute(t([1, 0, 2], 'int32'), t(probs))).toBeCloseTo(2 / 3, 12);
    expect(sparse.compute(t([[1], [1], [2]], 'int32'), t(probs))).toBe(1);
    expect(() => sparse.compute(t([1, 0], 'int32'), t(probs))).toThrow(/labels \[2\] do not fit predictions \[3,3\]/);
  });

  it("'accuracy' picks binary, sparse or categorical from the shapes, or from the loss", () => {
    use(config);
    const acc = ng.metrics.getMetric('accuracy') as ng.metrics.Accuracy;
    expect(acc.name).toBe('accuracy');
    const probs = t([[0.1, 0.8, 0.1], [0.3, 0.4, 0.3]]);
    expect(acc.resolve(t([1, 2], 'int32'), probs)).toBe('sparse');
    expect(acc.resolve(t([[0, 1, 0], [0, 0, 1]]), probs)).toBe('categorical');
    expect(acc.resolve(t([1, 0]), t([[0.7], [0.2]]))).toBe('binary');
    expect(acc.compute(t([1, 2], 'int32'), probs)).toBe(0.5);
    // Multi-label sigmoid outputs with a binary loss: elementwise, not argmax.
    const multi = ng.metrics.getMetric('acc', { loss: 'binaryCrossentropy' }) as ng.metrics.Accuracy;
    expect(multi.name).toBe('acc');
    expect(multi.mode).toBe('binary');
    expect(multi.compute(t([[1, 0, 1], [0, 0, 1]]), t([[0.9, 0.1, 0.2], [0.3, 0.1, 0.8]]))).toBeCloseTo(5 / 6, 12);
    expect((ng.metrics.getMetric('accuracy', { loss: 'sparse_categorical_crossentropy' }) as ng.metrics.Accuracy).mode).toBe('sparse');
  });

  it('precision and recall count thresholded positives (and one class with classId)', () => {
    use(config);
    // tp = {0, 4}, fp = {2}, fn = {1, 5}
    const y = [1, 1, 0, 0, 1, 1];
    const p = [0.9, 0.2, 0.7, 0.1, 0.6, 0.3];
    expect(new ng.metrics.Precision().compute(t(y), t(p))).toBeCloseTo(2 / 3, 12);
    expect(new ng.metrics.Recall().compute(t(y), t(p))).toBe(0.5);
    expect(new ng.metrics.Recall({ threshold: 0.25 }).compute(t(y), t(p))).toBe(0.75);
    expect(new ng.metrics.Precision().compute(t([1, 0]), t([0.1, 0.2]))).toBe(0);  // no positives predicted: 0, not NaN
    // Column 1 only: labels [1, 0, 1], predictions [0.8, 0.6, 0.2] → tp 1, fp 1, fn 1.
    const yy = [[0, 1], [1, 0], [0, 1]];
    const pp = [[0.2, 0.8], [0.4, 0.6], [0.9, 0.2]];
    expect(new ng.metrics.Precision({ classId: 1 }).compute(t(yy), t(pp))).toBe(0.5);
    expect(new ng.metrics.Recall({ classId: 1 }).compute(t(yy), t(pp))).toBe(0.5);
    expect(() => new ng.metrics.Recall({ classId: 2 }).compute(t(yy), t(pp))).toThrow(/classId 2 is out of range/);
  });

  it('F1 score: per-class F1 from argmax, averaged macro / micro / weighted', () => {
    use(config);
    // true classes [0, 1, 2, 2, 1], predicted (argmax) [0, 2, 2, 1, 1]:
    // class 0: tp 1 → F1 1; class 1: tp 1 fp 1 fn 1 → 0.5; class 2: tp 1 fp 1 fn 1 → 0.5.
    const y = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 1, 0]];
    const p = [[0.8, 0.1, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.1, 0.5, 0.4], [0.3, 0.4, 0.3]];
    expect(new ng.metrics.F1Score().compute(t(y), t(p))).toBeCloseTo(2 / 3, 6);
    expect(new ng.metrics.F1Score({ average: 'micro' }).compute(t(y), t(p))).toBeCloseTo(0.6, 6);
    expect(new ng.metrics.F1Score({ average: 'weighted' }).compute(t(y), t(p))).toBeCloseTo((1 + 2 * 0.5 + 2 * 0.5) / 5, 6);
    // Binary output: threshold 0.5. tp 2 fp 1 fn 1 → P = R = 2/3 → F1 2/3.
    expect(new ng.metrics.F1Score().compute(t([1, 1, 0, 1, 0]), t([[0.9], [0.7], [0.6], [0.2], [0.1]]))).toBeCloseTo(2 / 3, 6);
  });

  it('AUC: a hand-computed ROC area and the literal Keras definition', () => {
    use(config);
    // Classic example: scores 0.1, 0.4 (negatives) and 0.35, 0.8 (positives): 3 of 4 pairs ordered → 0.75.
    expect(new ng.metrics.AUC().compute(t([0, 0, 1, 1]), t([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 12);
    expect(new ng.metrics.AUC().compute(t([0, 0, 1, 1]), t([0.1, 0.2, 0.8, 0.9]))).toBeCloseTo(1, 12);
    // A positive and a negative in one bucket count half, as the trapezoid between thresholds does.
    expect(new ng.metrics.AUC({ numThresholds: 3 }).compute(t([0, 1]), t([0.2, 0.3]))).toBeCloseTo(0.5, 12);
    const rnd = lcg(3);
    const labels = Array.from({ length: 300 }, () => (rnd() < 0.4 ? 1 : 0));
    const preds = labels.map((l) => Math.fround(Math.min(1, Math.max(0, 0.35 * l + rnd() * 0.65))));
    for (const curve of ['ROC', 'PR'] as const) {
      for (const n of [200, 7]) {
        const m = new ng.metrics.AUC({ curve, numThresholds: n });
        expect(m.compute(t(labels), t(preds))).toBeCloseTo(bruteForceAuc(labels, preds, n, curve), 10);
      }
    }
    const logits = preds.map((p) => Math.log(p / (1 - p)));
    expect(new ng.metrics.AUC({ fromLogits: true }).compute(t(labels), t(logits)))
      .toBeCloseTo(new ng.metrics.AUC().compute(t(labels), t(preds)), 3);
    expect(() => new ng.metrics.AUC().compute(t([1]), t([1.5]))).toThrow(/probabilities in \[0, 1\], got 1.5/);
  });

  it('mean squared and absolute error', () => {
    use(config);
    // differences 0.5, 0, -1
    expect(new ng.metrics.MeanSquaredError().compute(t([1, 2, 3]), t([1.5, 2, 2]))).toBeCloseTo(1.25 / 3, 7);
    expect(new ng.metrics.MeanAbsoluteError().compute(t([1, 2, 3]), t([1.5, 2, 2]))).toBeCloseTo(0.5, 7);
    expect(() => new ng.metrics.MeanSquaredError().compute(t([1, 2]), t([1, 2, 3]))).toThrow(/labels of shape \[2\] do not match predictions of shape \[3\]/);
  });

  it('streaming over batches equals one pass over all the data; reset() forgets', () => {
    use(config);
    const rnd = lcg(11);
    const n = 37;
    const k = 4;
    const classes = Array.from({ length: n }, () => Math.floor(rnd() * k));
    const onehot = classes.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));
    const probs = classes.map(() => { const r = Array.from({ length: k }, () => rnd()); const s = r.reduce((a, b) => a + b); return r.map((v) => v / s); });
    const bin = classes.map((c) => (c % 2));
    const score = classes.map((c) => Math.fround(c % 2 ? 0.3 + 0.7 * rnd() : 0.7 * rnd()));
    const cuts = [5, 6, 20];
    const cases: [ng.metrics.Metric, number[][] | number[], number[][] | number[], ng.DType][] = [
      [new ng.metrics.CategoricalAccuracy(), onehot, probs, 'float32'],
      [new ng.metrics.SparseCategoricalAccuracy(), classes, probs, 'int32'],
      [new ng.metrics.Accuracy(), classes, probs, 'int32'],
      [new ng.metrics.BinaryAccuracy(), bin, score, 'float32'],
      [new ng.metrics.Precision(), bin, score, 'float32'],
      [new ng.metrics.Recall(), bin, score, 'float32'],
      [new ng.metrics.F1Score(), onehot, probs, 'float32'],
      [new ng.metrics.F1Score({ average: 'micro' }), onehot, probs, 'float32'],
      [new ng.metrics.AUC(), bin, score, 'float32'],
      [new ng.metrics.AUC({ curve: 'PR' }), bin, score, 'float32'],
      [new ng.metrics.MeanSquaredError(), onehot, probs, 'float32'],
      [new ng.metrics.MeanAbsoluteError(), onehot, probs, 'float32'],
    ];
    for (const [m, y, p, dt] of cases) {
      const once = m.compute(t(y as number[][], dt), t(p as number[][]));
      expect(streamed(m, y, p, cuts, dt), m.name).toBeCloseTo(once, 12);
      expect(once, m.name).toBeGreaterThan(0);
      m.reset();
      expect(m.result(), m.name).toBe(0);
    }
  });
});

describe('getMetric', () => {
  it('knows Keras names in snake_case and camelCase and keys logs by the name given', () => {
    const names: [string, string, unknown][] = [
      ['binaryAccuracy', 'binary_accuracy', ng.metrics.BinaryAccuracy],
      ['binary_accuracy', 'binary_accuracy', ng.metrics.BinaryAccuracy],
      ['categoricalAccuracy', 'categorical_accuracy', ng.metrics.CategoricalAccuracy],
      ['sparse_categorical_accuracy', 'sparse_categorical_accuracy', ng.metrics.SparseCategoricalAccuracy],
      ['precision', 'precision', ng.metrics.Precision],
      ['recall', 'recall', ng.metrics.Recall],
      ['f1Score', 'f1_score', ng.metrics.F1Score],
      ['AUC', 'auc', ng.metrics.AUC],
      ['mse', 'mse', ng.metrics.MeanSquaredError],
      ['meanSquaredError', 'mean_squared_error', ng.metrics.MeanSquaredError],
      ['mae', 'mae', ng.metrics.MeanAbsoluteError],
    ];
    for (const [id, name, cls] of names) {
      const m = ng.metrics.getMetric(id);
      expect(m.name).toBe(name);
      expect(m).toBeInstanceOf(cls);
    }
    const mine = new ng.metrics.AUC({ curve: 'PR' });
    expect(ng.metrics.getMetric(mine)).toBe(mine);
    expect(() => ng.metrics.getMetric('accurcy')).toThrow(/unknown metric 'accurcy' \(known: accuracy, /);
    expect(ng.metrics.getMetric('mse').direction).toBe('min');
    expect(ng.metrics.getMetric('auc').direction).toBe('max');
  });

  it('Mean averages numbers with weights', () => {
    const m = new ng.metrics.Mean('loss');
    m.update(1, 3);
    m.update(3, 1);
    expect(m.result()).toBe(1.5);
    m.reset();
    expect(m.result()).toBe(0);
  });
});
