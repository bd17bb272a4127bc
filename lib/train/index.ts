// ng.callbacks: the training-loop callbacks, History and the progress bar.
export { Callback, CallbackList, History, toCallback } from './callback.js';
export type { CallbackHooks } from './callback.js';
export {
  CsvLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN,
  csvLogger, earlyStopping, learningRateScheduler, modelCheckpoint, reduceLROnPlateau, resolveMode, terminateOnNaN,
} from './callbacks.js';
export type {
  CsvLoggerOptions, EarlyStoppingOptions, ModelCheckpointOptions, MonitorMode, ReduceLROnPlateauOptions, Schedule,
} from './callbacks.js';
export { ProgressBar, progressBar } from './progress.js';
export type { ProgressBarOptions } from './progress.js';
export type { Logs, OutputStream, TrainingModel, TrainingParams, Verbosity } from './types.js';
