import { conv2d } from '../ops/conv.js';
import type { Padding } from '../ops/window.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { type ActivationLike, fusedActivation, getActivation } from './activations.js';
import { type FloatDType, type InitializerLike, getInitializer } from './init.js';
import { Module } from './module.js';
import type { RegularizerLike } from './regularizers.js';

export interface Conv2dOptions {
  /** One number or [strideH, strideW] (default 1). */
  strides?: number | readonly [number, number];
  /** 'valid' (default), 'same' or [[top, bottom], [left, right]]. */
  padding?: Padding;
  dilation?: number | readonly [number, number];
  /** Add a learned bias per output channel (default true). */
  bias?: boolean;
  /** 'relu', 'leakyRelu', 'sigmoid' and 'tanh' run fused in the convolution's GEMM epilogue. */
  activation?: ActivationLike;
  /** Default 'glorotUniform' (Keras), with fans kh·kw·in and kh·kw·out. */
  kernelInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike | null;
  biasRegularizer?: RegularizerLike | null;
  dtype?: FloatDType;
}

/** 2-D convolution of NHWC input with an HWIO filter [kh, kw, inChannels, outChannels]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  private readonly options: Conv2dOptions;
  private readonly fused: ReturnType<typeof fusedActivation>;
  private readonly applyActivation: (x: Tensor) => Tensor;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions = {}) {
    super();
    const ks = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['kernelSize', ks[0]], ['kernelSize', ks[1]]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Conv2d: ${name} must be a positive integer, got ${String(v)}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = [ks[0]!, ks[1]!];
    this.options = { ...options };
    const activation = options.activation ?? 'linear';
    this.applyActivation = getActivation(activation);
    this.fused = fusedActivation(activation);
    const dtype = options.dtype ?? 'float32';
    this.weight = this.registerParameter('weight',
      getInitializer(options.kernelInitializer ?? 'glorotUniform').sample([ks[0]!, ks[1]!, inChannels, outChannels], dtype),
      { regularizer: options.kernelRegularizer });
    this.bias = options.bias === false ? null : this.registerParameter('bias',
      getInitializer(options.biasInitializer ?? 'zeros').sample([outChannels], dtype),
      { regularizer: options.biasRegularizer });
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`Conv2d(${this.inChannels} → ${this.outChannels}): expected NHWC input [n, h, w, ${this.inChannels}], got ${shapeString(x.shape)}`);
    }
    const { strides, padding, dilation } = this.options;
    const bias = this.bias ?? undefined;
    if (this.fused) return conv2d(x, this.weight, { strides, padding, dilation, bias, activation: this.fused });
    return this.applyActivation(conv2d(x, this.weight, { strides, padding, dilation, bias }));
  }

  protected override extraRepr(): string {
    return `in=${this.inChannels}, out=${this.outChannels}, kernel=${this.kernelSize.join('×')}, strides=${JSON.stringify(this.options.strides ?? 1)}, padding=${JSON.stringify(this.options.padding ?? 'valid')}`;
  }
}
