/**
 * nodegrad: tensors over three backends (native C++ SIMD kernels through Node-API, the
 * same kernels in WebAssembly, and plain TypeScript).
 */
export { Tensor } from './tensor.js';
export type { NestedArray, TensorLike } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export type { BackendName } from './backend/backend.js';

export {
  availableBackends, getBackend, setBackend, setIsa, setNumThreads,
} from './backend/registry.js';
export { seed } from './random/state.js';
export { keep, memory, tidy } from './memory.js';

export {
  arange, eye, full, ones, onesLike, rand, randn, scalar, tensor, zeros, zerosLike,
} from './ops/creation.js';
export { add, div, equal, greater, less, maximum, minimum, mul, pow, sub } from './ops/binary.js';
export {
  abs, clip, elu, exp, leakyRelu, log, logSoftmax, neg, relu, sigmoid, sign, softmax, softplus, sqrt, square, tanh,
} from './ops/unary.js';
export { gather, indexSelect, where } from './ops/indexing.js';
export { sigmoidCrossEntropy, softmaxCrossEntropy } from './ops/losses.js';
export type { LossOptions, Reduction } from './ops/losses.js';
export { enableGrad, isGradEnabled, noGrad } from './autograd/mode.js';
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions, GradcheckReport, Verdict } from './autograd/gradcheck.js';
export type { BackwardOptions } from './autograd/engine.js';
export { argmax, argmin, max, mean, min, sum } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export type { MatmulOptions } from './ops/matmul.js';
export { conv2d, depthwiseConv2d } from './ops/conv.js';
export type { Conv2dOptions } from './ops/conv.js';
export {
  astype, broadcastTo, clone, concat, expandDims, pad, reshape, slice, squeeze, stack, transpose,
} from './ops/shape-ops.js';
export { batchNorm } from './ops/norm.js';
export type { BatchNormOptions } from './ops/norm.js';
export * as nn from './nn/index.js';
export * as losses from './losses/index.js';

export * as optim from './optim/index.js';
export { randomMiniBatches, shuffleTogether } from './data/minibatch.js';
export {
  avgPool2d, globalAvgPool1d, globalAvgPool2d, globalMaxPool1d, globalMaxPool2d, maxPool2d,
} from './ops/pool.js';
export type { Pool2dOptions } from './ops/pool.js';

import type { Tensor } from './tensor.js';

/** Permutes the dims of x into the given order. */
export function permute(x: Tensor, ...dims: number[]): Tensor {
  return x.permute(...dims);
}

/** Disposes every tensor in a tensor, array or object of tensors. */
export function dispose(value: Tensor | readonly Tensor[] | Record<string, Tensor>): void {
  const list = Array.isArray(value) ? value : typeof (value as Tensor).dispose === 'function' ? [value] : Object.values(value);
  for (const t of list as Tensor[]) t.dispose();
}

export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as callbacks from './train/index.js';
export * as io from './io/index.js';
export * as linalg from './linalg/index.js';
export * as layers from './layers/index.js';
export { Model, modelFromConfig, sequential } from './train/model.js';
export type { CompileArgs, EvaluateArgs, FitArgs, MetricLike, ModelConfig } from './train/model.js';
export type { LossLike, LossSpec } from './train/loss-by-name.js';
export { loadModel } from './train/model-io.js';
export { optimizers } from './train/optimizers.js';
export type { OptimizerName, OptimizerSpec } from './train/optimizers.js';
