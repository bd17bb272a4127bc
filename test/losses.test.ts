// ng.losses: values against hand-written float64 formulas on every backend, reductions,
// label conventions, getLoss names, the loss modules and bad input.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, lcg, maxAbsDiff, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

const { losses, nn } = ng;

function rows(n: number, c: number, seed: number, lo = -1, hi = 1): number[][] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => Array.from({ length: c }, () => lo + (hi - lo) * r()));
}

const t64 = (v: number[][] | number[]) => ng.tensor(v, { dtype: 'float64' });
const meanOf = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const softmaxRow = (r: number[]) => { const m = Math.max(...r); const e = r.map((v) => Math.exp(v - m)); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); };

/** Per-sample references in float64: each maps (pred rows, true rows) to one loss per row. */
const P = rows(6, 4, 1, 0.05, 0.95);
const T = rows(6, 4, 2, 0, 1);
const Z = rows(6, 4, 3, -3, 3);
const PM = rows(6, 4, 4, -2, 2);
const SIGNS = rows(6, 4, 5).map((r) => r.map((v) => (v > 0 ? 1 : -1)));
const LABELS = [0, 3, 1, 1, 2, 0];
const ONE_HOT: number[][] = LABELS.map((l) => [0, 1, 2, 3].map((j) => (j === l ? 1 : 0)));
const DIST_P = P.map((r) => { const s = r.reduce((a, b) => a + b); return r.map((v) => v / s); });
const DIST_T = T.map((r) => { const s = r.reduce((a, b) => a + b); return r.map((v) => v / s); });

const CASES: [string, () => ng.Tensor, number[]][] = [
  ['mse', () => losses.meanSquaredError(t64(PM), t64(T), { reduction: 'none' }), PM.map((r, i) => meanOf(r.map((v, j) => (v - T[i]![j]!) ** 2)))],
  ['mae', () => losses.meanAbsoluteError(t64(PM), t64(T), { reduction: 'none' }), PM.map((r, i) => meanOf(r.map((v, j) => Math.abs(v - T[i]![j]!))))],
  ['huber δ=0.7', () => losses.huber(t64(PM), t64(T), { delta: 0.7, reduction: 'none' }), PM.map((r, i) => meanOf(r.map((v, j) => {
    const e = Math.abs(v - T[i]![j]!);
    return e <= 0.7 ? 0.5 * e * e : 0.7 * (e - 0.35);
  })))],
  ['hinge ±1', () => losses.hinge(t64(PM), t64(SIGNS), { reduction: 'none' }), PM.map((r, i) => meanOf(r.map((v, j) => Math.max(0, 1 - SIGNS[i]![j]! * v))))],
  ['hinge 0/1 converted', () => losses.hinge(t64(PM), t64(SIGNS.map((r) => r.map((v) => (v + 1) / 2))), { reduction: 'none' }),
    PM.map((r, i) => meanOf(r.map((v, j) => Math.max(0, 1 - SIGNS[i]![j]! * v))))],
  ['squared hinge', () => losses.squaredHinge(t64(PM), t64(SIGNS), { reduction: 'none' }), PM.map((r, i) => meanOf(r.map((v, j) => Math.max(0, 1 - SIGNS[i]![j]! * v) ** 2)))],
  ['binary cross-entropy', () => losses.binaryCrossentropy(t64(P), t64(T), { reduction: 'none' }),
    P.map((r, i) => meanOf(r.map((p, j) => -(T[i]![j]! * Math.log(p) + (1 - T[i]![j]!) * Math.log(1 - p)))))],
  ['binary cross-entropy from logits, smoothed', () => losses.binaryCrossentropy(t64(Z), t64(T), { fromLogits: true, labelSmoothing: 0.2, reduction: 'none' }),
    Z.map((r, i) => meanOf(r.map((z, j) => { const t = T[i]![j]! * 0.8 + 0.1; const p = 1 / (1 + Math.exp(-z)); return -(t * Math.log(p) + (1 - t) * Math.log(1 - p)); })))],
  ['categorical cross-entropy (probabilities)', () => losses.categoricalCrossentropy(t64(DIST_P), t64(ONE_HOT), { reduction: 'none' }),
    DIST_P.map((r, i) => -Math.log(r[LABELS[i]!]!))],
  ['categorical cross-entropy (unnormalized probabilities are renormalized)', () => losses.categoricalCrossentropy(t64(P), t64(DIST_T), { reduction: 'none' }),
    P.map((r, i) => { const s = r.reduce((a, b) => a + b); return -r.reduce((acc, p, j) => acc + DIST_T[i]![j]! * Math.log(p / s), 0); })],
  ['categorical cross-entropy (logits, sparse)', () => losses.categoricalCrossentropy(t64(Z), ng.tensor(LABELS, { dtype: 'int32' }), { fromLogits: true, reduction: 'none' }),
    Z.map((r, i) => -Math.log(softmaxRow(r)[LABELS[i]!]!))],
  ['categorical cross-entropy (logits, smoothed sparse)', () => losses.categoricalCrossentropy(t64(Z), ng.tensor(LABELS, { dtype: 'int32' }), { fromLogits: true, labelSmoothing: 0.1, reduction: 'none' }),
    Z.map((r, i) => { const s = softmaxRow(r); return -ONE_HOT[i]!.reduce((acc, t, j) => acc + (t * 0.9 + 0.025) * Math.log(s[j]!), 0); })],
  ['sparse categorical cross-entropy ([N, 1] float labels)', () => losses.sparseCategoricalCrossentropy(t64(DIST_P), t64(LABELS.map((l) => [l])), { reduction: 'none' }),
    DIST_P.map((r, i) => -Math.log(r[LABELS[i]!]!))],
  ['kl divergence', () => losses.kullbackLeiblerDivergence(t64(DIST_P), t64(DIST_T), { reduction: 'none' }),
    DIST_P.map((r, i) => DIST_T[i]!.reduce((acc, t, j) => acc + t * Math.log(t / r[j]!), 0))],
];

describe.each(CONFIGS)('losses on $label', (config) => {
  it.each(CASES)('%s per sample', (_name, fn, want) => {
    use(config);
    const got = fn();
    expect(got.shape).toEqual([want.length]);
    expect(maxAbsDiff(Array.from(got.dataSync()), want)).toBeLessThan(1e-12);
  });

  it('reduce per-sample losses by mean (default), sum or none', () => {
    use(config);
    const none = Array.from(losses.mse(t64(PM), t64(T), { reduction: 'none' }).dataSync());
    expect(losses.mse(t64(PM), t64(T)).item()).toBeCloseTo(meanOf(none), 12);
    expect(losses.mse(t64(PM), t64(T), { reduction: 'sum' }).item()).toBeCloseTo(none.reduce((a, b) => a + b), 12);
    // [N] inputs are one value per sample; [N, 1] against [N] is accepted.
    const v = losses.mse(ng.tensor([1, 2, 3]), ng.tensor([[1], [0], [3]]), { reduction: 'none' });
    expect(Array.from(v.dataSync())).toEqual([0, 4, 0]);
    expect(losses.mae(ng.tensor([[1, 2], [3, 4]]), ng.tensor([[1, 1], [1, 1]])).item()).toBe(1.5);
  });

  it('clip probabilities, so a confident wrong answer is finite', () => {
    use(config);
    const bce = losses.binaryCrossentropy(ng.tensor([0, 1]), ng.tensor([1, 0]), { reduction: 'none' });
    expect(Array.from(bce.dataSync()).every((v) => Number.isFinite(v) && v > 10)).toBe(true);
    const cce = losses.categoricalCrossentropy(ng.tensor([[1, 0]]), ng.tensor([1], { dtype: 'int32' }));
    expect(Number.isFinite(cce.item()) && cce.item() > 10).toBe(true);
  });

  it('loss modules apply their settings', () => {
    use(config);
    const cases: [ng.nn.Loss, ng.Tensor, ng.Tensor, number][] = [
      [new nn.MSELoss({ reduction: 'sum' }), ng.tensor([1, 2]), ng.tensor([0, 0]), 5],
      [new nn.L1Loss(), ng.tensor([1, -3]), ng.tensor([0, 0]), 2],
      [new nn.HuberLoss({ delta: 1 }), ng.tensor([3]), ng.tensor([0]), 2.5],
      [new nn.HingeLoss(), ng.tensor([0.5]), ng.tensor([1]), 0.5],
      [new nn.SquaredHingeLoss(), ng.tensor([0.5]), ng.tensor([1]), 0.25],
      [new nn.BCELoss(), ng.tensor([0.5]), ng.tensor([1]), Math.log(2)],
      [new nn.BCEWithLogitsLoss(), ng.tensor([0]), ng.tensor([1]), Math.log(2)],
      [new nn.CrossEntropyLoss(), ng.tensor([[0, 0]]), ng.tensor([1], { dtype: 'int32' }), Math.log(2)],
      [new nn.CrossEntropyLoss({ fromLogits: false }), ng.tensor([[0.25, 0.75]]), ng.tensor([1], { dtype: 'int32' }), -Math.log(0.75)],
      [new nn.KLDivergenceLoss(), ng.tensor([[0.5, 0.5]]), ng.tensor([[0.25, 0.75]]), 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5)],
    ];
    for (const [loss, p, t, want] of cases) expect(loss.call(p, t).item(), loss.constructor.name).toBeCloseTo(want, 6);
    expect(() => new nn.MSELoss().call(ng.tensor([1]))).toThrow(/MSELoss: call\(yPred, yTrue\) needs the targets/);
    expect(() => new nn.MSELoss({ reduction: 'avg' as 'mean' })).toThrow(/MSELoss: reduction must be 'mean', 'sum' or 'none'/);
  });

  it('reject mismatched inputs with the loss and the shapes', () => {
    use(config);
    expect(() => losses.mse(ng.zeros([3, 2]), ng.zeros([2, 3]))).toThrow(/meanSquaredError: yTrue \[2,3\] must have the shape of yPred \[3,2\]/);
    expect(() => losses.mse(ng.zeros([3], 'int32'), ng.zeros([3]))).toThrow(/meanSquaredError: yPred must be float32 or float64, got int32/);
    expect(() => losses.categoricalCrossentropy(ng.zeros([3, 4]), ng.zeros([3, 2]))).toThrow(/categoricalCrossentropy: yTrue \[3,2\] must be one-hot \[3,4\] or int32 class indices \[3\]/);
    expect(() => losses.categoricalCrossentropy(ng.ones([2, 3]), ng.tensor([0, 3], { dtype: 'int32' }))).toThrow(/categoricalCrossentropy: labels must be class indices in \[0, 3\)/);
    expect(() => losses.sparseCategoricalCrossentropy(ng.ones([2, 3]), ng.tensor([0.5, 1]))).toThrow(/sparseCategoricalCrossentropy: class labels must be whole numbers, got 0.5/);
    expect(() => losses.sparseCategoricalCrossentropy(ng.ones([2, 3]), ng.tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(/sparseCategoricalCrossentropy: yTrue \[3\] must hold one class index per row of yPred \[2,3\]/);
    expect(() => losses.mse(ng.zeros([2]), ng.zeros([2]), { reduction: 'all' as 'sum' })).toThrow(/meanSquaredError: reduction must be/);
    expect(() => losses.huber(ng.zeros([2]), ng.zeros([2]), { delta: 0 })).toThrow(/huber: delta must be a finite number > 0/);
    expect(() => losses.binaryCrossentropy(ng.zeros([2]), ng.zeros([2]), { labelSmoothing: 2 })).toThrow(/labelSmoothing must be in \[0, 1\]/);
  });
});

describe('getLoss', () => {
  it('maps Keras and short names onto the loss functions', () => {
    expect(losses.getLoss('mse')).toBe(losses.meanSquaredError);
    expect(losses.getLoss('mean_squared_error')).toBe(losses.meanSquaredError);
    expect(losses.getLoss('binaryCrossentropy')).toBe(losses.binaryCrossentropy);
    expect(losses.getLoss('categorical_crossentropy')).toBe(losses.categoricalCrossentropy);
    expect(losses.getLoss('sparseCategoricalCrossentropy')).toBe(losses.sparseCategoricalCrossentropy);
    expect(losses.getLoss('hinge')).toBe(losses.hinge);
    expect(losses.getLoss('huber')).toBe(losses.huber);
    expect(losses.getLoss('kld')).toBe(losses.kullbackLeiblerDivergence);
    expect(losses.getLoss('MAE')).toBe(losses.meanAbsoluteError);
    const f = (p: ng.Tensor) => p.sum();
    expect(losses.getLoss(f)).toBe(f);
    ng.setBackend('js');
    expect(losses.getLoss(new nn.MSELoss({ reduction: 'sum' }))(ng.tensor([1, 2]), ng.tensor([0, 0])).item()).toBe(5);
    expect(() => losses.getLoss('crossentropy')).toThrow(/getLoss: unknown loss "crossentropy"/);
  });
});
