// The peer libraries' half of the training benchmark (npm run bench:train): TensorFlow.js
// (tfjs-layers on tfjs-backend-cpu and tfjs-backend-wasm) training the same MLP and LeNet-5
// that nodegrad trains, and MLP inference with onnxruntime-node and tfjs. bench/train.ts
// calls these in the same run as nodegrad's backends; `npx tsx bench/train-peers.ts` prints
// the peers' figures on their own.
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';

import { table } from './harness.js';
import { MLP_UNITS, onnxMlpModel, randomMlpWeights, seededNormal } from './onnx-mlp.js';

export interface TrainResult {
  samplesPerSec: number;
  /** Why samplesPerSec is NaN (the error the peer raised), or a caveat on the figure. */
  note?: string;
}

export interface Workload {
  name: 'mlp' | 'lenet';
  batchSize: number;
  steps: number;
  warmupSteps: number;
}

export type TfjsBackend = 'cpu' | 'wasm';

const CLASSES = 10;
/** Input shape of one sample per workload (NHWC for LeNet). */
const SAMPLE_SHAPE: Record<Workload['name'], number[]> = { mlp: [MLP_UNITS[0]!], lenet: [28, 28, 1] };

let wasmPathSet = false;

/** Switches tfjs to `backend` (setting the .wasm path first for the wasm backend); tfjsModel needs one. */
export async function useTfjs(backend: TfjsBackend): Promise<void> {
  if (backend === 'wasm' && !wasmPathSet) {
    const req = createRequire(import.meta.url);
    tfwasm.setWasmPaths(`${dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    wasmPathSet = true;
  }
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialize`);
  await tf.ready();
}

/**
 * The workload's Keras model in tfjs-layers, layer for layer what nodegrad trains:
 * mlp: Dense 784→512 relu, Dense 512→256 relu, Dense 256→10 softmax (535,818 parameters);
 * lenet: [28,28,1] → Conv2D 6@5×5 same relu → MaxPool 2 → Conv2D 16@5×5 valid relu → MaxPool 2
 * → Flatten (400) → Dense 120 relu → Dense 84 relu → Dense 10 softmax (61,706 parameters).
 * Keras defaults: Glorot-uniform kernels, zero biases. Built on the current tfjs backend (see useTfjs).
 */
export function tfjsModel(name: Workload['name']): tfl.Sequential {
  if (name === 'mlp') {
    return tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [MLP_UNITS[0]!], units: MLP_UNITS[1]!, activation: 'relu' }),
        tfl.layers.dense({ units: MLP_UNITS[2]!, activation: 'relu' }),
        tfl.layers.dense({ units: MLP_UNITS[3]!, activation: 'softmax' }),
      ],
    });
  }
  if (name === 'lenet') {
    return tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 120, activation: 'relu' }),
        tfl.layers.dense({ units: 84, activation: 'relu' }),
        tfl.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ],
    });
  }
  throw new Error(`train-peers: unknown workload '${String(name)}' (expected 'mlp' or 'lenet')`);
}

function checkWorkload(w: Workload): void {
  const ok = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!(w.name in SAMPLE_SHAPE)) throw new Error(`train-peers: unknown workload '${String(w.name)}' (expected 'mlp' or 'lenet')`);
  if (!ok(w.batchSize, 1) || !ok(w.steps, 1) || !ok(w.warmupSteps, 0)) {
    throw new Error(`train-peers: workload ${w.name} needs integer batchSize ≥ 1, steps ≥ 1, warmupSteps ≥ 0; got ${w.batchSize}, ${w.steps}, ${w.warmupSteps}`);
  }
}

/** Synthetic batch: x ~ N(0, 1) float32 of the workload's shape, one-hot random integer labels. */
function syntheticBatch(w: Workload): { x: tf.Tensor; y: tf.Tensor } {
  const shape = [w.batchSize, ...SAMPLE_SHAPE[w.name]];
  const x = tf.tensor(seededNormal(shape.reduce((a, b) => a * b, 1), 7), shape, 'float32');
  const labels = Int32Array.from({ length: w.batchSize }, (_, i) => (i * 7919 + 13) % CLASSES);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), 'float32'));
  return { x, y };
}

/**
 * tfjs-core's engine.gradients leaves its tape, and the tensors the tape saved for the backward
 * pass, behind when a backward kernel throws (it clears them only on success); drop them so a
 * failed run leaks nothing. The next gradients call would reset the tape but not free them.
 */
function dropAbandonedTape(): void {
  const { state } = tf.engine() as unknown as { state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null } };
  if (state.gradientDepth !== 0 || state.activeTape === null) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Trains the workload's model with tfjs-layers on `backend` (Adam lr 1e-3, categorical
 * cross-entropy, one fixed synthetic batch) through model.trainOnBatch, Keras's per-step
 * training call, which awaits the loss value so every timed step has really finished. Times
 * `steps` steps after `warmupSteps` and returns samples/s. Both tfjs backends run on one
 * thread in Node: threads other than 1 are answered with NaN and a note. A peer that cannot
 * train the model (tfjs-backend-wasm lacks Conv2D's gradient kernels) returns NaN and the
 * error message.
 */
export async function tfjsTrain(backend: TfjsBackend, w: Workload, threads?: number): Promise<TrainResult> {
  checkWorkload(w);
  if (threads !== undefined && threads !== 1) {
    return { samplesPerSec: NaN, note: `tfjs-backend-${backend} runs on 1 thread in Node; ${threads} threads cannot be set` };
  }
  await useTfjs(backend);
  const model = tfjsModel(w.name);
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const { x, y } = syntheticBatch(w);
  // One engine scope around all steps: trainOnBatch frees its own tensors, but when a kernel
  // throws mid-step, the scope frees what the step had made (the forward pass's loss).
  tf.engine().startScope();
  try {
    for (let i = 0; i < w.warmupSteps; i++) await model.trainOnBatch(x, y);
    let loss = 0;
    const t0 = performance.now();
    for (let i = 0; i < w.steps; i++) loss = (await model.trainOnBatch(x, y)) as number;
    const seconds = (performance.now() - t0) / 1000;
    if (!Number.isFinite(loss)) return { samplesPerSec: NaN, note: `tfjs-${backend} ${w.name}: loss became ${loss}` };
    return { samplesPerSec: (w.steps * w.batchSize) / seconds };
  } catch (e) {
    dropAbandonedTape();
    return { samplesPerSec: NaN, note: errorText(e) };
  } finally {
    tf.engine().endScope();
    model.dispose();
    optimizer.dispose();
    x.dispose();
    y.dispose();
  }
}

/** Median ms per call of an async fn: calibrated repetitions, as harness.medianMs does for sync code. */
async function medianMsAsync(fn: () => Promise<void>, { samples = 5, minSampleMs = 40, maxTotalMs = 4000 } = {}): Promise<number> {
  await fn();  // warm-up
  let t0 = performance.now();
  await fn();
  let one = performance.now() - t0;
  const reps = one < minSampleMs ? Math.ceil(minSampleMs / Math.max(one, 1e-3)) : 1;
  samples = Math.max(1, Math.min(samples, Math.floor(maxTotalMs / Math.max(one * reps, 1e-3))));
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    t0 = performance.now();
    for (let r = 0; r < reps; r++) await fn();
    one = (performance.now() - t0) / reps;
    times.push(one);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, or a rejected promise when its native binding cannot load. */
export function loadOnnxRuntime(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

/**
 * MLP inference (784-512-256-10, relu, relu, softmax) with onnxruntime-node's CPU provider on a
 * model with a fixed batch dimension: intraOpNumThreads = threads, interOpNumThreads = 1,
 * graph optimizations 'all'. weights default to randomMlpWeights() ([W1, b1, W2, b2, W3, b3],
 * kernels [in, out]). Returns the median ms per session.run, or a note when onnxruntime-node
 * cannot load or run.
 */
export async function onnxMlpInference(batch: number, threads: number, weights?: Float32Array[]): Promise<{ ms: number } | { note: string }> {
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(threads) || threads < 1) {
    throw new Error(`onnxMlpInference: batch and threads must be integers ≥ 1, got batch ${batch}, threads ${threads}`);
  }
  let ort: Ort;
  try {
    ort = await loadOnnxRuntime();
  } catch (e) {
    return { note: `onnxruntime-node cannot load: ${errorText(e)}` };
  }
  const bytes = onnxMlpModel(weights ?? randomMlpWeights(), batch);
  let session: import('onnxruntime-node').InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const feeds = { x: new ort.Tensor('float32', seededNormal(batch * MLP_UNITS[0]!, 3), [batch, MLP_UNITS[0]!]) };
    const s = session;
    const ms = await medianMsAsync(async () => {
      const out = await s.run(feeds);
      if (out.y!.data.length !== batch * MLP_UNITS[3]!) throw new Error(`onnxruntime returned ${out.y!.data.length} values`);
    });
    return { ms };
  } catch (e) {
    return { note: `onnxruntime-node: ${errorText(e)}` };
  } finally {
    await session?.release();
  }
}

/**
 * MLP inference with tfjs-layers on `backend` (one thread): median ms per call including the
 * read-back. predictOnBatch runs the whole batch at once (model.predict would split it into
 * batches of 32 by default).
 */
export async function tfjsMlpInference(backend: TfjsBackend, batch: number): Promise<{ ms: number } | { note: string }> {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`tfjsMlpInference: batch must be an integer ≥ 1, got ${batch}`);
  await useTfjs(backend);
  const model = tfjsModel('mlp');
  const x = tf.tensor(seededNormal(batch * MLP_UNITS[0]!, 3), [batch, MLP_UNITS[0]!], 'float32');
  try {
    const ms = await medianMsAsync(async () => {
      const y = model.predictOnBatch(x) as tf.Tensor;
      y.dataSync();
      y.dispose();
    });
    return { ms };
  } catch (e) {
    return { note: `tfjs-${backend}: ${errorText(e)}` };
  } finally {
    model.dispose();
    x.dispose();
  }
}

/** Versions and thread counts of the peers, for a benchmark's header. */
export async function peerInfo(): Promise<string> {
  await useTfjs('wasm');
  const parts = [`tfjs ${tf.version_core} (tfjs-layers ${tfl.version_layers}): cpu 1 thread, wasm ${tfwasm.getThreadsCount()} thread (SIMD, XNNPACK)`];
  try {
    const ort = await loadOnnxRuntime();
    parts.push(`onnxruntime-node ${ort.env.versions.node ?? '?'} (CPU provider)`);
  } catch (e) {
    parts.push(`onnxruntime-node unavailable (${errorText(e)})`);
  }
  return parts.join('; ');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(`Peer libraries, ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} threads. Shared machine: figures are noisy.`);
  console.log(`${await peerInfo()}\n`);

  // Steps per peer sized so that each run takes seconds, not minutes (tfjs-cpu is slow).
  const plan: { backend: TfjsBackend; name: Workload['name']; batchSize: number; steps: number; warmupSteps: number }[] = [
    { backend: 'cpu', name: 'mlp', batchSize: 128, steps: quick ? 2 : 6, warmupSteps: 2 },
    { backend: 'wasm', name: 'mlp', batchSize: 128, steps: quick ? 5 : 30, warmupSteps: 3 },
    { backend: 'cpu', name: 'lenet', batchSize: 64, steps: quick ? 1 : 4, warmupSteps: 1 },
    { backend: 'wasm', name: 'lenet', batchSize: 64, steps: quick ? 2 : 10, warmupSteps: 2 },
  ];
  const train = new Map<string, TrainResult>();
  const notes: string[] = [];
  for (const p of plan) {
    const r = await tfjsTrain(p.backend, p);
    train.set(`${p.backend}/${p.name}`, r);
    if (r.note) notes.push(`tfjs-${p.backend} ${p.name}: ${r.note}`);
    console.log(`trained tfjs-${p.backend} ${p.name}: ${r.samplesPerSec.toFixed(1)} samples/s (${p.steps} steps after ${p.warmupSteps})`);
  }
  const trainRows = (['cpu', 'wasm'] as const).map((b) => [`tfjs-${b} (1T)`, train.get(`${b}/mlp`)!.samplesPerSec, train.get(`${b}/lenet`)!.samplesPerSec]);
  console.log(`\nTraining, samples/s (Adam, categorical cross-entropy; mlp batch 128, lenet batch 64)\n${table(['peer', 'mlp', 'lenet'], trainRows)}`);

  const inference: string[][] = [];
  const msOf = (r: { ms: number } | { note: string }, who: string): string => {
    if ('ms' in r) return r.ms < 1 ? r.ms.toFixed(3) : r.ms < 10 ? r.ms.toFixed(2) : r.ms.toFixed(1);
    notes.push(`${who}: ${r.note}`);
    return '—';
  };
  for (const threads of [1, 2]) {
    inference.push([`onnxruntime ${threads}T`, msOf(await onnxMlpInference(1, threads), 'onnxruntime'), msOf(await onnxMlpInference(128, threads), 'onnxruntime')]);
  }
  for (const backend of ['wasm', 'cpu'] as const) {
    inference.push([`tfjs-${backend} 1T`, msOf(await tfjsMlpInference(backend, 1), `tfjs-${backend}`), msOf(await tfjsMlpInference(backend, 128), `tfjs-${backend}`)]);
  }
  console.log(`\nMLP inference 784-512-256-10, median ms per call\n${table(['peer', 'batch 1', 'batch 128'], inference)}`);
  if (notes.length > 0) console.log(`\nNotes:\n${notes.map((n) => `  ${n}`).join('\n')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
  process.exit(0);
}
