// Cost of the Keras-style building blocks next to the training step they accompany:
// streaming metric updates at batch 128 (per backend, against a 128×784 · 784×10 matmul,
// the smallest realistic forward pass), and weights encode/decode and model save/load
// throughput. Run: npx tsx bench/keras-utils.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as ng from '../lib/index.js';
import { medianMs, table } from './harness.js';

const BATCH = 128;
const CLASSES = 10;

function metricRows(backend: ng.BackendName): (string | number)[][] {
  ng.setBackend(backend);
  ng.seed(1);
  const probs = ng.rand([BATCH, CLASSES]).softmax(-1);
  const labels = ng.tensor(Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES), [BATCH]);
  const onehot = ng.data.toCategorical(labels, CLASSES);
  const score = ng.rand([BATCH, 1]);
  const binary = ng.tensor(Float32Array.from({ length: BATCH }, (_, i) => i % 2), [BATCH, 1]);
  const x = ng.rand([BATCH, 784]);
  const w = ng.rand([784, CLASSES]);
  const forward = medianMs(() => { x.matmul(w).dispose(); });
  const cases: [string, ng.metrics.Metric, ng.Tensor, ng.Tensor][] = [
    ['accuracy (sparse)', ng.metrics.getMetric('accuracy'), labels, probs],
    ['categorical_accuracy', ng.metrics.getMetric('categoricalAccuracy'), onehot, probs],
    ['f1_score [128,10]', ng.metrics.getMetric('f1Score'), onehot, probs],
    ['precision [128,10]', ng.metrics.getMetric('precision'), onehot, probs],
    ['auc [128,1]', ng.metrics.getMetric('auc'), binary, score],
    ['mse [128,10]', ng.metrics.getMetric('mse'), onehot, probs],
  ];
  return cases.map(([name, m, y, p]) => {
    const ms = medianMs(() => m.update(y, p));
    return [backend, name, ms * 1e3, forward * 1e3, ms / forward];
  });
}

async function ioRows(): Promise<(string | number)[][]> {
  ng.setBackend('native');
  const dir = await mkdtemp(join(tmpdir(), 'ng-bench-io-'));
  const rows: (string | number)[][] = [];
  try {
    for (const params of [100_000, 2_500_000]) {
      const weights = [{ name: 'dense/kernel', tensor: ng.rand([params / 100, 100]) }, { name: 'dense/bias', tensor: ng.rand([100]) }];
      const mb = (params + 100) * 4 / 1e6;
      const enc = medianMs(() => { ng.io.encodeWeights(weights); }, { samples: 5 });
      const { data, manifest } = ng.io.encodeWeights(weights);
      const dec = medianMs(() => { ng.io.decodeWeights(data, manifest); }, { samples: 5 });
      const model = join(dir, `m${params}`);
      let t = performance.now();
      const reps = 5;
      for (let i = 0; i < reps; i++) await ng.io.saveModelFiles(model, { config: { n: params }, weights });
      const save = (performance.now() - t) / reps;
      t = performance.now();
      for (let i = 0; i < reps; i++) await ng.io.loadModelFiles(model);
      const load = (performance.now() - t) / reps;
      rows.push([`${(params / 1e6).toFixed(1)}M float32 (${mb.toFixed(1)} MB)`, enc, dec, save, load, mb / (save / 1e3)]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

const rows = (['native', 'wasm', 'js'] as ng.BackendName[]).flatMap(metricRows);
console.log(`Metric update at batch ${BATCH} (median µs per update) vs one ${BATCH}×784·784×${CLASSES} matmul on the same backend\n`);
console.log(table(['backend', 'metric', 'update µs', 'matmul µs', 'ratio'], rows));
console.log('\nWeights file and model directory (native backend; save = encode + write + fsync + rename, load = read + verify SHA-256 + decode)\n');
console.log(table(['weights', 'encode ms', 'decode ms', 'save ms', 'load ms', 'save MB/s'], await ioRows()));
