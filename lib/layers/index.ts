/**
 * Keras-style layer factories: ng.layers.dense({ units: 128, activation: 'relu', inputShape: [784] }).
 * Each builds the nn module doing the work once the input shape is known.
 */
import {
  Activation, type ActivationArgs, BatchNormalization, type BatchNormalizationArgs, Dense, type DenseArgs, Dropout,
  type DropoutArgs, Embedding, type EmbeddingArgs, Flatten,
} from './core.js';
import { Layer, type LayerArgs, type LayerSpec } from './layer.js';
import {
  AveragePooling2D, Conv2D, type Conv2dArgs, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type Pooling2dArgs,
} from './spatial.js';

export { Layer } from './layer.js';
export type { LayerArgs, LayerSpec } from './layer.js';
export type { ActivationName, DenseArgs, DropoutArgs, BatchNormalizationArgs, EmbeddingArgs, ActivationArgs } from './core.js';
export type { Conv2dArgs, Pooling2dArgs } from './spatial.js';

export const dense = (args: DenseArgs): Layer => new Dense(args);
export const conv2d = (args: Conv2dArgs): Layer => new Conv2D(args);
export const maxPooling2d = (args: Pooling2dArgs = {}): Layer => new MaxPooling2D(args);
export const averagePooling2d = (args: Pooling2dArgs = {}): Layer => new AveragePooling2D(args);
export const globalAveragePooling2d = (args: LayerArgs = {}): Layer => new GlobalAveragePooling2D(args);
export const globalMaxPooling2d = (args: LayerArgs = {}): Layer => new GlobalMaxPooling2D(args);
export const flatten = (args: LayerArgs = {}): Layer => new Flatten(args);
export const dropout = (args: DropoutArgs): Layer => new Dropout(args);
export const batchNormalization = (args: BatchNormalizationArgs = {}): Layer => new BatchNormalization(args);
export const activation = (args: ActivationArgs): Layer => new Activation(args);
export const embedding = (args: EmbeddingArgs): Layer => new Embedding(args);

const BY_CLASS: Record<string, (config: never) => Layer> = {
  Dense: (c: DenseArgs) => new Dense(c),
  Conv2D: (c: Conv2dArgs) => new Conv2D(c),
  MaxPooling2D: (c: Pooling2dArgs) => new MaxPooling2D(c),
  AveragePooling2D: (c: Pooling2dArgs) => new AveragePooling2D(c),
  GlobalAveragePooling2D: (c: LayerArgs) => new GlobalAveragePooling2D(c),
  GlobalMaxPooling2D: (c: LayerArgs) => new GlobalMaxPooling2D(c),
  Flatten: (c: LayerArgs) => new Flatten(c),
  Dropout: (c: DropoutArgs) => new Dropout(c),
  BatchNormalization: (c: BatchNormalizationArgs) => new BatchNormalization(c),
  Activation: (c: ActivationArgs) => new Activation(c),
  Embedding: (c: EmbeddingArgs) => new Embedding(c),
};

/** Rebuilds a layer from model.json. */
export function layerFromSpec(spec: LayerSpec): Layer {
  const make = BY_CLASS[spec?.className];
  if (!make) throw new Error(`loadModel: unknown layer class '${String(spec?.className)}' (known: ${Object.keys(BY_CLASS).join(', ')})`);
  return make(spec.config as never);
}
