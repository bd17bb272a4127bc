// The Keras callbacks, as classes and as factories: ng.callbacks.earlyStopping({...}) = new EarlyStopping({...}).
import { CsvLogger, type CsvLoggerOptions, TerminateOnNaN } from './loggers.js';
import { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
import { LearningRateScheduler, ReduceLROnPlateau, type ReduceLROnPlateauOptions, type Schedule } from './learning-rate.js';
import { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
import type { OutputStream } from './types.js';

export { CsvLogger, TerminateOnNaN } from './loggers.js';
export type { CsvLoggerOptions } from './loggers.js';
export { EarlyStopping } from './early-stopping.js';
export type { EarlyStoppingOptions } from './early-stopping.js';
export { LearningRateScheduler, ReduceLROnPlateau } from './learning-rate.js';
export type { ReduceLROnPlateauOptions, Schedule } from './learning-rate.js';
export { ModelCheckpoint } from './model-checkpoint.js';
export type { ModelCheckpointOptions } from './model-checkpoint.js';
export { resolveMode } from './monitor.js';
export type { MonitorMode } from './monitor.js';

export const earlyStopping = (options?: EarlyStoppingOptions): EarlyStopping => new EarlyStopping(options);
export const modelCheckpoint = (options: ModelCheckpointOptions): ModelCheckpoint => new ModelCheckpoint(options);
export const learningRateScheduler = (schedule: Schedule, options?: { verbose?: 0 | 1; stream?: OutputStream }): LearningRateScheduler =>
  new LearningRateScheduler(schedule, options);
export const reduceLROnPlateau = (options?: ReduceLROnPlateauOptions): ReduceLROnPlateau => new ReduceLROnPlateau(options);
export const csvLogger = (filename: string, options?: CsvLoggerOptions): CsvLogger => new CsvLogger(filename, options);
export const terminateOnNaN = (options?: { stream?: OutputStream }): TerminateOnNaN => new TerminateOnNaN(options);
