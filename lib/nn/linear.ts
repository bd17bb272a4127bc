import { PackedWeight } from '../ops/packed-weight.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type ActivationLike, fusedActivation, getActivation } from './activations.js';
import { type FloatDType, type InitializerLike, getInitializer } from './init.js';
import { Module } from './module.js';
import type { RegularizerLike } from './regularizers.js';

export interface LinearOptions {
  /** Add a learned bias (default true). Turn it off before a batch norm, which has its own shift. */
  bias?: boolean;
  /** Applied to the output; 'relu', 'leakyRelu', 'sigmoid' and 'tanh' run fused in the GEMM kernel. */
  activation?: ActivationLike;
  /** Default 'glorotUniform' (Keras' default; use 'heNormal' before ReLUs). */
  kernelInitializer?: InitializerLike;
  /** Default 'zeros'. */
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike | null;
  biasRegularizer?: RegularizerLike | null;
  /** dtype of the parameters (default float32). */
  dtype?: FloatDType;
}

function checkCount(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${layer}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/**
 * A dense layer: y = activation(x·W + b), with W of shape [inFeatures, outFeatures] (the
 * layout of the GEMM's B operand, as Keras stores kernels) and b of shape [outFeatures]. x is
 * [..., inFeatures]. The product, the bias and the activation run in one GEMM kernel call.
 * Where nothing records a gradient (inference), the native backend keeps W packed for the
 * GEMM between calls (a second copy of W) and packs it again only after W changed.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The kernel W, [inFeatures, outFeatures]. */
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly activation: ActivationLike;
  private readonly fused: ReturnType<typeof fusedActivation>;
  private readonly applyActivation: (x: Tensor) => Tensor;
  /** W packed for the GEMM, reused by products that record no gradient (inference). */
  private readonly packedWeight = new PackedWeight();

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = checkCount('Linear', 'inFeatures', inFeatures);
    this.outFeatures = checkCount('Linear', 'outFeatures', outFeatures);
    this.activation = options.activation ?? 'linear';
    this.applyActivation = getActivation(this.activation);
    this.fused = fusedActivation(this.activation);
    const dtype = options.dtype ?? 'float32';
    this.weight = this.registerParameter('weight',
      getInitializer(options.kernelInitializer ?? 'glorotUniform').sample([inFeatures, outFeatures], dtype),
      { regularizer: options.kernelRegularizer });
    this.bias = options.bias === false ? null : this.registerParameter('bias',
      getInitializer(options.biasInitializer ?? 'zeros').sample([outFeatures], dtype),
      { regularizer: options.biasRegularizer });
  }

  forward(x: Tensor): Tensor {
    if (x.rank === 0 || x.shape.at(-1) !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures} → ${this.outFeatures}): expected input [..., ${this.inFeatures}], got ${shapeString(x.shape)}`);
    }
    const bias = this.bias ?? undefined;
    if (this.fused) return this.packedWeight.matmul(x, this.weight, bias, this.fused);
    return this.applyActivation(this.packedWeight.matmul(x, this.weight, bias, 'none'));
  }

  protected override extraRepr(): string {
    const act = typeof this.activation === 'string' && this.activation !== 'linear' ? `, activation=${this.activation}` : '';
    return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${this.bias !== null}${act}`;
  }
}
