// LeNet-5 (conv 5×5×6 → max-pool → conv 5×5×16 → max-pool → 120 → 84 → 10, the CNN of
// bench:train) on the `mnist` package's digits (seeded 8,000/2,000 split), trained by Adam
// with batch 64, lr 2e-3 annealed by a cosine over the epochs and label smoothing 0.1:
// 97.9-98.5% in 10 epochs (seeds 1, 2, 42; plain Adam at 1e-3 ends near 97.2%). Small
// enough to train on every backend, the pure-JS one included.
//   node dist/examples/mnist-lenet.js [--epochs 10] [--backend native|wasm|js] [--quiet]
import * as ng from '../lib/index.js';
import { loadDigits, parseArgs, trainAndReport } from './mnist-args.js';

const args = parseArgs(10);
ng.seed(42);
const digits = await loadDigits('nhwc');

const L = ng.layers;
const model = ng.sequential([
  L.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
  L.maxPooling2d({ poolSize: 2 }),
  L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
  L.maxPooling2d({ poolSize: 2 }),
  L.flatten(),
  L.dense({ units: 120, activation: 'relu' }),
  L.dense({ units: 84, activation: 'relu' }),
  L.dense({ units: 10, activation: 'softmax' }),
]);
await trainAndReport('MNIST LeNet-5', model, (lr) => ng.optimizers.adam({ lr }), digits, args);
