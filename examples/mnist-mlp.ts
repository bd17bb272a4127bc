// The classic Keras MNIST MLP: 784-512-512-10 with ReLU and dropout 0.2, trained by RMSprop,
// on the 10,000 digits of the `mnist` package (seeded 8,000/2,000 split).
//   node dist/examples/mnist-mlp.js [--epochs 10] [--backend native|wasm|js] [--quiet]
import * as ng from '../lib/index.js';
import { parseArgs, report } from './mnist-args.js';

const { epochs, verbose } = parseArgs(10);
ng.seed(42);
const { xTrain, yTrain, xTest, yTest } = await ng.data.mnist({ layout: 'flat' });
const yTrainHot = ng.data.toCategorical(yTrain, 10);
const yTestHot = ng.data.toCategorical(yTest, 10);

const model = ng.sequential([
  ng.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
  ng.layers.dropout({ rate: 0.2 }),
  ng.layers.dense({ units: 512, activation: 'relu' }),
  ng.layers.dropout({ rate: 0.2 }),
  ng.layers.dense({ units: 10, activation: 'softmax' }),
]);
model.summary();
model.compile({ optimizer: ng.optimizers.rmsprop({ lr: 1e-3 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const start = performance.now();
await model.fit(xTrain, yTrainHot, { epochs, batchSize: 128, validationData: [xTest, yTestHot], verbose });
const seconds = (performance.now() - start) / 1000;
const { accuracy } = model.evaluate(xTest, yTestHot, { batchSize: 500 });
report('MNIST MLP', accuracy!, seconds, xTrain.shape[0]! * epochs);
