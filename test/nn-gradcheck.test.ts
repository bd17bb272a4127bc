// Gradient checks (float64, two-sided differences) of every layer, ng.batchNorm in both
// modes, the regularization penalties and every loss, on every backend and ISA path.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, lcg, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

const { nn, losses } = ng;

function rnd64(shape: number[], seed: number, lo = -1, hi = 1): ng.Tensor {
  const r = lcg(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return ng.tensor(Float64Array.from({ length: n }, () => lo + (hi - lo) * r()), shape, 'float64');
}

function expectGreat(report: ng.GradcheckReport): void {
  expect(report.relativeError, report.summary).toBeLessThan(1e-7);
  expect(report.passed, report.summary).toBe(true);
}

const f64 = { dtype: 'float64' as const };

/** Layers checked through gradcheck.model (parameters) and gradcheck on the input. */
const MODELS: [string, () => ng.nn.Module, () => ng.Tensor, number[]][] = [
  ['Linear', () => new nn.Linear(4, 3, f64), () => rnd64([5, 4], 1), [5, 3]],
  ['Linear no bias, relu (fused)', () => new nn.Linear(4, 3, { ...f64, bias: false, activation: 'relu' }), () => rnd64([5, 4], 2), [5, 3]],
  ['Linear sigmoid (fused)', () => new nn.Linear(4, 3, { ...f64, activation: 'sigmoid' }), () => rnd64([5, 4], 3), [5, 3]],
  ['Linear tanh (fused)', () => new nn.Linear(4, 3, { ...f64, activation: 'tanh' }), () => rnd64([5, 4], 4), [5, 3]],
  ['Linear softmax', () => new nn.Linear(4, 3, { ...f64, activation: 'softmax' }), () => rnd64([5, 4], 5), [5, 3]],
  ['Linear softplus on [b, t, in]', () => new nn.Linear(4, 3, { ...f64, activation: 'softplus' }), () => rnd64([2, 3, 4], 6), [2, 3, 3]],
  ['BatchNorm1d (eval)', () => new nn.BatchNorm1d(3, { ...f64, biasInitializer: nn.init.randomNormal(), weightInitializer: nn.init.randomUniform({ minval: 0.5, maxval: 2 }) }).eval(), () => rnd64([6, 3], 7), [6, 3]],
  ['BatchNorm2d (eval)', () => new nn.BatchNorm2d(2, { ...f64, weightInitializer: nn.init.constant(1.5) }).eval(), () => rnd64([2, 2, 3, 2], 8), [2, 2, 3, 2]],
  ['Conv2d same, stride 2, relu (fused)', () => new nn.Conv2d(2, 3, 3, { ...f64, strides: 2, padding: 'same', activation: 'relu' }),
    () => rnd64([2, 5, 5, 2], 17), [2, 3, 3, 3]],
  ['Conv2d valid, dilation 2, no bias, tanh', () => new nn.Conv2d(1, 2, [2, 3], { ...f64, dilation: 2, bias: false, activation: 'tanh' }),
    () => rnd64([1, 6, 7, 1], 18), [1, 4, 3, 2]],
  ['CNN: conv → max-pool → flatten → linear', () => new nn.Sequential(
    new nn.Conv2d(1, 2, 3, { ...f64, padding: 'same', activation: 'tanh' }), new nn.MaxPool2d({ poolSize: 2 }), new nn.Flatten(),
    new nn.Linear(8, 2, f64)), () => rnd64([2, 4, 4, 1], 19), [2, 2]],
  ['MLP with batch norm and dropout (eval)', () => new nn.Sequential(
    new nn.Linear(3, 5, { ...f64, bias: false }), new nn.BatchNorm1d(5, f64), new nn.Tanh(), new nn.Dropout(0.5),
    new nn.Linear(5, 2, { ...f64, activation: 'tanh' })).eval(), () => rnd64([4, 3], 9), [4, 2]],
];

/** Parameter-free modules: gradcheck on the input. */
const FUNCTIONS: [string, () => ng.nn.Module, () => ng.Tensor][] = [
  ['Flatten', () => new nn.Flatten(), () => rnd64([2, 3, 2], 10)],
  ['ReLU', () => new nn.ReLU(), () => ng.tensor([[-1.5, -0.2], [0.3, 2]], f64)],
  ['LeakyReLU', () => new nn.LeakyReLU(0.2), () => ng.tensor([[-1.5, -0.2], [0.3, 2]], f64)],
  ['ELU', () => new nn.ELU(0.7), () => ng.tensor([[-1.5, -0.2], [0.3, 2]], f64)],
  ['Sigmoid', () => new nn.Sigmoid(), () => rnd64([3, 4], 11, -4, 4)],
  ['Tanh', () => new nn.Tanh(), () => rnd64([3, 4], 12, -3, 3)],
  ['Softmax', () => new nn.Softmax(0), () => rnd64([3, 4], 13, -2, 2)],
  ['LogSoftmax', () => new nn.LogSoftmax(), () => rnd64([3, 4], 14, -2, 2)],
  ['Softplus', () => new nn.Softplus(), () => rnd64([3, 4], 15, -5, 5)],
  ['Identity', () => new nn.Identity(), () => rnd64([3, 4], 16)],
  // Distinct inputs keep every window's maximum unique (no ties at the check's ±ε).
  ['MaxPool2d 3×3/2 same', () => new nn.MaxPool2d({ poolSize: 3, strides: 2, padding: 'same' }),
    () => ng.tensor(Float64Array.from({ length: 50 }, (_, i) => ((i * 37) % 50) / 10), [2, 5, 5, 1], 'float64')],
  ['AvgPool2d 2×2/1 valid', () => new nn.AvgPool2d({ poolSize: 2, strides: 1 }), () => rnd64([2, 4, 3, 2], 39)],
  ['GlobalAvgPool2d', () => new nn.GlobalAvgPool2d(), () => rnd64([2, 3, 3, 2], 40)],
  ['GlobalMaxPool2d', () => new nn.GlobalMaxPool2d(),
    () => ng.tensor(Float64Array.from({ length: 36 }, (_, i) => ((i * 11) % 36) / 7), [2, 3, 3, 2], 'float64')],
  ['GlobalMaxPool1d', () => new nn.GlobalMaxPool1d(),
    () => ng.tensor(Float64Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) / 5), [2, 4, 3], 'float64')],
];

/** Each loss as a function of (yPred, yTrue); labels that are not differentiable are closed over. */
const LOSSES: [string, () => ng.Tensor[], (...t: ng.Tensor[]) => ng.Tensor][] = [
  ['meanSquaredError', () => [rnd64([4, 3], 20), rnd64([4, 3], 21)], (p, t) => losses.meanSquaredError(p!, t!)],
  ['meanAbsoluteError (sum)', () => [rnd64([4, 3], 22), rnd64([4, 3], 23)], (p, t) => losses.meanAbsoluteError(p!, t!, { reduction: 'sum' })],
  ['huber', () => [rnd64([4, 3], 24, -2, 2), rnd64([4, 3], 25)], (p, t) => losses.huber(p!, t!, { delta: 0.8 })],
  ['hinge', () => [rnd64([4, 3], 26, -2, 2)], (p) => losses.hinge(p!, ng.tensor([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]]))],
  ['squaredHinge (0/1 labels, none)', () => [rnd64([4, 3], 27, -2, 2)],
    (p) => losses.squaredHinge(p!, ng.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]]), { reduction: 'none' })],
  ['binaryCrossentropy', () => [rnd64([4, 3], 28, 0.05, 0.95), rnd64([4, 3], 29, 0, 1)], (p, t) => losses.binaryCrossentropy(p!, t!)],
  ['binaryCrossentropy fromLogits, smoothed', () => [rnd64([4, 3], 30, -3, 3), rnd64([4, 3], 31, 0, 1)],
    (p, t) => losses.binaryCrossentropy(p!, t!, { fromLogits: true, labelSmoothing: 0.1 })],
  ['categoricalCrossentropy probabilities', () => [rnd64([4, 3], 32, 0.1, 1), ng.softmax(rnd64([4, 3], 33))],
    (p, t) => losses.categoricalCrossentropy(p!, t!)],
  ['categoricalCrossentropy logits, one-hot smoothed', () => [rnd64([4, 3], 34, -2, 2)],
    (p) => losses.categoricalCrossentropy(p!, ng.tensor([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]), { fromLogits: true, labelSmoothing: 0.2 })],
  ['sparseCategoricalCrossentropy logits', () => [rnd64([4, 3], 35, -2, 2)],
    (p) => losses.sparseCategoricalCrossentropy(p!, ng.tensor([2, 0, 1, 1], { dtype: 'int32' }), { fromLogits: true })],
  ['sparseCategoricalCrossentropy probabilities', () => [ng.softmax(rnd64([4, 3], 36))],
    (p) => losses.sparseCategoricalCrossentropy(p!, ng.tensor([2, 0, 1, 1], { dtype: 'int32' }))],
  ['kullbackLeiblerDivergence', () => [ng.softmax(rnd64([4, 3], 37)), ng.softmax(rnd64([4, 3], 38))],
    (p, t) => losses.kullbackLeiblerDivergence(p!, t!)],
];

describe.each(CONFIGS)('gradcheck of layers on $label (float64)', (config) => {
  it.each(MODELS)('%s: parameters and input', (_name, make, input, outShape) => {
    use(config);
    ng.seed(41);
    const model = make().eval();  // gradcheck.model refuses training mode (dropout)
    const x = input();
    const y = rnd64(outShape, 42);
    expectGreat(ng.gradcheck.model(model, x, y));
    expectGreat(ng.gradcheck((xi) => model.forward(xi!), [x]));
  });

  it.each(FUNCTIONS)('%s: input', (_name, make, input) => {
    use(config);
    const m = make();
    expectGreat(ng.gradcheck((x) => m.forward(x!), [input()]));
  });

  it('Dropout in training mode (the same mask on every evaluation)', () => {
    use(config);
    const d = new nn.Dropout({ rate: 0.3 });
    expectGreat(ng.gradcheck((x) => { ng.seed(5); return d.forward(x!); }, [rnd64([6, 5], 43)]));
  });

  it('Embedding: the rows that were looked up', () => {
    use(config);
    ng.seed(44);
    const emb = new nn.Embedding(5, 3, f64).eval();
    expectGreat(ng.gradcheck.model(emb, ng.tensor([[0, 3], [3, 1]], { dtype: 'int32' }), rnd64([2, 2, 3], 45)));
  });

  it('ng.batchNorm in training mode: x, γ and β (affine and not), dense and NHWC', () => {
    use(config);
    expectGreat(ng.gradcheck((x, w, b) => ng.batchNorm(x!, { weight: w, bias: b, eps: 1e-3 }),
      [rnd64([5, 3], 46, -2, 3), rnd64([3], 47, 0.5, 2), rnd64([3], 48)]));
    expectGreat(ng.gradcheck((x) => ng.batchNorm(x!), [rnd64([2, 3, 2, 4], 49)]));
    const rm = ng.zeros([3], 'float64');
    const rv = ng.ones([3], 'float64');
    expectGreat(ng.gradcheck((x, w) => ng.batchNorm(x!, { weight: w, runningMean: rm, runningVar: rv }),
      [rnd64([4, 3], 50), rnd64([3], 51, 0.5, 2)]));
  });

  it('ng.batchNorm in inference mode: x, γ and β', () => {
    use(config);
    const rm = rnd64([3], 52);
    const rv = rnd64([3], 53, 0.5, 2);
    expectGreat(ng.gradcheck((x, w, b) => ng.batchNorm(x!, { weight: w, bias: b, runningMean: rm, runningVar: rv, training: false }),
      [rnd64([5, 3], 54), rnd64([3], 55, 0.5, 2), rnd64([3], 56)]));
  });

  it('regularization penalties through the model', () => {
    use(config);
    ng.seed(57);
    const model = new nn.Sequential(
      new nn.Linear(3, 4, { ...f64, kernelRegularizer: nn.regularizers.l1l2({ l1: 0.01, l2: 0.1 }), biasRegularizer: nn.regularizers.l2(0.5), biasInitializer: 'ones' }),
      new nn.Tanh(), new nn.Linear(4, 2, { ...f64, kernelRegularizer: nn.regularizers.l1(0.05) })).eval();
    const loss = (p: ng.Tensor, t: ng.Tensor) => losses.mse(p, t).add(model.regularizationLoss()!);
    expectGreat(ng.gradcheck.model(model, rnd64([5, 3], 58), rnd64([5, 2], 59), { loss }));
  });

  it.each(LOSSES)('loss %s', (_name, inputs, fn) => {
    use(config);
    expectGreat(ng.gradcheck(fn, inputs()));
  });
});
