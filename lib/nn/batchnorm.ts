import { full } from '../ops/creation.js';
import { batchNorm } from '../ops/norm.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type FloatDType, type InitializerLike, getInitializer } from './init.js';
import { Module } from './module.js';
import type { RegularizerLike } from './regularizers.js';

export interface BatchNormLayerOptions {
  /**
   * Keras' convention: running = momentum·running + (1 − momentum)·batch. Default 0.9, which
   * is PyTorch's default (PyTorch's momentum m is 1 − momentum here; Keras' default is 0.99).
   */
  momentum?: number;
  /** Added to the variance (default 1e-5, PyTorch's; Keras' is 1e-3). */
  eps?: number;
  /** Learn γ (weight, init ones) and β (bias, init zeros); default true. */
  affine?: boolean;
  /**
   * Keep running statistics (default true) for eval mode. Without them, eval mode normalizes
   * with the batch's own statistics too.
   */
  trackRunningStats?: boolean;
  weightInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  weightRegularizer?: RegularizerLike | null;
  biasRegularizer?: RegularizerLike | null;
  dtype?: FloatDType;
}

/**
 * Batch normalization over the last (channel) axis: each channel is normalized with the
 * batch's mean and biased variance in training mode, and with the running statistics in eval
 * mode, then scaled by γ and shifted by β. The running variance is updated with the unbiased
 * batch variance (n/(n − 1)), as PyTorch does. Runs the fused batch-norm kernels.
 */
abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly momentum: number;
  readonly eps: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** γ, [numFeatures] (null when affine is false). */
  readonly weight: Tensor | null;
  /** β, [numFeatures] (null when affine is false). */
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    const name = this.constructor.name;
    if (typeof numFeatures !== 'number' || !Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new Error(`${name}: numFeatures must be a positive integer, got ${String(numFeatures)}`);
    }
    this.numFeatures = numFeatures;
    this.momentum = options.momentum ?? 0.9;
    this.eps = options.eps ?? 1e-5;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`${name}: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.eps >= 0) || !Number.isFinite(this.eps)) throw new Error(`${name}: eps must be a finite number >= 0, got ${this.eps}`);
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? 'float32';
    const shape = [numFeatures];
    this.weight = this.affine
      ? this.registerParameter('weight', getInitializer(options.weightInitializer ?? 'ones').sample(shape, dtype),
        { regularizer: options.weightRegularizer })
      : null;
    this.bias = this.affine
      ? this.registerParameter('bias', getInitializer(options.biasInitializer ?? 'zeros').sample(shape, dtype),
        { regularizer: options.biasRegularizer })
      : null;
    this.runningMean = this.trackRunningStats ? this.registerBuffer('runningMean', full(shape, 0, dtype)) : null;
    this.runningVar = this.trackRunningStats ? this.registerBuffer('runningVar', full(shape, 1, dtype)) : null;
  }

  /** The input ranks this layer takes, and how to name them in errors. */
  protected abstract readonly ranks: readonly number[];
  protected abstract readonly layout: string;

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.rank) || x.shape.at(-1) !== this.numFeatures) {
      throw new Error(`${this.constructor.name}(${this.numFeatures}): expected input ${this.layout} with C = ${this.numFeatures}, got ${shapeString(x.shape)}`);
    }
    return batchNorm(x, {
      weight: this.weight, bias: this.bias, runningMean: this.runningMean, runningVar: this.runningVar,
      training: this.training || !this.trackRunningStats, momentum: this.momentum, eps: this.eps,
    });
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}`;
  }
}

/** Batch norm of [N, C] (or [N, L, C]) activations, per channel C. */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [2, 3];
  protected readonly layout = '[N, C] or [N, L, C]';
}

/** Batch norm of NHWC images [N, H, W, C], per channel over N, H and W. */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [4];
  protected readonly layout = '[N, H, W, C]';
}
