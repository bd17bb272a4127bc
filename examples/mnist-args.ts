// Command-line options shared by the MNIST examples: --epochs N, --backend native|wasm|js, --quiet.
import * as ng from '../lib/index.js';

export interface ExampleArgs {
  epochs: number;
  verbose: 0 | 1 | 2;
}

export function parseArgs(defaultEpochs: number): ExampleArgs {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backend = value('--backend');
  if (backend) ng.setBackend(backend as ng.BackendName);
  const epochs = Number(value('--epochs') ?? defaultEpochs);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${value('--epochs')}`);
  return { epochs, verbose: argv.includes('--quiet') ? 2 : 1 };
}

/** Prints the figures every example ends with. */
export function report(name: string, accuracy: number, seconds: number, samples: number): void {
  console.log(`\n${name} on ${ng.getBackend()}: test accuracy ${(100 * accuracy).toFixed(2)}%, ` +
    `training ${seconds.toFixed(1)} s, ${Math.round(samples / seconds)} samples/s`);
}

export interface Digits {
  xTrain: ng.Tensor;
  yTrainHot: ng.Tensor;
  xTest: ng.Tensor;
  yTestHot: ng.Tensor;
}

/** The `mnist` package's digits in the library's seeded 8,000/2,000 split, labels one-hot. */
export async function loadDigits(layout: ng.data.ImageLayout): Promise<Digits> {
  const { xTrain, yTrain, xTest, yTest } = await ng.data.mnist({ layout });
  return { xTrain, yTrainHot: ng.data.toCategorical(yTrain, 10), xTest, yTestHot: ng.data.toCategorical(yTest, 10) };
}

/**
 * The recipe the MNIST examples share on 8,000 digits: batch 64, the optimizer's lr (2e-3
 * unless given) annealed to 0 by a cosine over the epochs, label smoothing 0.1. Trains,
 * evaluates, reports.
 */
export async function trainAndReport(name: string, model: ng.Model, optimizer: (lr: number) => ng.OptimizerSpec,
  data: Digits, { epochs, verbose }: ExampleArgs, lr = 2e-3): Promise<void> {
  model.summary();
  model.compile({ optimizer: optimizer(lr), loss: { name: 'categoricalCrossentropy', labelSmoothing: 0.1 }, metrics: ['accuracy'] });
  const start = performance.now();
  await model.fit(data.xTrain, data.yTrainHot, {
    epochs, batchSize: 64, validationData: [data.xTest, data.yTestHot], verbose,
    callbacks: [ng.callbacks.learningRateScheduler(ng.optim.schedules.cosineAnnealing(lr, epochs))],
  });
  const seconds = (performance.now() - start) / 1000;
  const { accuracy } = model.evaluate(data.xTest, data.yTestHot, { batchSize: 500 });
  report(name, accuracy!, seconds, data.xTrain.shape[0]! * epochs);
}
