import type { Tensor } from '../tensor.js';

/** What callbacks need of a model; the Keras-style Model implements it. */
export interface TrainingModel {
  /** Set by a callback to end fit() after the current batch or epoch. */
  stopTraining: boolean;
  /** Copies of the weights (the caller owns them and may dispose them). */
  getWeights(): Tensor[];
  /** Copies these values into the model's weights (same order and shapes as getWeights()). */
  setWeights(weights: Tensor[]): void;
  /** Saves the model directory atomically. */
  save(dir: string): Promise<void>;
  optimizer: { lr: number };
}

/** Numbers reported to callbacks: 'loss', 'val_loss', 'accuracy', 'val_accuracy', 'lr', ... */
export type Logs = Record<string, number>;

/** 0: silent; 1: progress bar (plain lines when not on a TTY); 2: one line per epoch. */
export type Verbosity = 0 | 1 | 2;

/** What fit() tells its callbacks before training starts. */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch (undefined when unknown). */
  steps?: number;
  /** Training samples per epoch. */
  samples?: number;
  batchSize?: number;
  verbose?: Verbosity;
  /** Index of the first epoch (fit's initialEpoch). */
  initialEpoch?: number;
}

/** Where progress and callback messages go: process.stdout or anything with write(). */
export interface OutputStream {
  write(chunk: string): unknown;
  /** True on a terminal: the progress bar redraws one line in place. */
  isTTY?: boolean;
}
