/** Optimizers, gradient clipping and accumulation, and learning-rate schedules (ng.optim). */
export { Optimizer } from './optimizer.js';
export type {
  BaseOptions, OptimizerStateDict, ParamGroup, ParamGroupInput, ParamStateDict,
} from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions } from './rmsprop.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions } from './adagrad.js';
export { Adadelta } from './adadelta.js';
export type { AdadeltaOptions } from './adadelta.js';
export { Adamax } from './adamax.js';
export type { AdamaxOptions } from './adamax.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export { accumulateGradients } from './accumulate.js';
export { LRScheduler } from './schedules.js';
export type { LRSchedulerOptions, Schedule } from './schedules.js';
export * as schedules from './schedules.js';
