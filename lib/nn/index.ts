/** PyTorch-style modules: ng.nn.Module, ng.nn.Sequential, layers, activations, losses, init, regularizers. */
export { Module } from './module.js';
export type { LoadStateDictOptions, LoadStateDictResult, ParameterOptions } from './module.js';
export { Sequential } from './sequential.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Dropout } from './dropout.js';
export type { DropoutOptions } from './dropout.js';
export { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
export type { BatchNormLayerOptions } from './batchnorm.js';
export { Embedding } from './embedding.js';
export type { EmbeddingOptions } from './embedding.js';
export { Flatten } from './flatten.js';
export { Conv2d } from './conv.js';
export type { Conv2dOptions } from './conv.js';
export { AvgPool2d, GlobalAvgPool2d, GlobalMaxPool1d, GlobalMaxPool2d, MaxPool2d } from './pooling.js';
export {
  ELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh, fusedActivation, getActivation,
} from './activations.js';
export type { ActivationLike, ActivationName } from './activations.js';
export {
  BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, HuberLoss, KLDivergenceLoss, L1Loss, Loss, MSELoss,
  SquaredHingeLoss,
} from '../losses/modules.js';
export * as init from './init.js';
export type { Initializer, InitializerConfig, InitializerLike } from './init.js';
export * as regularizers from './regularizers.js';
export type { Regularizer, RegularizerConfig, RegularizerLike } from './regularizers.js';
