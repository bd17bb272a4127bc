// The classic Keras MNIST CNN: conv 32 → conv 64 → max-pool → dropout 0.25 → dense 128 →
// dropout 0.5 → dense 10, trained by Adadelta with lr 1.0, on the `mnist` package's digits.
//   node dist/examples/mnist-cnn.js [--epochs 10] [--backend native|wasm|js] [--quiet]
import * as ng from '../lib/index.js';
import { loadDigits, parseArgs, report } from './mnist-args.js';

const { epochs, verbose } = parseArgs(10);
ng.seed(42);
const { xTrain, yTrainHot, xTest, yTestHot } = await loadDigits('nhwc');

const model = ng.sequential([
  ng.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
  ng.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
  ng.layers.maxPooling2d({ poolSize: 2 }),
  ng.layers.dropout({ rate: 0.25 }),
  ng.layers.flatten(),
  ng.layers.dense({ units: 128, activation: 'relu' }),
  ng.layers.dropout({ rate: 0.5 }),
  ng.layers.dense({ units: 10, activation: 'softmax' }),
]);
model.summary();
model.compile({ optimizer: ng.optimizers.adadelta({ lr: 1.0 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const start = performance.now();
await model.fit(xTrain, yTrainHot, { epochs, batchSize: 128, validationData: [xTest, yTestHot], verbose });
const seconds = (performance.now() - start) / 1000;
const { accuracy } = model.evaluate(xTest, yTestHot, { batchSize: 500 });
report('MNIST CNN', accuracy!, seconds, xTrain.shape[0]! * epochs);
