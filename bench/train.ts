// npm run bench:train [-- --quick] — issue 7's training benchmark, every contender in one run:
//  1. training throughput (samples/s) of the MLP 784-512-256-10 (batch 128) and LeNet-5 (batch 64)
//     with Adam through model.fit, on nodegrad native (all threads and 1 thread), wasm and js,
//     against tfjs-layers on tfjs-backend-cpu and tfjs-backend-wasm (bench/train-peers.ts);
//  2. MLP inference (median ms per call) at batch 1 and 128: model.predict and the raw module
//     forward vs onnxruntime-node (same weights, outputs cross-checked) and tfjs-wasm;
//  3. peak RSS during native MLP training vs the analytic bytes of weights, gradients, Adam
//     state and one batch's activations.
// --quick shrinks every dataset, epoch count and timing budget (a smoke run, noisier figures).
// --inference runs section 2 alone, on seeded random weights instead of trained ones.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { getHeapSpaceStatistics } from 'node:v8';

import * as ng from '../lib/index.js';
import { fmt, medianMs, table } from './harness.js';
import { MLP_UNITS, onnxMlpModel, randomMlpWeights, seededNormal, seededUniform } from './onnx-mlp.js';
import {
  type TrainResult, type Workload, loadOnnxRuntime, onnxMlpInference, peerInfo, tfjsMlpInference, tfjsModel, tfjsTrain, useTfjs,
} from './train-peers.js';

type Net = Workload['name'];
type NgBackend = 'native' | 'wasm' | 'js';

const quick = process.argv.includes('--quick');
const inferenceOnly = process.argv.includes('--inference');
/** Set in the child process that measures peak memory (see rssInChild). */
const RSS_CHILD = '--rss-child';
const ALL_THREADS = cpus().length;
const CLASSES = 10;
const BATCH: Record<Net, number> = { mlp: 128, lenet: 64 };
const SAMPLE_SHAPE: Record<Net, number[]> = { mlp: [MLP_UNITS[0]!], lenet: [28, 28, 1] };
/** Parameter counts of the tfjs models in bench/train-peers.ts; nodegrad's must match. */
const PARAMS: Record<Net, number> = { mlp: 535_818, lenet: 61_706 };

/**
 * nodegrad's share of the training runs: `batches` batches per epoch, one warm-up epoch, then
 * `timedEpochs` timed ones. The pure-JS backend runs far fewer samples (it is ~100× slower).
 */
interface NgPlan { batches: number; timedEpochs: number }
const NG_PLAN: Record<NgBackend, Record<Net, NgPlan>> = quick
  ? { native: { mlp: { batches: 10, timedEpochs: 2 }, lenet: { batches: 8, timedEpochs: 2 } },
    wasm: { mlp: { batches: 4, timedEpochs: 2 }, lenet: { batches: 4, timedEpochs: 2 } },
    js: { mlp: { batches: 1, timedEpochs: 1 }, lenet: { batches: 1, timedEpochs: 1 } } }
  : { native: { mlp: { batches: 40, timedEpochs: 8 }, lenet: { batches: 30, timedEpochs: 6 } },
    wasm: { mlp: { batches: 16, timedEpochs: 5 }, lenet: { batches: 12, timedEpochs: 4 } },
    js: { mlp: { batches: 2, timedEpochs: 3 }, lenet: { batches: 2, timedEpochs: 3 } } };
/** tfjs steps (trainOnBatch calls) after warm-up steps; tfjs-cpu trains LeNet at ~10 samples/s. */
const TFJS_PLAN: Record<'cpu' | 'wasm', Record<Net, { steps: number; warmupSteps: number }>> = quick
  ? { cpu: { mlp: { steps: 2, warmupSteps: 1 }, lenet: { steps: 1, warmupSteps: 1 } },
    wasm: { mlp: { steps: 6, warmupSteps: 2 }, lenet: { steps: 1, warmupSteps: 1 } } }
  : { cpu: { mlp: { steps: 8, warmupSteps: 2 }, lenet: { steps: 4, warmupSteps: 1 } },
    wasm: { mlp: { steps: 40, warmupSteps: 3 }, lenet: { steps: 2, warmupSteps: 1 } } };
const TIMING = quick ? { samples: 3, minSampleMs: 20, maxTotalMs: 1000 } : { samples: 7, minSampleMs: 50, maxTotalMs: 3000 };
// RSS climbs for a few hundred steps (malloc keeps freed per-step buffers) and then stays flat:
// the full run trains 1200 steps so that its peak is the plateau; --quick stops at 40.
const RSS_PLAN = quick ? { batches: 10, epochs: 4 } : { batches: 20, epochs: 60 };

const notes: string[] = [];

function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(', ');
}

/** The workload's model in nodegrad, layer for layer tfjsModel(name) of bench/train-peers.ts. */
function ngModel(name: Net): ng.Model {
  const L = ng.layers;
  const model = name === 'mlp'
    ? ng.sequential([
      L.dense({ inputShape: [MLP_UNITS[0]!], units: MLP_UNITS[1]!, activation: 'relu' }),
      L.dense({ units: MLP_UNITS[2]!, activation: 'relu' }),
      L.dense({ units: MLP_UNITS[3]!, activation: 'softmax' }),
    ])
    : ng.sequential([
      L.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.flatten(),
      L.dense({ units: 120, activation: 'relu' }),
      L.dense({ units: 84, activation: 'relu' }),
      L.dense({ units: CLASSES, activation: 'softmax' }),
    ]);
  const count = paramCount(model);
  if (count !== PARAMS[name]) throw new Error(`bench:train: nodegrad's ${name} has ${count} parameters, the tfjs model ${PARAMS[name]}`);
  model.compile({ optimizer: ng.optimizers.adam({ lr: 1e-3 }), loss: 'categoricalCrossentropy' });
  return model;
}

function paramCount(model: ng.Model): number {
  return model.module.parameters().reduce((s, p) => s + p.size, 0);
}

/** n synthetic samples: x ~ N(0, 1) float32, one-hot labels drawn uniformly (seeded). */
function syntheticData(name: Net, n: number): { x: ng.Tensor; y: ng.Tensor } {
  const shape = [n, ...SAMPLE_SHAPE[name]];
  const x = ng.tensor(seededNormal(shape.reduce((a, b) => a * b, 1), 7), shape);
  return { x, y: oneHotLabels(n) };
}

/** n one-hot float32 labels [n, 10], classes drawn uniformly (seeded). */
function oneHotLabels(n: number): ng.Tensor {
  const oneHot = new Float32Array(n * CLASSES);
  const u = seededUniform(11);
  for (let i = 0; i < n; i++) oneHot[i * CLASSES + Math.floor(u() * CLASSES)] = 1;
  return ng.tensor(oneHot, [n, CLASSES]);
}

function useNodegrad(backend: NgBackend, threads: number): void {
  ng.setBackend(backend);
  if (backend === 'native') ng.setNumThreads(threads);
}

/**
 * samples/s of model.fit on `backend`: one untimed warm-up epoch, then the median over the
 * timed epochs of samples / (epoch end − epoch begin), measured by a callback. Each epoch is
 * what fit does for a user: a seeded shuffle, per-batch gathers, forward, backward, Adam.
 */
async function ngTrain(backend: NgBackend, threads: number, name: Net): Promise<TrainResult & { model?: ng.Model }> {
  try {
    useNodegrad(backend, threads);
  } catch (e) {
    return { samplesPerSec: NaN, note: (e as Error).message };
  }
  const plan = NG_PLAN[backend][name];
  ng.seed(1);
  const model = ngModel(name);
  const n = plan.batches * BATCH[name];
  const { x, y } = syntheticData(name, n);
  const rates: number[] = [];
  let t0 = 0;
  try {
    const h = await model.fit(x, y, {
      epochs: 1 + plan.timedEpochs, batchSize: BATCH[name], verbose: 0, shuffle: true, seed: 5,
      callbacks: [{
        onEpochBegin: () => { t0 = performance.now(); },
        onEpochEnd: (epoch) => { if (epoch > 0) rates.push(n / ((performance.now() - t0) / 1000)); },
      }],
    });
    const loss = h.history.loss!.at(-1)!;
    if (!Number.isFinite(loss)) return { samplesPerSec: NaN, note: `nodegrad ${backend} ${name}: loss became ${loss}` };
  } finally {
    x.dispose();
    y.dispose();
  }
  rates.sort((a, b) => a - b);
  return { samplesPerSec: rates[Math.floor(rates.length / 2)]!, model };
}

interface TrainTable { label: string; mlp: TrainResult; lenet: TrainResult }

async function trainingSection(): Promise<{ rows: TrainTable[]; mlpModel: ng.Model | undefined }> {
  const configs: { label: string; backend: NgBackend; threads: number }[] = [
    { label: `nodegrad native ${ALL_THREADS}T`, backend: 'native', threads: ALL_THREADS },
    { label: 'nodegrad native 1T', backend: 'native', threads: 1 },
    { label: 'nodegrad wasm 1T', backend: 'wasm', threads: 1 },
    { label: 'nodegrad js 1T', backend: 'js', threads: 1 },
  ];
  const rows: TrainTable[] = [];
  let mlpModel: ng.Model | undefined;
  for (const c of configs) {
    const results = {} as Record<Net, TrainResult>;
    for (const name of ['mlp', 'lenet'] as const) {
      const r = await ngTrain(c.backend, c.threads, name);
      const p = NG_PLAN[c.backend][name];
      console.log(`  ${c.label} ${name}: ${fmt(r.samplesPerSec)} samples/s (${p.timedEpochs} epochs of ${p.batches * BATCH[name]} samples after 1 warm-up epoch; load ${load()})`);
      if (r.note) notes.push(`${c.label} ${name}: ${r.note}`);
      if (c.backend === 'native' && c.threads === ALL_THREADS && name === 'mlp') mlpModel = r.model;
      results[name] = { samplesPerSec: r.samplesPerSec, note: r.note };
    }
    rows.push({ label: c.label, ...results });
  }
  if (ng.availableBackends().includes('native')) useNodegrad('native', ALL_THREADS);
  for (const backend of ['cpu', 'wasm'] as const) {
    const results = {} as Record<Net, TrainResult>;
    for (const name of ['mlp', 'lenet'] as const) {
      const p = TFJS_PLAN[backend][name];
      const r = await tfjsTrain(backend, { name, batchSize: BATCH[name], ...p });
      console.log(`  tfjs-${backend} ${name}: ${fmt(r.samplesPerSec)} samples/s (${p.steps} steps after ${p.warmupSteps} warm-up; load ${load()})`);
      if (r.note) notes.push(`tfjs-${backend} ${name}: ${r.note}`);
      results[name] = r;
    }
    rows.push({ label: `tfjs-${backend} 1T`, ...results });
  }
  return { rows, mlpModel };
}

function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN;
}

function times(x: number): string {
  return Number.isFinite(x) ? `${fmt(x)}×` : '—';
}

function printTraining(rows: TrainTable[]): void {
  const row = (label: string) => rows.find((r) => r.label === label)!;
  const tfCpu = row('tfjs-cpu 1T');
  const tfWasm = row('tfjs-wasm 1T');
  console.log(`\nTraining throughput, samples/s (model.fit for nodegrad, trainOnBatch for tfjs; Adam lr 1e-3, categorical cross-entropy;`);
  console.log(`MLP 784-512-256-10 batch 128, LeNet-5 batch 64; higher is better; ratios = this row / the peer)`);
  console.log(table(['', 'MLP', 'LeNet', 'MLP / tfjs-wasm', 'MLP / tfjs-cpu', 'LeNet / tfjs-cpu'], rows.map((r) => [
    r.label, r.mlp.samplesPerSec, r.lenet.samplesPerSec,
    times(ratio(r.mlp.samplesPerSec, tfWasm.mlp.samplesPerSec)), times(ratio(r.mlp.samplesPerSec, tfCpu.mlp.samplesPerSec)),
    times(ratio(r.lenet.samplesPerSec, tfCpu.lenet.samplesPerSec)),
  ])));

  const targets: [string, number, number, number][] = [
    [`native ${ALL_THREADS}T MLP vs tfjs-wasm`, row(`nodegrad native ${ALL_THREADS}T`).mlp.samplesPerSec, tfWasm.mlp.samplesPerSec, 20],
    ['native 1T MLP vs tfjs-wasm', row('nodegrad native 1T').mlp.samplesPerSec, tfWasm.mlp.samplesPerSec, 20],
    [`native ${ALL_THREADS}T LeNet vs tfjs-cpu`, row(`nodegrad native ${ALL_THREADS}T`).lenet.samplesPerSec, tfCpu.lenet.samplesPerSec, 200],
    ['native 1T LeNet vs tfjs-cpu', row('nodegrad native 1T').lenet.samplesPerSec, tfCpu.lenet.samplesPerSec, 200],
    ['wasm MLP vs tfjs-wasm', row('nodegrad wasm 1T').mlp.samplesPerSec, tfWasm.mlp.samplesPerSec, 2],
    ['wasm LeNet vs tfjs-cpu', row('nodegrad wasm 1T').lenet.samplesPerSec, tfCpu.lenet.samplesPerSec, 20],
  ];
  console.log('\nTraining targets');
  console.log(table(['target', 'nodegrad', 'peer', 'ratio', 'needed', 'verdict'], targets.map(([label, ours, peer, need]) => {
    const r = ratio(ours, peer);
    return [label, ours, peer, times(r), `≥ ${need}×`, Number.isFinite(r) ? (r >= need ? 'met' : 'MISSED') : 'n/a'];
  })));
  if (!Number.isFinite(tfWasm.lenet.samplesPerSec)) {
    console.log(`tfjs-backend-wasm cannot train LeNet: ${tfWasm.lenet.note ?? 'no figure'} (so LeNet is compared with tfjs-cpu only).`);
  }
}

interface InferenceRow { label: string; threads: number; ms: Record<1 | 128, number> }

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** The model's weights in onnx-mlp order [W1, b1, W2, b2, W3, b3], kernels [in, out]. */
function mlpWeights(model: ng.Model): Float32Array[] {
  const ws = model.getWeights();
  const out = ws.map((w) => Float32Array.from(w.dataSync() as Float32Array));
  ng.dispose(ws);
  return out;
}

/** max |nodegrad − onnxruntime| over the outputs for the benchmark input at `batch`, or NaN. */
async function crossCheck(model: ng.Model, weights: Float32Array[], batch: number): Promise<number> {
  const input = seededNormal(batch * MLP_UNITS[0]!, 3);
  let ort: Awaited<ReturnType<typeof loadOnnxRuntime>>;
  try {
    ort = await loadOnnxRuntime();
  } catch {
    return NaN;
  }
  const session = await ort.InferenceSession.create(onnxMlpModel(weights, batch), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const out = await session.run({ x: new ort.Tensor('float32', input, [batch, MLP_UNITS[0]!]) });
    const theirs = out.y!.data as Float32Array;
    const x = ng.tensor(input, [batch, MLP_UNITS[0]!]);
    const y = model.predict(x, { batchSize: batch });
    x.dispose();
    try {
      // dataSync's array is the tensor's own buffer: compare before dispose releases it.
      const ours = y.dataSync();
      if (ours.length !== theirs.length) return NaN;
      let max = 0;
      for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i]! - theirs[i]!));
      return max;
    } finally {
      y.dispose();
    }
  } finally {
    await session.release();
  }
}

async function inferenceSection(model: ng.Model | undefined): Promise<void> {
  const batches = [1, 128] as const;
  const weights = model ? mlpWeights(model) : undefined;
  if (!model) notes.push('inference: nodegrad native did not train the MLP, so it has no inference figures');
  const net = model?.module;
  const calls: { label: string; run: (x: ng.Tensor, b: number) => ng.Tensor; only128?: boolean }[] = model && net ? [
    { label: 'nodegrad predict', run: (x, b) => model.predict(x, { batchSize: b }) },
    { label: 'nodegrad module.call (noGrad)', run: (x) => ng.noGrad(() => net.call(x)) },
    { label: 'nodegrad predict, default batchSize 32', run: (x) => model.predict(x), only128: true },
  ] : [];
  const rows: InferenceRow[] = [];
  const rowOf = (label: string, threads: number): InferenceRow => {
    let r = rows.find((row) => row.label === label);
    if (!r) rows.push(r = { label, threads, ms: { 1: NaN, 128: NaN } });
    return r;
  };
  // Each (threads, batch) cell times nodegrad and then onnxruntime right after it, so that the
  // two see the same machine load as nearly as a shared machine allows.
  for (const threads of [1, 2]) {
    for (const b of batches) {
      if (net) {
        useNodegrad('native', threads);
        const x = ng.tensor(seededNormal(b * MLP_UNITS[0]!, 3), [b, MLP_UNITS[0]!]);
        net.eval();
        for (const c of calls) {
          const row = rowOf(`${c.label} ${threads}T`, threads);
          if (c.only128 && b === 1) continue;
          // The output is read back to JavaScript, as onnxruntime's and tfjs's are.
          row.ms[b] = medianMs(() => {
            const y = c.run(x, b);
            y.dataSync();
            y.dispose();
          }, TIMING);
        }
        net.train();
        x.dispose();
      }
      const r = await onnxMlpInference(b, threads, weights);
      if ('ms' in r) rowOf(`onnxruntime ${threads}T`, threads).ms[b] = r.ms;
      else notes.push(r.note);
    }
  }
  const tf = { 1: NaN, 128: NaN } as Record<1 | 128, number>;
  for (const b of batches) {
    const r = await tfjsMlpInference('wasm', b);
    if ('ms' in r) tf[b] = r.ms;
    else notes.push(r.note);
  }
  rows.push({ label: 'tfjs-wasm 1T', threads: 1, ms: tf });
  if (ng.availableBackends().includes('native')) useNodegrad('native', ALL_THREADS);

  const ortAt = (threads: number) => rows.find((r) => r.label === `onnxruntime ${threads}T`)!.ms;
  console.log('\nMLP inference 784-512-256-10 (weights from the native training run), median ms per call incl. reading the output;');
  console.log('lower is better; "ORT / this" > 1 means faster than onnxruntime at the same thread count');
  console.log(table(['', 'batch 1', 'batch 128', 'ORT / this b1', 'ORT / this b128'], rows.map((r) => [
    r.label, fmtMs(r.ms[1]), fmtMs(r.ms[128]), times(ratio(ortAt(r.threads)[1], r.ms[1])), times(ratio(ortAt(r.threads)[128], r.ms[128])),
  ])));
  if (model && weights) {
    const diffs = [];
    for (const b of batches) diffs.push(`batch ${b}: ${(await crossCheck(model, weights, b)).toExponential(2)}`);
    console.log(`Cross-check, max |nodegrad predict − onnxruntime| over the softmax outputs (same weights and input): ${diffs.join(', ')}`);
    const verdicts = [1, 2].flatMap((t) => batches.map((b) => {
      const ours = rows.find((r) => r.label === `nodegrad predict ${t}T`)!.ms[b];
      const r = ratio(ortAt(t)[b], ours);
      return `${t}T batch ${b}: ${times(r)} ${Number.isFinite(r) ? (r >= 1 ? 'met' : 'MISSED') : 'n/a'}`;
    }));
    console.log(`Target predict ≤ onnxruntime at the same threads (ORT ms / predict ms ≥ 1): ${verdicts.join('; ')}`);
  }
}

/** The kernel's peak-RSS mark (VmHWM) in bytes, or NaN where /proc is not there. */
function peakRssMark(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0: write 5 to clear_refs); false where it cannot. */
function resetPeakRssMark(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

// The RSS run counts as settled when RSS grew at most SETTLED_BYTES over its last SETTLED_EPOCHS epoch ends.
const SETTLED_EPOCHS = 5;
const SETTLED_BYTES = 1 << 20;

const MB = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MB` : '—');

/**
 * Peak RSS of native MLP training against the analytic bytes, in the child process started by
 * rssInChild (node --expose-gc): a process that has trained nothing, so that memory freed by
 * earlier runs (and still held by malloc or V8) cannot hide growth. The baseline is taken after
 * the dataset exists, a full GC, and before the model does, so parameters count as growth.
 * It is taken warm (warmYoungGeneration): the young generation's pages are resident in any
 * process that has run JavaScript for a while, whatever it runs, so they are not the model's
 * memory. The growth over the cold baseline is printed too.
 */
async function rssSection(): Promise<string> {
  useNodegrad('native', ALL_THREADS);
  const batch = BATCH.mlp;
  const n = RSS_PLAN.batches * batch;
  // x is drawn straight into tensor storage: a JavaScript copy of it, freed before training,
  // would leave pages that training reuses without growing RSS.
  ng.seed(1);
  const x = ng.randn([n, MLP_UNITS[0]!]);
  const y = oneHotLabels(n);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const cold = process.memoryUsage();
  warmYoungGeneration();
  gc?.();
  const resettable = resetPeakRssMark();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakBuffers = base.arrayBuffers;
  let peakHeap = base.heapTotal;
  const baseNew = newSpaceBytes();
  let peakNew = baseNew;
  const epochRss: number[] = [];
  const epochTensors: number[] = [];
  const baseLive = ng.memory().backends.native!.bytes;
  let peakLive = baseLive;
  ng.seed(2);
  const model = ngModel('mlp');
  await model.fit(x, y, {
    epochs: RSS_PLAN.epochs, batchSize: batch, verbose: 0, seed: 3,
    callbacks: [{
      onBatchEnd: () => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
        peakHeap = Math.max(peakHeap, m.heapTotal);
        peakNew = Math.max(peakNew, newSpaceBytes());
        peakLive = Math.max(peakLive, ng.memory().backends.native!.bytes);
      },
      onEpochEnd: () => {
        epochRss.push(process.memoryUsage().rss);
        epochTensors.push(ng.memory().numTensors);
      },
    }],
  });
  const hwm = resettable ? peakRssMark() : NaN;
  x.dispose();
  y.dispose();

  const P = paramCount(model);
  const f32 = 4;
  // One step keeps alive: the gathered x and y batch; each layer's output (ReLU runs fused in
  // the GEMM, so the post-activation output is the only per-layer tensor the backward needs);
  // the loss's per-sample values; and in the backward one gradient per layer output (none for
  // the input, which needs no gradient). Hence factor 2 on the layer outputs.
  const outputs = MLP_UNITS.slice(1).reduce((s, u) => s + u, 0);
  const activations = batch * f32 * (MLP_UNITS[0]! + CLASSES + 2 * outputs + 1);
  const analytic = { params: P * f32, grads: P * f32, adam: 2 * P * f32, activations };
  const total = analytic.params + analytic.grads + analytic.adam + analytic.activations;
  const lines = [
    `\nPeak memory, native ${ALL_THREADS}T MLP training (batch ${batch}, ${n} samples, ${RSS_PLAN.epochs} epochs; ${P} parameters), ` +
      (YOUNG_CAP_FLAG.some((f) => process.execArgv.includes(f)) ? `V8's young generation capped (node ${YOUNG_CAP_FLAG.join(' ')})` : `Node's default V8 flags`),
    table(['', 'bytes', 'growth over baseline', 'growth / analytic'], [
      ['RSS baseline, cold (dataset built, no model yet)', MB(cold.rss), '', ''],
      [`RSS baseline, warm (young generation's ${MB(baseNew)} resident)`, MB(base.rss), MB(base.rss - cold.rss), ''],
      ['RSS peak, sampled at every batch end', MB(peakRss), MB(peakRss - base.rss), times((peakRss - base.rss) / total)],
      ['RSS peak, kernel high-water mark (VmHWM)', MB(hwm), MB(hwm - base.rss), times((hwm - base.rss) / total)],
      ['RSS peak over the cold baseline (V8 touching its young generation included)', '', MB(Math.max(hwm || 0, peakRss) - cold.rss), times((Math.max(hwm || 0, peakRss) - cold.rss) / total)],
      ['ArrayBuffers (tensor storage), batch-end peak', MB(peakBuffers), MB(peakBuffers - base.arrayBuffers), times((peakBuffers - base.arrayBuffers) / total)],
      ['V8 heap (heapTotal: JS objects, JIT feedback), batch-end peak', MB(peakHeap), MB(peakHeap - base.heapTotal), ''],
      ['  of which the young generation (new space, pages touched), peak', MB(peakNew), MB(peakNew - baseNew), ''],
      ['live nodegrad tensors (ng.memory), batch-end peak', MB(peakLive), MB(peakLive - baseLive), times((peakLive - baseLive) / total)],
      ['analytic: params P·4', MB(analytic.params), '', ''],
      ['analytic: gradients P·4', MB(analytic.grads), '', ''],
      ['analytic: Adam moments 2P·4', MB(analytic.adam), '', ''],
      ['analytic: activations of one step (see below)', MB(analytic.activations), '', ''],
      ['analytic total', MB(total), '', ''],
    ]),
    `RSS growth at each epoch end: ${epochRss.map((r) => MB(r - base.rss)).join(', ')}; live tensors: ${epochTensors.join(', ')}`,
    `(the dataset, the parameters and the Adam moments: a constant count means no tensor leaks).`,
    `Activations: batch × 4 B × (input ${MLP_UNITS[0]} + labels ${CLASSES} + 2 × layer outputs ${outputs} + 1 loss value): each layer output`,
    `is saved by the forward (ReLU fused into the GEMM) and matched by one gradient of its size in the backward.`,
    `Measured in a fresh child process. The baseline is Node's own RSS (V8, the addon, the tfjs code, the ${MB(n * (MLP_UNITS[0]! + CLASSES) * f32)} dataset)`,
    `after ${gc ? 'a full GC' : 'no GC (--expose-gc missing)'}: it is not the model's memory, so only the growth over it is compared with the analytic bytes.`,
    `It is taken warm: short-lived JavaScript garbage first fills V8's young generation (its semispaces, sized by V8's flags, not by the model),`,
    `so that its pages are resident, as in any process that has been running; otherwise training would be charged for V8 touching them first.`
      + (resettable ? '' : ' (VmHWM could not be reset here, so no kernel high-water mark.)'),
  ];
  const peakGrowth = (Number.isFinite(hwm) ? Math.max(hwm, peakRss) : peakRss) - base.rss;
  // A peak that is still rising at the end is only a lower bound: V8 keeps touching fresh
  // young-generation pages until its semispaces are full, which takes longer the less
  // garbage each step makes. Only a settled run can meet the target.
  const last = epochRss.slice(-SETTLED_EPOCHS);
  const lateGrowth = last.length > 1 ? last.at(-1)! - last[0]! : NaN;
  const settled = lateGrowth <= SETTLED_BYTES;
  const verdict = peakGrowth > 2 * total ? 'MISSED' : settled ? 'met' : 'not settled, so not met';
  lines.push(`Target peak RSS growth ≤ 2× the analytic bytes: ${times(peakGrowth / total)} ${verdict}` +
    ` (young generation ${MB(peakNew - baseNew)} of the ${MB(peakGrowth)}; RSS grew ${MB(lateGrowth)} over the last` +
    ` ${SETTLED_EPOCHS} epochs${settled ? '' : ', still rising'}).`);
  return lines.join('\n');
}

/**
 * Makes every page of V8's young generation resident, as running any JavaScript for a while
 * does: allocates short-lived objects amounting to four times its capacity, so that both
 * semispaces fill and swap at least twice. Nothing survives it.
 */
function warmYoungGeneration(): void {
  const capacity = getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
  const objectBytes = 64;  // about what one { i, pair: [i] } takes: two objects and a backing store
  let recent: unknown[] = [];
  for (let made = 0; made < 4 * capacity; made += objectBytes) {
    recent.push({ i: made, pair: [made] });
    if (recent.length === 1000) recent = [];
  }
}

/** Bytes of V8's young generation that are backed by memory (its semispaces grow with the allocation rate). */
function newSpaceBytes(): number {
  return getHeapSpaceStatistics().filter((sp) => sp.space_name === 'new_space').reduce((t, sp) => t + sp.physical_space_size, 0);
}

/**
 * The node flag that caps V8's young generation. By default V8 lets its two semispaces grow
 * to 16 MB each in any process that allocates steadily, and the pages it touches count in
 * RSS whatever the model's size; the capped run shows the memory the training itself costs.
 */
const YOUNG_CAP_FLAG = ['--max-semi-space-size=4'];

/** Runs rssSection in a fresh `node --expose-gc` child (this script, same loader flags, plus `flags`); returns its report. */
function rssInChild(flags: string[] = []): string {
  const args = [...process.execArgv, ...flags, '--expose-gc', process.argv[1]!, RSS_CHILD, ...(quick ? ['--quick'] : [])];
  try {
    return execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return `\nPeak memory: the measuring child process failed: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' ')}`;
  }
}

async function verifyParameterCounts(): Promise<string> {
  const parts: string[] = [];
  for (const name of ['mlp', 'lenet'] as const) {
    await useTfjs('cpu');
    const tfm = tfjsModel(name);
    const theirs = tfm.countParams();
    tfm.dispose();
    if (theirs !== PARAMS[name]) throw new Error(`bench:train: the tfjs ${name} has ${theirs} parameters, expected ${PARAMS[name]}`);
    parts.push(`${name} ${theirs}`);
  }
  return `Parameters (nodegrad = tfjs, checked): ${parts.join(', ')}`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log(`bench:train${quick ? ' --quick' : ''}: ${cpus()[0]?.model ?? 'cpu'}, ${ALL_THREADS} threads, load average ${load()} (1, 5, 15 min).`);
  console.log('Shared machine: figures are noisy; every contender runs in this one process, so compare ratios.');
  if (quick) console.log('--quick: smaller datasets, fewer epochs and tfjs steps, shorter timing budgets; figures are rougher.');
  const backends = ng.availableBackends();
  ng.setBackend(backends[0]!);
  console.log(`nodegrad backends: ${backends.join(', ')} (native ISA ${backends.includes('native') ? ng.getBackend() : 'n/a'})`);
  console.log(`Peers: ${await peerInfo()}`);
  console.log(await verifyParameterCounts());

  if (inferenceOnly) {
    let model: ng.Model | undefined;
    if (backends.includes('native')) {
      useNodegrad('native', ALL_THREADS);
      model = ngModel('mlp');
      const current = model.getWeights();
      const ws = randomMlpWeights().map((w, i) => ng.tensor(w, current[i]!.shape));
      ng.dispose(current);
      model.setWeights(ws);
      ng.dispose(ws);
    }
    await inferenceSection(model);
    return;
  }
  const rss = backends.includes('native')
    ? `${rssInChild()}\n${rssInChild(YOUNG_CAP_FLAG)}`
    : '\nPeak memory: the native backend does not load here.';
  console.log('\nTraining runs:');
  const { rows, mlpModel } = await trainingSection();
  printTraining(rows);
  await inferenceSection(mlpModel);
  console.log(rss);
  if (notes.length > 0) console.log(`\nNotes:\n${notes.map((n) => `  ${n}`).join('\n')}`);
  console.log(`\nTotal ${((performance.now() - t0) / 1000).toFixed(0)} s; load average at the end ${load()}.`);
}

if (process.argv.includes(RSS_CHILD)) console.log(await rssSection());
else await main();
process.exit(0);
