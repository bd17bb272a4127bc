import { gather } from '../ops/indexing.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type FloatDType, type InitializerLike, getInitializer } from './init.js';
import { Module } from './module.js';
import type { RegularizerLike } from './regularizers.js';

export interface EmbeddingOptions {
  /** Default 'randomUniform' (±0.05, Keras' default). */
  embeddingsInitializer?: InitializerLike;
  embeddingsRegularizer?: RegularizerLike | null;
  dtype?: FloatDType;
}

/**
 * A lookup table: int32 indices of any shape [...] give vectors [..., dim], rows of weight
 * [numEmbeddings, dim]. The gradient scatters back into the rows that were used (repeated
 * indices accumulate). Float tensors holding whole numbers are accepted as indices too.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Embedding: ${name} must be a positive integer, got ${String(v)}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.weight = this.registerParameter('weight',
      getInitializer(options.embeddingsInitializer ?? 'randomUniform').sample([numEmbeddings, embeddingDim], options.dtype ?? 'float32'),
      { regularizer: options.embeddingsRegularizer });
  }

  forward(indices: Tensor): Tensor {
    let idx = indices;
    if (indices.dtype !== 'int32') {
      const values = indices.dataSync();
      const bad = values.findIndex((v) => !Number.isInteger(v));
      if (bad >= 0) throw new Error(`Embedding: indices must be whole numbers, got ${values[bad]} in ${indices.dtype} ${shapeString(indices.shape)}`);
      idx = indices.astype('int32');
    }
    try {
      return gather(this.weight, idx, 0);
    } catch (e) {
      throw new Error(`Embedding(${this.numEmbeddings}, ${this.embeddingDim}): ${(e as Error).message}`);
    }
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}
