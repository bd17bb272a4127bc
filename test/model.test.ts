// The Keras-style Model: fit / evaluate / predict, callbacks, save and load, on every backend.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, type Config, lcg, use } from './backends.js';

// The best native path, wasm and js: the model layer adds no kernels of its own.
const BACKENDS: Config[] = (['native', 'wasm', 'js'] as const)
  .map((b) => CONFIGS.filter((c) => c.backend === b).at(-1))
  .filter((c): c is Config => c !== undefined);
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ng-model-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  ng.setBackend('js');
});

/** Two Gaussian blobs in 4-D, labels 0/1 (int32), seeded. */
function blobs(n: number, seed: number): { x: ng.Tensor; y: ng.Tensor } {
  const rnd = lcg(seed);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = (y[i] ? 1 : -1) * (j < 2 ? 1.2 : 0) + (rnd() - 0.5) * 2;
  }
  return { x: ng.tensor(x, [n, 4]), y: ng.tensor(y, [n], 'int32') };
}

function smallModel(): ng.Model {
  return ng.sequential([
    ng.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }),
    ng.layers.dense({ units: 2, activation: 'softmax' }),
  ]);
}

const quiet = { verbose: 0 as const };

describe.each(BACKENDS)('model on $label', (config) => {
  it('fit learns, reports one value per epoch, evaluate and predict agree', async () => {
    use(config);
    ng.seed(3);
    const { x, y } = blobs(256, 1);
    const model = smallModel();
    model.compile({ optimizer: ng.optimizers.adam({ lr: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 8, batchSize: 32, validationSplit: 0.25, ...quiet });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    expect(h.history.loss).toHaveLength(8);
    expect(h.history.loss!.at(-1)!).toBeLessThan(h.history.loss![0]!);
    expect(h.history.val_accuracy!.at(-1)!).toBeGreaterThan(0.9);
    const logs = model.evaluate(x, y, { batchSize: 50 });
    expect(logs.accuracy).toBeGreaterThan(0.9);
    const probs = model.predict(x, { batchSize: 100 });
    expect(probs.shape).toEqual([256, 2]);
    const rows = probs.sum(-1).dataSync();
    for (const r of rows) expect(r).toBeCloseTo(1, 5);
    const classes = model.predictClasses(x).dataSync();
    const labels = y.dataSync();
    let right = 0;
    for (let i = 0; i < 256; i++) right += classes[i] === labels[i] ? 1 : 0;
    expect(right / 256).toBeCloseTo(logs.accuracy!, 5);
    // predict leaves only its output alive (the layers' intermediates are released at once,
    // in one batch or several), and one sample gives bitwise the batch's row.
    for (const batchSize of [256, 100]) {
      const before = ng.memory().numTensors;
      const out = model.predict(x, { batchSize });
      expect(ng.memory().numTensors).toBe(before + 1);
      const one = model.predict(x.slice([17, 0], [1, 4]));
      expect(Array.from(one.dataSync())).toEqual(Array.from(out.dataSync().slice(34, 36)));
      ng.dispose([out, one]);
    }
  });

  it('save and load give bitwise identical predictions; a tampered file is refused', async () => {
    use(config);
    ng.seed(4);
    const { x, y } = blobs(64, 2);
    const model = ng.sequential([
      ng.layers.dense({ units: 8, activation: 'tanh', inputShape: [4], kernelRegularizer: ng.nn.regularizers.l2(1e-3) }),
      ng.layers.batchNormalization(),
      ng.layers.dropout({ rate: 0.3 }),
      ng.layers.dense({ units: 2, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 2, batchSize: 16, ...quiet });
    const dir = join(tempDir(), 'm');
    await model.save(dir);
    const loaded = await ng.loadModel(dir);
    expect(Array.from(loaded.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
    expect(loaded.toJSON().compile).toEqual(model.toJSON().compile);
    const bin = readFileSync(join(dir, 'weights.bin'));
    bin[bin.length - 3]! ^= 0x40;
    writeFileSync(join(dir, 'weights.bin'), bin);
    await expect(ng.loadModel(dir)).rejects.toThrow(/checksum|corrupt|modified/i);
  });
});

describe('model: training semantics', () => {
  it('bad input fails before any training, naming the problem', async () => {
    use(BACKENDS[0]!);
    const { x, y } = blobs(32, 3);
    const model = smallModel();
    await expect(model.fit(x, y)).rejects.toThrow(/compile/);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    await expect(model.fit(x, ng.tensor(new Int32Array(31), [31], 'int32'), quiet)).rejects.toThrow(/\[32,4\].*\[31\].*same number of samples/);
    await expect(model.fit(x, ng.tensor(new Int32Array(32).fill(2), [32], 'int32'), quiet)).rejects.toThrow(/label 2 .*out of range for 2 classes/);
    await expect(model.fit(ng.zeros([32, 5]), y, quiet)).rejects.toThrow(/samples of shape \[4\].*'dense.*\[5\]/);
    await expect(model.fit(x, y, { epochs: -1, ...quiet })).rejects.toThrow(/epochs/);
    const onehot = ng.sequential([ng.layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })]);
    onehot.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(onehot.fit(x, ng.zeros([32, 2]), quiet)).rejects.toThrow(/\[32,2\].*\[n,3\].*toCategorical/);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('a loss given as { name, ...settings } applies them, keeps the fused softmax head, and survives save/load', async () => {
    use(BACKENDS[0]!);
    ng.seed(5);
    const { x, y } = blobs(64, 5);
    const model = smallModel();
    model.compile({ optimizer: 'sgd', loss: { name: 'sparseCategoricalCrossentropy', labelSmoothing: 0.2 } });
    const smoothed = model.evaluate(x, y).loss!;
    const expected = ng.losses.sparseCategoricalCrossentropy(model.predict(x), y, { labelSmoothing: 0.2 }).item();
    const plain = ng.losses.sparseCategoricalCrossentropy(model.predict(x), y).item();
    expect(smoothed).toBeCloseTo(expected, 5);
    expect(Math.abs(smoothed - plain)).toBeGreaterThan(1e-3);
    const dir = join(tempDir(), 'spec');
    await model.save(dir);
    const loaded = await ng.loadModel(dir);
    expect(loaded.toJSON().compile!.loss).toEqual({ name: 'sparseCategoricalCrossentropy', labelSmoothing: 0.2 });
    expect(loaded.evaluate(x, y).loss!).toBe(smoothed);
    expect(() => model.compile({ optimizer: 'sgd', loss: { name: 'huber', delta: 2, smoothing: 1 } as never }))
      .toThrow(/unknown option 'smoothing' for loss 'huber'/);
    expect(() => model.compile({ optimizer: 'sgd', loss: { labelSmoothing: 0.1 } as never })).toThrow(/needs a name/);
  });

  it('fit yields to the event loop between batches, and memory stays flat across epochs', async () => {
    use(BACKENDS[0]!);
    const { x, y } = blobs(512, 4);
    const model = smallModel();
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const counts: number[] = [];
    await model.fit(x, y, {
      epochs: 6, batchSize: 16, ...quiet,
      callbacks: [{ onEpochEnd: () => { counts.push(ng.memory().numTensors); } }],
    });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(20);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('callbacks: early stopping restores the best weights, checkpoints only on improvement, schedules change lr', async () => {
    use(BACKENDS[0]!);
    ng.seed(5);
    const { x, y } = blobs(128, 5);
    const model = smallModel();
    model.compile({ optimizer: ng.optimizers.sgd({ lr: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    const dir = join(tempDir(), 'ckpt');
    const order: string[] = [];
    const h = await model.fit(x, y, {
      epochs: 30, batchSize: 32, validationData: [x, y], ...quiet,
      callbacks: [
        ng.callbacks.learningRateScheduler((epoch: number) => 0.05 * 0.5 ** epoch),
        ng.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, minDelta: 1e-3, restoreBestWeights: true }),
        ng.callbacks.modelCheckpoint({ filepath: dir, monitor: 'val_loss', saveBestOnly: true }),
        { onEpochBegin: (e: number) => { order.push(`b${e}`); }, onEpochEnd: (e: number) => { order.push(`e${e}`); } },
      ],
    });
    const epochs = h.history.loss!.length;
    expect(epochs).toBeLessThan(30);
    expect(h.history.lr!.slice(0, 3)).toEqual([0.05, 0.025, 0.0125]);
    expect(order.slice(0, 4)).toEqual(['b0', 'e0', 'b1', 'e1']);
    // Early stopping restored the epoch it judged best (improvements under minDelta do not count);
    // the checkpoint holds the lowest val_loss of all.
    const restored = model.evaluate(x, y).loss!;
    expect(h.history.val_loss!.some((v) => Math.abs(v - restored) < 1e-6)).toBe(true);
    expect(restored).toBeLessThan(h.history.val_loss![0]!);
    const best = Math.min(...h.history.val_loss!);
    const saved = await ng.loadModel(dir);
    expect(saved.evaluate(x, y).loss).toBeCloseTo(best, 5);
  });

  it('resuming from a saved model continues exactly like an uninterrupted run', async () => {
    use(BACKENDS[0]!);
    const { x, y } = blobs(96, 6);
    const make = () => {
      ng.seed(7);
      const m = smallModel();
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const straight = make();
    await straight.fit(x, y, { epochs: 4, batchSize: 16, seed: 11, ...quiet });

    const first = make();
    await first.fit(x, y, { epochs: 2, batchSize: 16, seed: 11, ...quiet });
    const dir = join(tempDir(), 'resume');
    await first.save(dir);
    ng.seed(999);  // whatever the generator does in between does not matter
    const resumed = await ng.loadModel(dir);
    await resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 16, seed: 11, ...quiet });
    const a = straight.getWeights().map((w) => Array.from(w.dataSync()));
    const b = resumed.getWeights().map((w) => Array.from(w.dataSync()));
    expect(b).toEqual(a);
  });

  it('frozen layers keep their weights; summary counts them as non-trainable', async () => {
    use(BACKENDS[0]!);
    const { x, y } = blobs(64, 7);
    const model = smallModel();
    model.layers[0]!.trainable = false;
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const frozen = Array.from(model.layers[0]!.module.parameters()[0]!.dataSync());
    const head = Array.from(model.layers[1]!.module.parameters()[0]!.dataSync());
    await model.fit(x, y, { epochs: 2, ...quiet });
    expect(Array.from(model.layers[0]!.module.parameters()[0]!.dataSync())).toEqual(frozen);
    expect(Array.from(model.layers[1]!.module.parameters()[0]!.dataSync())).not.toEqual(head);
    const text = model.summary(false);
    expect(text).toMatch(/Trainable params: 34\b/);
    expect(text).toMatch(/Non-trainable params: 80\b/);
  });

  it('takes typed arrays and async datasets; classWeight reweights the loss', async () => {
    use(BACKENDS[0]!);
    ng.seed(8);
    const { x, y } = blobs(64, 8);
    const model = smallModel();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const xs = x.dataSync().slice();
    const ys = y.dataSync().slice();
    const h1 = await model.fit(xs, ys, { epochs: 1, batchSize: 64, shuffle: false, ...quiet });
    async function* batches() {
      for (let i = 0; i < 64; i += 16) yield { xs: ng.slice(x, [i, 0], [16, 4]), ys: ng.slice(y, [i], [16]) };
    }
    const h2 = await model.fit(batches(), undefined, { epochs: 2, ...quiet });
    expect(h2.history.loss).toHaveLength(2);
    ng.seed(8);
    const weighted = smallModel();
    weighted.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const h3 = await weighted.fit(xs, ys, { epochs: 1, batchSize: 64, shuffle: false, classWeight: { 0: 3, 1: 1 }, ...quiet });
    expect(h3.history.loss![0]).not.toBeCloseTo(h1.history.loss![0]!, 4);
    expect(h3.history.loss![0]).toBeGreaterThan(h1.history.loss![0]!);
  });

  it('a small CNN trains on image batches (conv → pool → dense)', async () => {
    use(BACKENDS[0]!);
    ng.seed(9);
    const rnd = lcg(9);
    const n = 64;
    const x = new Float32Array(n * 8 * 8);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;  // class 1: a bright vertical bar, class 0: a horizontal one
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) {
        x[i * 64 + r * 8 + c] = (y[i] ? c === 3 : r === 3) ? 1 : rnd() * 0.3;
      }
    }
    const model = ng.sequential([
      ng.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1] }),
      ng.layers.maxPooling2d({ poolSize: 2 }),
      ng.layers.flatten(),
      ng.layers.dense({ units: 2, activation: 'softmax' }),
    ]);
    expect(model.outputShape).toEqual([2]);
    expect(model.layers[1]!.outputShape).toEqual([4, 4, 4]);
    model.compile({ optimizer: ng.optimizers.adam({ lr: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(ng.tensor(x, [n, 8, 8, 1]), ng.tensor(y, [n], 'int32'), { epochs: 15, batchSize: 16, ...quiet });
    expect(h.history.accuracy!.at(-1)!).toBeGreaterThan(0.95);
  });

  it('names the first layer whose input does not fit', () => {
    expect(() => ng.sequential([
      ng.layers.dense({ units: 4, inputShape: [6] }),
      ng.layers.maxPooling2d(),
    ])).toThrow(/MaxPooling2D layer 'max_pooling2_d(_\d+)?'.*\[height, width, channels\].*\[4\]/);
  });
});

describe.each(BACKENDS)('MNIST on $label', (config) => {
  it('an MLP on 2,000 digits goes above 85% test accuracy in 2 epochs', async () => {
    use(config);
    ng.seed(1);
    const { xTrain, yTrain, xTest, yTest } = await ng.data.mnist({ layout: 'flat', trainSize: 2000, testSize: 1000 });
    const model = ng.sequential([
      ng.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
      ng.layers.dense({ units: 10, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(xTrain, yTrain, { epochs: 2, batchSize: 32, ...quiet });
    expect(model.evaluate(xTest, yTest).accuracy).toBeGreaterThan(0.85);
  }, 60_000);
});
