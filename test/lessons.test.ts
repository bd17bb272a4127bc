// The course's lessons on initialization, regularization and batch norm, reproduced with
// ng.nn on synthetic two-class data (circles, moons) and checked qualitatively, with margins
// that hold on every backend.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, type Config, use } from './backends.js';
import { type Dataset, circles, moons } from './lessons-data.js';

afterAll(() => ng.setBackend('js'));

const { nn, losses } = ng;

/** Native (its best ISA path), wasm and js: the lessons are too slow to repeat on every ISA. */
const LESSON_CONFIGS: Config[] = [
  ...CONFIGS.filter((c) => c.backend === 'native').slice(-1),
  ...CONFIGS.filter((c) => c.backend !== 'native'),
];

function tensors(d: Dataset): { x: ng.Tensor; y: ng.Tensor } {
  return { x: ng.tensor(d.x, [d.n, 2]), y: ng.tensor(d.y, [d.n, 1]) };
}

/** Full-batch training on sigmoid cross-entropy (+ the model's regularization); returns the last data loss. */
function train(model: ng.nn.Module, data: { x: ng.Tensor; y: ng.Tensor }, steps: number, lr: number, momentum = 0): number {
  const opt = new ng.optim.SGD(model.parameters(), { lr, momentum });
  model.train();
  let last = NaN;
  for (let i = 0; i < steps; i++) {
    ng.tidy(() => {
      const loss = losses.binaryCrossentropy(model.call(data.x), data.y, { fromLogits: true });
      const reg = model.regularizationLoss();
      (reg ? loss.add(reg) : loss).backward();
      last = loss.item();
      opt.step();
      opt.zeroGrad();
    });
  }
  return last;
}

/** Accuracy and data loss in eval mode. */
function evaluate(model: ng.nn.Module, data: { x: ng.Tensor; y: ng.Tensor }): { accuracy: number; loss: number } {
  model.eval();
  return ng.tidy(() => ng.noGrad(() => {
    const logits = model.call(data.x);
    return {
      accuracy: logits.greater(0).equal(data.y).mean().item(),
      loss: losses.binaryCrossentropy(logits, data.y, { fromLogits: true }).item(),
    };
  }));
}

function columnsEqual(w: ng.Tensor): boolean {
  const [rows, cols] = w.shape as [number, number];
  const v = w.dataSync();
  for (let i = 0; i < rows; i++) for (let j = 1; j < cols; j++) if (v[i * cols + j] !== v[i * cols]) return false;
  return true;
}

describe.each(LESSON_CONFIGS)('lessons on $label', (config) => {
  const circleData = circles(300, 1);

  it('zeros initialization cannot break symmetry: about 50% accuracy, identical hidden units', () => {
    use(config);
    const data = tensors(circleData);
    const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
    const model = new nn.Sequential(
      new nn.Linear(2, 10, { ...zeros, activation: 'relu' }), new nn.Linear(10, 5, { ...zeros, activation: 'relu' }),
      new nn.Linear(5, 1, zeros));
    const loss = train(model, data, 150, 0.5);
    const { accuracy } = evaluate(model, data);
    expect(Math.abs(loss - Math.log(2))).toBeLessThan(1e-3);  // the cost never moves off ln 2
    expect(Math.abs(accuracy - 0.5)).toBeLessThan(0.05);
    const [w1, , w2] = model.parameters();
    expect(columnsEqual(w1!) && columnsEqual(w2!)).toBe(true);

    // Any constant initialization keeps the units identical, even while they learn.
    const constant = { kernelInitializer: nn.init.constant(0.3), biasInitializer: 'zeros' } as const;
    const tied = new nn.Sequential(new nn.Linear(2, 8, { ...constant, activation: 'tanh' }), new nn.Linear(8, 1, constant));
    train(tied, data, 100, 0.5);
    const w = tied.parameters()[0]!;
    expect(columnsEqual(w)).toBe(true);
    expect(Array.from(w.dataSync()).some((v) => Math.abs(v - 0.3) > 1e-3)).toBe(true);
    expect(evaluate(tied, data).accuracy).toBeLessThan(0.7);  // one effective unit cannot separate circles
  });

  it('He initialization trains a ReLU network to > 95% training accuracy on circles', () => {
    use(config);
    ng.seed(1);
    const data = tensors(circleData);
    const he = { kernelInitializer: 'heNormal' } as const;
    const model = new nn.Sequential(
      new nn.Linear(2, 10, { ...he, activation: 'relu' }), new nn.Linear(10, 5, { ...he, activation: 'relu' }),
      new nn.Linear(5, 1, he));
    train(model, data, 200, 0.5);
    expect(evaluate(model, data).accuracy).toBeGreaterThan(0.95);
  });

  it('L2 regularization and dropout each shrink the train/test gap of an over-fitting network', () => {
    use(config);
    const trainSet = tensors(moons(40, 5, 0.35));
    const testSet = tensors(moons(1000, 6, 0.35));
    const run = (variant: 'plain' | 'l2' | 'dropout') => {
      ng.seed(7);
      const opts = { kernelInitializer: 'heNormal', kernelRegularizer: variant === 'l2' ? nn.regularizers.l2(0.01) : null } as const;
      const drop = () => (variant === 'dropout' ? [new nn.Dropout(0.5)] : []);
      const model = new nn.Sequential(
        new nn.Linear(2, 32, { ...opts, activation: 'relu' }), ...drop(),
        new nn.Linear(32, 32, { ...opts, activation: 'relu' }), ...drop(), new nn.Linear(32, 1, opts));
      train(model, trainSet, 400, 0.2, 0.9);
      const tr = evaluate(model, trainSet);
      const te = evaluate(model, testSet);
      return { lossGap: te.loss - tr.loss, accuracyGap: tr.accuracy - te.accuracy, train: tr, test: te };
    };
    const plain = run('plain');
    const l2 = run('l2');
    const dropout = run('dropout');
    const report = JSON.stringify({ plain, l2, dropout });
    // The plain network memorizes the 40 noisy points.
    expect(plain.train.accuracy, report).toBe(1);
    expect(plain.accuracyGap, report).toBeGreaterThan(0.15);
    expect(plain.lossGap, report).toBeGreaterThan(1);
    for (const regularized of [l2, dropout]) {
      expect(regularized.lossGap, report).toBeLessThan(0.6 * plain.lossGap);
      expect(regularized.accuracyGap, report).toBeLessThan(plain.accuracyGap - 0.05);
      expect(regularized.test.accuracy, report).toBeGreaterThan(plain.test.accuracy + 0.03);
    }
  });

  it('batch norm lets a deep sigmoid network train where it stalls without', () => {
    use(config);
    const data = tensors(circles(256, 3));
    const deep = (bn: boolean) => {
      ng.seed(8);
      const layers: ng.nn.Module[] = [];
      for (let i = 0; i < 8; i++) {
        layers.push(new nn.Linear(i === 0 ? 2 : 16, 16, { bias: !bn }));  // batch norm's β replaces the bias
        if (bn) layers.push(new nn.BatchNorm1d(16));
        layers.push(new nn.Sigmoid());
      }
      return new nn.Sequential(...layers, new nn.Linear(16, 1));
    };
    /** |grad| of the first layer's weights over the last's, at initialization. */
    const gradientRatio = (model: ng.nn.Module) => ng.tidy(() => {
      losses.binaryCrossentropy(model.call(data.x), data.y, { fromLogits: true }).backward();
      const norm = (t: ng.Tensor) => Math.sqrt(t.grad!.square().sum().item());
      const params = model.parameters();
      const ratio = norm(params[0]!) / norm(params.at(-2)!);
      model.zeroGrad();
      return ratio;
    });
    const plain = deep(false);
    const normed = deep(true);
    expect(gradientRatio(plain)).toBeLessThan(1e-3);  // vanishing gradients through 8 sigmoids
    expect(gradientRatio(normed)).toBeGreaterThan(1e-2);
    const plainLoss = train(plain, data, 150, 1);
    const normedLoss = train(normed, data, 150, 1);
    expect(Math.abs(plainLoss - Math.log(2))).toBeLessThan(0.01);
    expect(evaluate(plain, data).accuracy).toBeLessThan(0.65);
    expect(normedLoss).toBeLessThan(0.1);
    expect(evaluate(normed, data).accuracy).toBeGreaterThan(0.95);  // eval mode: running statistics
  });

  it('on moons with mini-batches of 64, a small learning rate and a fixed budget, Adam beats plain GD and momentum', () => {
    const data = tensors(moons(300, 3, 0.2));
    const accuracyWith = (make: (params: ng.Tensor[]) => ng.optim.Optimizer): number => {
      ng.seed(3);
      const model = new nn.Sequential(
        new nn.Linear(2, 5, { activation: 'relu', kernelInitializer: 'heNormal' }),
        new nn.Linear(5, 2, { activation: 'relu', kernelInitializer: 'heNormal' }),
        new nn.Linear(2, 1, { kernelInitializer: 'heNormal' }),
      );
      const opt = make(model.parameters());
      model.train();
      for (let epoch = 0; epoch < 60; epoch++) {
        for (const [xb, yb] of ng.randomMiniBatches(data.x, data.y, 64, epoch)) {
          ng.tidy(() => {
            losses.binaryCrossentropy(model.call(xb), yb, { fromLogits: true }).backward();
            opt.step();
            opt.zeroGrad();
          });
          xb.dispose();
          yb.dispose();
        }
      }
      return evaluate(model, data).accuracy;
    };
    const lr = 0.007;
    const gd = accuracyWith((p) => new ng.optim.SGD(p, { lr }));
    const momentum = accuracyWith((p) => new ng.optim.SGD(p, { lr, momentum: 0.9, dampening: 'ema' }));
    const adam = accuracyWith((p) => new ng.optim.Adam(p, { lr }));
    expect(adam).toBeGreaterThan(0.85);
    expect(adam).toBeGreaterThan(gd + 0.05);
    expect(adam).toBeGreaterThan(momentum + 0.05);
  });
});
