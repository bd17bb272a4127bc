import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import { tidy } from '../memory.js';
import { shapeString, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assignInPlace } from './assign.js';
import { castIfNeeded, clone } from './shape-ops.js';
import { checkTensor, empty, onBackend, releaseTemps } from './util.js';

export interface BatchNormOptions {
  /** γ, the per-channel scale ([c]; omitted: 1). Differentiable. */
  weight?: Tensor | null;
  /** β, the per-channel shift ([c]; omitted: 0). Differentiable. */
  bias?: Tensor | null;
  /**
   * Running statistics ([c]). Inference reads them; training updates them in place when
   * given, with the unbiased batch variance (n/(n − 1)), as PyTorch and TF's fused kernel do.
   */
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  /** Normalize with the batch's statistics (true, the default) or the running ones (false). */
  training?: boolean;
  /**
   * Keras' convention: running = momentum·running + (1 − momentum)·batch. Default 0.9, which
   * is PyTorch's default momentum = 0.1 (PyTorch's m is 1 − momentum here).
   */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

function perChannel(op: string, t: Tensor | null | undefined, name: string, c: number, x: Tensor): Tensor | null {
  if (t === null || t === undefined) return null;
  checkTensor(op, t, name);
  if (t.dtype === 'int32') throw new Error(`${op}: ${name} must be float32 or float64, got int32`);
  if (t.size !== c) {
    throw new Error(`${op}: ${name} ${shapeString(t.shape)} must have one value per channel (${c}) of x ${shapeString(x.shape)}`);
  }
  return t;
}

/**
 * Batch normalization with channels last: x [..., c] is normalized per channel over every
 * other axis (N for [N, C], N·H·W for NHWC images), then scaled by γ and shifted by β:
 * y = (x − mean)/√(var + eps)·γ + β. In training the batch's mean and biased variance are
 * used (and the running statistics updated in place when given); in inference the running
 * statistics are. Forward and backward are fused kernels. Gradients flow to x, γ and β.
 */
export function batchNorm(x: Tensor, options: BatchNormOptions = {}): Tensor {
  const op = 'batchNorm';
  checkTensor(op, x);
  if (x.dtype === 'int32') throw new Error(`${op}: x must be float32 or float64, got int32`);
  if (x.rank < 2) throw new Error(`${op}: x must be [..., channels] with at least 2 dims, got ${shapeString(x.shape)}`);
  const training = options.training ?? true;
  const momentum = options.momentum ?? 0.9;
  const eps = options.eps ?? 1e-5;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new Error(`${op}: momentum must be a number in [0, 1], got ${String(momentum)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) {
    throw new Error(`${op}: eps must be a finite number >= 0, got ${String(eps)}`);
  }
  const c = x.shape.at(-1)!;
  const outer = sizeOf(x.shape.slice(0, -1));
  const weight = perChannel(op, options.weight, 'weight', c, x);
  const bias = perChannel(op, options.bias, 'bias', c, x);
  const runningMean = perChannel(op, options.runningMean, 'runningMean', c, x);
  const runningVar = perChannel(op, options.runningVar, 'runningVar', c, x);
  if ((runningMean === null) !== (runningVar === null)) {
    throw new Error(`${op}: give both runningMean and runningVar, or neither`);
  }
  if (!training && !runningMean) throw new Error(`${op}: inference (training: false) needs runningMean and runningVar`);
  if (training && outer < 2) {
    throw new Error(`${op}: training needs more than one value per channel, got x ${shapeString(x.shape)}`);
  }

  const backend = x.backend;
  const local = (t: Tensor | null) => (t ? castIfNeeded(onBackend(t, backend), x.dtype) : null);
  const gamma = local(weight);
  const beta = local(bias);
  const y = empty(backend, x.dtype, x.shape);
  let mean: Tensor;
  let variance: Tensor;
  if (training) {
    mean = empty(backend, x.dtype, [c]);
    variance = empty(backend, x.dtype, [c]);
    backend.batchNormTrain(x.storage, gamma?.storage ?? null, beta?.storage ?? null, y.storage, mean.storage,
      variance.storage, outer, c, eps);
    if (runningMean && runningVar) updateRunning(runningMean, runningVar, mean, variance, momentum, outer);
  } else {
    mean = local(runningMean)!;
    variance = local(runningVar)!;
    if (y.size > 0) {
      backend.batchNormInfer(x.storage, gamma?.storage ?? null, beta?.storage ?? null, mean.storage, variance.storage,
        y.storage, outer, c, eps);
    }
  }
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const recording = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  if (!recording) {
    releaseTemps([gamma, beta, ...(training ? [mean, variance] : [])].filter((t): t is Tensor => t !== null),
      [weight, bias].filter((t): t is Tensor => t !== null));
    if (!training) releaseTemps([mean, variance], [runningMean!, runningVar!]);
    return y;
  }
  // The running statistics change in place on the next training step: keep what was used.
  if (!training) {
    mean = mean === runningMean ? noGrad(() => clone(mean)) : mean;
    variance = variance === runningVar ? noGrad(() => clone(variance)) : variance;
  }
  return record(y, op, inputs, (g, needs) => {
    const dx = needs[0] ? empty(backend, x.dtype, x.shape) : null;
    const dgamma = empty(backend, x.dtype, [c]);
    const dbeta = empty(backend, x.dtype, [c]);
    backend.batchNormBackward(x.storage, g.storage, mean.storage, variance.storage, gamma?.storage ?? null,
      dx?.storage ?? null, dgamma.storage, dbeta.storage, outer, c, eps, training);
    const grads: (Tensor | null)[] = [dx];
    if (weight) grads.push(needs[grads.length] ? castIfNeeded(dgamma.reshape(weight.shape), weight.dtype) : null);
    if (bias) grads.push(needs[grads.length] ? castIfNeeded(dbeta.reshape(bias.shape), bias.dtype) : null);
    return grads;
  });
}

/** running ← momentum·running + (1 − momentum)·batch, with the unbiased batch variance. */
function updateRunning(runningMean: Tensor, runningVar: Tensor, mean: Tensor, variance: Tensor, momentum: number,
  n: number): void {
  noGrad(() => tidy(() => {
    const local = (t: Tensor) => castIfNeeded(onBackend(t, mean.backend), mean.dtype);
    assignInPlace(runningMean, local(runningMean).mul(momentum).add(mean.mul(1 - momentum)), 'batchNorm');
    assignInPlace(runningVar, local(runningVar).mul(momentum).add(variance.mul((1 - momentum) * n / (n - 1))), 'batchNorm');
  }));
}
