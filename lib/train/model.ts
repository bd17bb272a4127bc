import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

import { noGrad } from '../autograd/mode.js';
import { Layer, type LayerSpec, layerFromSpec } from '../layers/index.js';
import { tidy } from '../memory.js';
import { Sequential } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import { tensor } from '../ops/creation.js';
import { concat, slice } from '../ops/shape-ops.js';
import { gather } from '../ops/indexing.js';
import { softmax, sigmoid } from '../ops/unary.js';
import { shapeString, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { permutation } from '../data/shuffle.js';
import { drawSeed } from '../random/state.js';
import { getMetric, type Metric } from '../metrics/index.js';
import { type Callback, type CallbackHooks, CallbackList, History } from './callback.js';
import { type ArrayInput, type BatchDataset, isDataset, toTensor, unpackBatch } from './inputs.js';
import { type CompiledLoss, type LossLike, type LossSpec, lossSpecOf, resolveLoss } from './loss-by-name.js';
import { type OptimizerSpec, makeOptimizer, optimizerSpec } from './optimizers.js';
import { ProgressBar } from './progress.js';
import type { Logs, OutputStream, TrainingModel, Verbosity } from './types.js';

/** A metric by Keras name ('accuracy', 'mse', 'auc', …) or a Metric object. */
export type MetricLike = string | Metric;

export interface CompileArgs {
  optimizer: string | OptimizerSpec;
  /**
   * A Keras loss name ('categoricalCrossentropy', 'mse', …), a name with settings
   * ({ name: 'categoricalCrossentropy', labelSmoothing: 0.1 }), or a function (yPred, yTrue) => per-sample losses.
   */
  loss: LossLike;
  metrics?: MetricLike[];
}

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples before each epoch (default true). */
  shuffle?: boolean;
  /**
   * Seed of the shuffles (default: drawn from ng.seed's generator when fit starts). Epoch e's
   * order depends only on (seed, e), so a run resumed with initialEpoch sees the same orders.
   */
  seed?: number;
  validationData?: [ArrayInput, ArrayInput];
  /** Fraction of the samples, taken from the end before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  initialEpoch?: number;
  /** Weight of each class in the loss, by class index. */
  classWeight?: Record<number, number>;
  /** 0 silent, 1 progress bar (plain lines when not a TTY), 2 one line per epoch. Default 1. */
  verbose?: Verbosity;
  callbacks?: (Callback | CallbackHooks)[];
  /** Where progress goes (default process.stdout). */
  output?: OutputStream;
}

export interface EvaluateArgs {
  batchSize?: number;
}

/**
 * A stack of layers with the Keras training API: compile, fit, evaluate, predict, save.
 * The layers build nn modules; training runs them through autograd and an nn optimizer.
 * The modules are in training mode during fit() only, and in inference mode otherwise.
 */
export class Model implements TrainingModel {
  readonly layers: Layer[];
  name: string;
  stopTraining = false;
  private net: Sequential | null = null;
  private compiled: { spec: OptimizerSpec; loss: CompiledLoss; lossName: string | null; lossSpec: string | LossSpec | null; metrics: MetricLike[] } | null = null;
  private opt: Optimizer | null = null;

  constructor(layers: Layer[], name = 'sequential') {
    if (!Array.isArray(layers) || layers.some((l) => !(l instanceof Layer))) {
      throw new Error('sequential: expected an array of layers (ng.layers.dense(...), …)');
    }
    this.layers = layers.slice();
    this.name = name;
    if (layers[0]?.inputShape) this.build(layers[0].inputShape);
  }

  /** Builds every layer for samples of `inputShape`, inferring each layer's input from the previous output. */
  build(inputShape: readonly number[]): void {
    if (this.net) {
      if (!shapesEqual(inputShape, this.inputShape)) {
        throw new Error(`${this.name}: expected input samples of shape ${shapeString(this.inputShape)} (first layer '${this.layers[0]!.name}'), got samples of shape ${shapeString(inputShape)}`);
      }
      return;
    }
    if (this.layers.length === 0) throw new Error(`${this.name}: a model needs at least one layer`);
    let shape = inputShape.slice();
    for (const layer of this.layers) shape = layer.build(shape);
    this.net = new Sequential(...this.layers.map((l) => l.module));
    this.net.eval();  // inference mode outside fit()
  }

  get built(): boolean {
    return this.net !== null;
  }

  /** Shape of one input sample. */
  get inputShape(): number[] {
    this.requireBuilt();
    return this.layers[0]!.inputShape!;
  }

  /** Shape of one output sample. */
  get outputShape(): number[] {
    this.requireBuilt();
    return this.layers.at(-1)!.outputShape!;
  }

  /** The underlying nn.Sequential module. */
  get module(): Sequential {
    this.requireBuilt();
    return this.net!;
  }

  /** True once compiled and built (the optimizer exists). */
  get hasOptimizer(): boolean {
    if (this.compiled && this.net && !this.opt) this.opt = makeOptimizer(this.compiled.spec, this.net.parameters());
    return this.opt !== null;
  }

  get optimizer(): Optimizer {
    if (!this.opt) throw new Error(`${this.name}: compile the model first`);
    return this.opt;
  }

  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new Error('compile: expected { optimizer, loss, metrics? }');
    const spec = optimizerSpec(args.optimizer);
    const loss = resolveLoss(args.loss);
    const lossSpec = lossSpecOf(args.loss);
    const lossName = typeof lossSpec === 'string' ? lossSpec : lossSpec?.name ?? null;
    const metrics = args.metrics ?? [];
    if (!Array.isArray(metrics)) throw new Error(`compile: metrics must be an array of names or Metric objects, got ${typeof metrics}`);
    for (const m of metrics) getMetric(m, { loss: lossName ?? undefined });  // unknown names fail here, not mid-fit
    this.compiled = { spec, loss, lossName, lossSpec, metrics };
    this.opt = null;
    if (this.net) this.opt = makeOptimizer(spec, this.net.parameters());
  }

  /** The model's output for a batch, in inference mode. */
  private forward(x: Tensor, logits: boolean): Tensor {
    let h = x;
    const last = this.layers.length - 1;
    this.layers.forEach((layer, i) => {
      h = i === last && logits ? layer.callLogits(h) : layer.call(h);
    });
    return h;
  }

  /** Trains the model; resolves to the History of per-epoch losses and metrics. */
  async fit(x: ArrayInput | BatchDataset, y?: ArrayInput, args: FitArgs = {}): Promise<History> {
    const op = 'fit';
    const compiled = this.requireCompiled(op);
    const epochs = checkCount(op, 'epochs', args.epochs ?? 1, 0);
    const batchSize = checkCount(op, 'batchSize', args.batchSize ?? 32, 1);
    const initialEpoch = checkCount(op, 'initialEpoch', args.initialEpoch ?? 0, 0);
    const verbose = args.verbose ?? 1;

    // Everything is validated before the first step.
    let train: { x: Tensor; y: Tensor } | null = null;
    let val: { x: Tensor; y: Tensor } | null = null;
    const owned: Tensor[] = [];
    if (!isDataset(x)) {
      const xs = toTensor(op, 'x', x, this.built ? this.inputShape : undefined);
      const ys = toTensor(op, 'y', y);
      if (xs !== x) owned.push(xs);
      if (ys !== y) owned.push(ys);
      if (xs.rank === 0 || ys.rank === 0 || xs.shape[0] !== ys.shape[0]) {
        throw new Error(`${op}: x ${shapeString(xs.shape)} and y ${shapeString(ys.shape)} must have the same number of samples (first dim)`);
      }
      this.build(xs.shape.slice(1));
      this.checkSamples(op, xs, ys);
      const split = args.validationSplit ?? 0;
      if (!(split >= 0 && split < 1)) throw new Error(`${op}: validationSplit must be in [0, 1), got ${split}`);
      if (split > 0 && args.validationData) throw new Error(`${op}: give validationData or validationSplit, not both`);
      const n = xs.shape[0]!;
      const nVal = Math.floor(n * split);
      if (nVal > 0) {
        const cut = (t: Tensor, start: number, len: number) => slice(t, [start, ...t.shape.slice(1).map(() => 0)], [len, ...t.shape.slice(1)]);
        train = { x: cut(xs, 0, n - nVal), y: cut(ys, 0, n - nVal) };
        val = { x: cut(xs, n - nVal, nVal), y: cut(ys, n - nVal, nVal) };
        owned.push(train.x, train.y, val.x, val.y);
      } else {
        train = { x: xs, y: ys };
      }
    } else if (y !== undefined) {
      throw new Error(`${op}: with a dataset, y comes from the dataset (pass undefined)`);
    }
    if (args.validationData) {
      const [vx, vy] = args.validationData;
      const tx = toTensor(op, 'validationData x', vx, this.built ? this.inputShape : undefined);
      const ty = toTensor(op, 'validationData y', vy);
      if (tx !== vx) owned.push(tx);
      if (ty !== vy) owned.push(ty);
      if (tx.shape[0] !== ty.shape[0]) throw new Error(`${op}: validationData x ${shapeString(tx.shape)} and y ${shapeString(ty.shape)} differ in samples`);
      if (this.built) this.checkSamples(`${op} (validationData)`, tx, ty);
      val = { x: tx, y: ty };
    }
    const classWeight = args.classWeight ? checkClassWeight(op, args.classWeight) : null;
    const seed = args.seed ?? drawSeed();
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${op}: seed must be a non-negative integer below 2^53, got ${seed}`);

    const history = new History();
    const steps = train ? Math.ceil(train.x.shape[0]! / batchSize) : undefined;
    // Keras' order: progress first, then the user's callbacks, then the History.
    const callbacks = new CallbackList([
      ...(verbose > 0 ? [new ProgressBar({ verbose, stream: args.output })] : []), ...(args.callbacks ?? []), history]);
    callbacks.setModel(this);
    callbacks.setParams({ epochs, steps, samples: train?.x.shape[0], batchSize, verbose, initialEpoch });
    this.stopTraining = false;
    try {
      this.module.train();
      await callbacks.onTrainBegin();
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        await callbacks.onEpochBegin(epoch);
        const metrics = freshMetrics(compiled.metrics, compiled.lossName);
        const logs = train
          ? await this.trainEpoch(train.x, train.y, batchSize, args.shuffle ?? true ? permutation(train.x.shape[0]!, seed, epoch) : null,
            classWeight, metrics, callbacks)
          : await this.trainDataset(x as BatchDataset, classWeight, metrics, callbacks);
        if (val && !this.stopTraining) {
          const v = this.evaluateTensors(val.x, val.y, batchSize);
          this.module.train();
          for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
        }
        logs.lr = this.optimizer.lr;
        await callbacks.onEpochEnd(epoch, logs);
      }
      await callbacks.onTrainEnd();
    } finally {
      if (this.built) this.module.eval();
      for (const t of owned) t.dispose();
    }
    return history;
  }

  private async trainEpoch(x: Tensor, y: Tensor, batchSize: number, shuffled: Int32Array | null,
    classWeight: Map<number, number> | null, metrics: Metric[], callbacks: CallbackList): Promise<Logs> {
    const n = x.shape[0]!;
    const order = shuffled ?? Int32Array.from({ length: n }, (_, i) => i);
    let lossSum = 0;
    for (let start = 0, b = 0; start < n && !this.stopTraining; start += batchSize, b++) {
      const size = Math.min(batchSize, n - start);
      await callbacks.onBatchBegin(b, { batch: b, size });
      const idx = tensor(order.subarray(start, start + size), { dtype: 'int32' });
      const loss = tidy(() => this.trainStep(gather(x, idx), gather(y, idx), classWeight, metrics));
      idx.dispose();
      lossSum += loss * size;
      await callbacks.onBatchEnd(b, { batch: b, size, loss, ...metricLogs(metrics) });
      await yieldToEventLoop();
    }
    return { loss: lossSum / n, ...metricLogs(metrics) };
  }

  private async trainDataset(ds: BatchDataset, classWeight: Map<number, number> | null, metrics: Metric[],
    callbacks: CallbackList): Promise<Logs> {
    let lossSum = 0;
    let seen = 0;
    let b = 0;
    for await (const batch of ds) {
      if (this.stopTraining) break;
      const [bx, by] = unpackBatch('fit', batch);
      const xs = toTensor('fit', 'x batch', bx, this.built ? this.inputShape : undefined);
      const ys = toTensor('fit', 'y batch', by);
      if (xs.shape[0] !== ys.shape[0]) throw new Error(`fit: dataset batch ${b}: x ${shapeString(xs.shape)} and y ${shapeString(ys.shape)} differ in samples`);
      this.build(xs.shape.slice(1));
      this.checkSamples(`fit (dataset batch ${b})`, xs, ys);
      const size = xs.shape[0]!;
      await callbacks.onBatchBegin(b, { batch: b, size });
      const loss = tidy(() => this.trainStep(xs, ys, classWeight, metrics));
      if (xs !== bx) xs.dispose();
      if (ys !== by) ys.dispose();
      lossSum += loss * size;
      seen += size;
      await callbacks.onBatchEnd(b, { batch: b, size, loss, ...metricLogs(metrics) });
      b++;
      await yieldToEventLoop();
    }
    return { loss: seen ? lossSum / seen : NaN, ...metricLogs(metrics) };
  }

  /** One optimizer step on a batch; returns the batch loss (without the regularization penalty). */
  private trainStep(x: Tensor, y: Tensor, classWeight: Map<number, number> | null, metrics: Metric[]): number {
    const { loss } = this.requireCompiled('fit');
    const net = this.net!;
    const opt = this.optimizer;
    opt.zeroGrad();
    const useLogits = loss.fromLogitsOf(this.layers.at(-1)!.outputActivation);
    const out = this.forward(x, useLogits);
    const perSample = loss.perSample(out, y, useLogits);
    const data = weightedMean(perSample, y, classWeight);
    const penalty = net.regularizationLoss();
    (penalty ? data.add(penalty) : data).backward();
    opt.step();
    opt.zeroGrad();
    if (metrics.length) {
      noGrad(() => {
        const probs = useLogits ? applyHead(this.layers.at(-1)!.outputActivation!, out) : out;
        for (const m of metrics) m.update(y, probs);
      });
    }
    return data.item();
  }

  /** Loss and metrics over (x, y), batched, in inference mode. */
  evaluate(x: ArrayInput, y: ArrayInput, args: EvaluateArgs = {}): Logs {
    const op = 'evaluate';
    this.requireCompiled(op);
    const xs = toTensor(op, 'x', x, this.built ? this.inputShape : undefined);
    const ys = toTensor(op, 'y', y);
    try {
      if (xs.rank === 0 || xs.shape[0] !== ys.shape[0]) throw new Error(`${op}: x ${shapeString(xs.shape)} and y ${shapeString(ys.shape)} must have the same number of samples`);
      this.build(xs.shape.slice(1));
      this.checkSamples(op, xs, ys);
      return this.evaluateTensors(xs, ys, checkCount(op, 'batchSize', args.batchSize ?? 32, 1));
    } finally {
      if (xs !== x) xs.dispose();
      if (ys !== y) ys.dispose();
    }
  }

  private evaluateTensors(x: Tensor, y: Tensor, batchSize: number): Logs {
    const compiled = this.requireCompiled('evaluate');
    const metrics = freshMetrics(compiled.metrics, compiled.lossName);
    const n = x.shape[0]!;
    const net = this.net!;
    if (net.training) net.eval();
    let lossSum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      lossSum += size * tidy(() => noGrad(() => {
        const xb = sliceRows(x, start, size);
        const yb = sliceRows(y, start, size);
        const useLogits = compiled.loss.fromLogitsOf(this.layers.at(-1)!.outputActivation);
        const out = this.forward(xb, useLogits);
        const l = compiled.loss.perSample(out, yb, useLogits).mean().item();
        const probs = useLogits ? applyHead(this.layers.at(-1)!.outputActivation!, out) : out;
        for (const m of metrics) m.update(yb, probs);
        return l;
      }));
    }
    return { loss: n ? lossSum / n : NaN, ...metricLogs(metrics) };
  }

  /** The model's outputs for x, batched, in inference mode (no dropout, running batch-norm statistics). */
  predict(x: ArrayInput, args: EvaluateArgs = {}): Tensor {
    const op = 'predict';
    const xs = toTensor(op, 'x', x, this.built ? this.inputShape : undefined);
    try {
      if (xs.rank === 0) throw new Error(`${op}: x must have a batch dim, got a scalar`);
      this.build(xs.shape.slice(1));
      if (!shapesEqual(xs.shape.slice(1), this.inputShape)) {
        throw new Error(`${op}: expected samples of shape ${shapeString(this.inputShape)}, got x ${shapeString(xs.shape)}`);
      }
      const batchSize = checkCount(op, 'batchSize', args.batchSize ?? 32, 1);
      const n = xs.shape[0]!;
      const net = this.net!;
      if (net.training) net.eval();
      // tidy: the layers' intermediate outputs go back to the buffer pool at once instead of
      // waiting for the garbage collector (fresh buffers cost page faults and GC work).
      if (n <= batchSize) return tidy(() => noGrad(() => this.forward(xs, false)));
      const parts: Tensor[] = [];
      for (let start = 0; start < n; start += batchSize) {
        parts.push(tidy(() => noGrad(() => this.forward(sliceRows(xs, start, Math.min(batchSize, n - start)), false))));
      }
      const out = concat(parts, 0);
      for (const p of parts) p.dispose();
      return out;
    } finally {
      if (xs !== x) xs.dispose();
    }
  }

  /** The index of the largest output per sample (int32 [n]). */
  predictClasses(x: ArrayInput, args: EvaluateArgs = {}): Tensor {
    const p = this.predict(x, args);
    const c = p.shape.at(-1) === 1 ? p.greater(0.5).astype('int32').reshape([p.shape[0]!]) : p.argmax(-1);
    p.dispose();
    return c;
  }

  /** A table of layers, output shapes and parameter counts; also printed unless print is false. */
  summary(print: boolean | ((line: string) => void) = true): string {
    this.requireBuilt();
    const rows: string[][] = [['Layer (type)', 'Output shape', 'Params']];
    let trainable = 0;
    let frozen = 0;
    for (const layer of this.layers) {
      const count = layer.module.parameters().reduce((s, p) => s + p.size, 0);
      if (layer.trainable) trainable += count;
      else frozen += count;
      rows.push([`${layer.name} (${layer.className})`, `[null,${layer.outputShape!.join(',')}]`, String(count)]);
    }
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = '─'.repeat(w[0]! + w[1]! + w[2]! + 6);
    const fmt = (r: string[]) => `${r[0]!.padEnd(w[0]!)}   ${r[1]!.padEnd(w[1]!)}   ${r[2]!.padStart(w[2]!)}`;
    const text = [`Model: ${this.name}`, line, fmt(rows[0]!), line, ...rows.slice(1).map(fmt), line,
      `Total params: ${trainable + frozen}`, `Trainable params: ${trainable}`, `Non-trainable params: ${frozen}`].join('\n');
    if (print === true) console.log(text);
    else if (typeof print === 'function') for (const l of text.split('\n')) print(l);
    return text;
  }

  /** Copies of every parameter and buffer, in stateDict order. */
  getWeights(): Tensor[] {
    return noGrad(() => Object.values(this.module.stateDict()).map((t) => t.clone()));
  }

  /** Sets every parameter and buffer from getWeights() order. */
  setWeights(weights: Tensor[]): void {
    const names = Object.keys(this.module.stateDict());
    if (!Array.isArray(weights) || weights.length !== names.length) {
      throw new Error(`setWeights: expected ${names.length} tensors, got ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    this.module.loadStateDict(Object.fromEntries(names.map((n, i) => [n, weights[i]!])));
  }

  /** The architecture and compile settings as model.json stores them. */
  toJSON(): ModelConfig {
    return {
      className: 'Sequential',
      name: this.name,
      layers: this.layers.map((l) => l.toSpec()),
      inputShape: this.built ? this.inputShape : null,
      compile: this.compiled
        ? { optimizer: this.compiled.spec, loss: this.compiled.lossSpec, metrics: this.compiled.metrics.filter((m) => typeof m === 'string') as string[] }
        : null,
    };
  }

  /** Writes model.json, weights.bin and (with includeOptimizer, the default) the optimizer state, atomically. */
  async save(dir: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
    const { saveModelFiles } = await import('./model-io.js');
    await saveModelFiles(this, dir, options.includeOptimizer ?? true);
  }

  private requireBuilt(): Sequential {
    if (!this.net) throw new Error(`${this.name}: the model is not built: give the first layer an inputShape, or call fit/predict first`);
    return this.net;
  }

  private requireCompiled(op: string) {
    if (!this.compiled) throw new Error(`${op}: compile the model first (model.compile({ optimizer, loss }))`);
    if (this.net && !this.opt) this.opt = makeOptimizer(this.compiled.spec, this.net.parameters());
    return this.compiled;
  }

  /** Input shape and label checks, so bad data fails before any training. */
  private checkSamples(op: string, x: Tensor, y: Tensor): void {
    if (!shapesEqual(x.shape.slice(1), this.inputShape)) {
      throw new Error(`${op}: expected input samples of shape ${shapeString(this.inputShape)} (layer '${this.layers[0]!.name}'), got x ${shapeString(x.shape)}`);
    }
    if (this.requireCompiled(op).loss.checkLabels) this.compiled!.loss.checkLabels!(op, y, this.outputShape);
  }
}

export interface ModelConfig {
  className: 'Sequential';
  name: string;
  layers: LayerSpec[];
  inputShape: number[] | null;
  compile: { optimizer: OptimizerSpec; loss: string | LossSpec | null; metrics: string[] } | null;
}

/** ng.sequential([...layers]): a model from a list of layers. */
export function sequential(layers: Layer[], options: { name?: string } = {}): Model {
  return new Model(layers, options.name);
}

/** Rebuilds a model from its JSON config (without weights). */
export function modelFromConfig(config: ModelConfig): Model {
  if (!config || config.className !== 'Sequential' || !Array.isArray(config.layers)) {
    throw new Error('loadModel: model.json does not describe a Sequential model');
  }
  const model = new Model(config.layers.map(layerFromSpec), config.name);
  if (config.inputShape && !model.built) model.build(config.inputShape);
  if (config.compile?.loss) model.compile({ optimizer: config.compile.optimizer, loss: config.compile.loss, metrics: config.compile.metrics });
  return model;
}

function sliceRows(t: Tensor, start: number, size: number): Tensor {
  return slice(t, [start, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)]);
}

function applyHead(activation: string, logits: Tensor): Tensor {
  return activation === 'softmax' ? softmax(logits, -1) : sigmoid(logits);
}

/** New metric objects for one epoch or evaluation (a given Metric object is cloned and reset). */
function freshMetrics(metrics: readonly MetricLike[], loss: string | null): Metric[] {
  return metrics.map((m) => {
    const metric = typeof m === 'string' ? getMetric(m, { loss: loss ?? undefined }) : m.clone();
    metric.reset();
    return metric;
  });
}

function metricLogs(metrics: Metric[]): Logs {
  const logs: Logs = {};
  for (const m of metrics) logs[m.name] = m.result();
  return logs;
}

/** The mean of per-sample losses, weighted by the class weight of each sample's label. */
function weightedMean(perSample: Tensor, y: Tensor, classWeight: Map<number, number> | null): Tensor {
  if (!classWeight) return perSample.mean();
  const labels = y.dtype === 'int32' && y.rank === 1 ? y.dataSync() : noGrad(() => (y.shape.at(-1) === 1 ? y.reshape([y.shape[0]!]).greater(0.5) : y.argmax(-1))).dataSync();
  const w = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) w[i] = classWeight.get(labels[i]!) ?? 1;
  const wt = tensor(w, { dtype: perSample.dtype });
  return perSample.mul(wt).sum().div(sizeOf(perSample.shape));
}

function checkCount(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new Error(`${op}: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

function checkClassWeight(op: string, cw: Record<number, number>): Map<number, number> {
  const m = new Map<number, number>();
  for (const [k, v] of Object.entries(cw)) {
    const c = Number(k);
    if (!Number.isSafeInteger(c) || c < 0 || typeof v !== 'number' || !(v >= 0)) {
      throw new Error(`${op}: classWeight must map class indices to non-negative numbers, got ${k}: ${String(v)}`);
    }
    m.set(c, v);
  }
  return m;
}
