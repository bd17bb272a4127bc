import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { Layer, type LayerArgs } from './layer.js';

/** Activations by their Keras names. leakyRelu has slope 0.01 (as PyTorch and the fused GEMM). */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'leakyRelu' | 'elu' | 'softplus';

const NAMES = new Set(['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyRelu', 'elu', 'softplus']);

/** Checks an activation name, so a typo fails when the layer is built. */
export function activationName(name: string, where: string): ActivationName {
  if (!NAMES.has(name)) {
    throw new Error(`${where}: unknown activation '${name}' (expected linear, relu, sigmoid, tanh, softmax, leakyRelu, elu or softplus)`);
  }
  return name as ActivationName;
}

export function activationModule(name: string, where: string): Module {
  switch (name) {
    case 'linear': return new nn.Identity();
    case 'relu': return new nn.ReLU();
    case 'sigmoid': return new nn.Sigmoid();
    case 'tanh': return new nn.Tanh();
    case 'softmax': return new nn.Softmax(-1);
    case 'leakyRelu': return new nn.LeakyReLU(0.01);
    case 'elu': return new nn.ELU(1);
    case 'softplus': return new nn.Softplus();
    default:
      throw new Error(`${where}: unknown activation '${name}' (expected linear, relu, sigmoid, tanh, softmax, leakyRelu, elu or softplus)`);
  }
}

/** A layer whose output may end in softmax/sigmoid, which callLogits leaves out. */
export abstract class ActivatedLayer<A extends LayerArgs & { activation?: ActivationName }> extends Layer<A> {
  private head: Module | null = null;

  protected setHead(activation: string): void {
    // The head is applied by call(); a 'linear' head is none.
    this.head = activation === 'linear' ? null : activationModule(activation, `${this.className} layer '${this.name}'`);
  }

  override call(x: Tensor): Tensor {
    const z = this.module.call(x);
    return this.head ? this.head.call(z) : z;
  }

  override callLogits(x: Tensor): Tensor {
    return this.outputActivation ? this.module.call(x) : this.call(x);
  }

  override get outputActivation(): string | null {
    const a = this.args.activation ?? 'linear';
    return a === 'softmax' || a === 'sigmoid' ? a : null;
  }
}

/** The options of a layer with a kernel and a bias (dense, conv2d). */
export interface WeightedLayerArgs extends LayerArgs {
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: nn.InitializerLike;
  biasInitializer?: nn.InitializerLike;
  kernelRegularizer?: nn.RegularizerLike;
  biasRegularizer?: nn.RegularizerLike;
}

export interface DenseArgs extends WeightedLayerArgs {
  units: number;
}

/** Fully connected: y = act(x·W + b) over the last axis, W of shape [in, units]. */
export class Dense extends ActivatedLayer<DenseArgs> {
  readonly className = 'Dense';

  protected create(inputShape: readonly number[]) {
    const { units } = this.args;
    if (!Number.isSafeInteger(units) || units < 1) throw new Error(`Dense layer '${this.name}': units must be a positive integer, got ${String(units)}`);
    if (inputShape.length < 1) this.fail(inputShape, '[..., features]');
    const activation = this.args.activation ?? 'linear';
    // softmax and sigmoid stay outside the module, so that callLogits can leave them out.
    const head = activation === 'softmax' || activation === 'sigmoid';
    const module = new nn.Linear(inputShape.at(-1)!, units, {
      bias: this.args.useBias ?? true,
      activation: head ? 'linear' : activationName(activation, `Dense layer '${this.name}'`),
      kernelInitializer: this.args.kernelInitializer,
      biasInitializer: this.args.biasInitializer,
      kernelRegularizer: this.args.kernelRegularizer,
      biasRegularizer: this.args.biasRegularizer,
    });
    this.setHead(head ? activation : 'linear');
    return { module, outputShape: [...inputShape.slice(0, -1), units] };
  }
}

export interface ActivationArgs extends LayerArgs {
  activation: ActivationName;
}

/** Applies an activation function. */
export class Activation extends ActivatedLayer<ActivationArgs> {
  readonly className = 'Activation';

  protected create(inputShape: readonly number[]) {
    this.setHead(this.args.activation);
    return { module: new nn.Identity() as Module, outputShape: inputShape.slice() };
  }
}

export interface DropoutArgs extends LayerArgs {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
}

/** Inverted dropout, active in training only. */
export class Dropout extends Layer<DropoutArgs> {
  readonly className = 'Dropout';

  protected create(inputShape: readonly number[]) {
    return { module: new nn.Dropout({ rate: this.args.rate }) as Module, outputShape: inputShape.slice() };
  }
}

/** Flattens each sample to one dimension. */
export class Flatten extends Layer<LayerArgs> {
  readonly className = 'Flatten';

  protected create(inputShape: readonly number[]) {
    return { module: new nn.Flatten() as Module, outputShape: [sizeOf(inputShape)] };
  }
}

export interface BatchNormalizationArgs extends LayerArgs {
  /** Keras convention: running = momentum·running + (1 − momentum)·batch. Default 0.99. */
  momentum?: number;
  epsilon?: number;
}

/** Batch normalization over the last (channel) axis: [features] or NHWC [h, w, channels]. */
export class BatchNormalization extends Layer<BatchNormalizationArgs> {
  readonly className = 'BatchNormalization';

  protected create(inputShape: readonly number[]) {
    const c = inputShape.at(-1)!;
    const options = { momentum: this.args.momentum ?? 0.99, eps: this.args.epsilon ?? 1e-3 };
    let module: Module;
    if (inputShape.length === 1) module = new nn.BatchNorm1d(c, options);
    else if (inputShape.length === 3) module = new nn.BatchNorm2d(c, options);
    else this.fail(inputShape, '[features] or [height, width, channels]');
    return { module, outputShape: inputShape.slice() };
  }
}

export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: nn.InitializerLike;
}

/** Maps int32 indices [seq] to vectors [seq, outputDim]. */
export class Embedding extends Layer<EmbeddingArgs> {
  readonly className = 'Embedding';

  protected create(inputShape: readonly number[]) {
    const module = new nn.Embedding(this.args.inputDim, this.args.outputDim);
    return { module: module as Module, outputShape: [...inputShape, this.args.outputDim] };
  }
}
