import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import { type Padding, resolveWindow } from '../ops/window.js';
import { ActivatedLayer, activationName, type WeightedLayerArgs } from './core.js';
import { Layer, type LayerArgs } from './layer.js';

type Pair = number | [number, number];

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export interface Conv2dArgs extends WeightedLayerArgs {
  filters: number;
  kernelSize: Pair;
  strides?: Pair;
  padding?: Padding;
  dilationRate?: Pair;
}

/** 2-D convolution over NHWC images with HWIO filters [kh, kw, in, filters]. */
export class Conv2D extends ActivatedLayer<Conv2dArgs> {
  readonly className = 'Conv2D';

  protected create(inputShape: readonly number[]) {
    if (inputShape.length !== 3) this.fail(inputShape, '[height, width, channels]');
    const [h, w, c] = inputShape as [number, number, number];
    const [kh, kw] = pair(this.args.kernelSize);
    const where = `Conv2D layer '${this.name}'`;
    const win = resolveWindow(where, h, w, kh, kw, {
      strides: this.args.strides, padding: this.args.padding, dilation: this.args.dilationRate,
    });
    const activation = this.args.activation ?? 'linear';
    const head = activation === 'softmax' || activation === 'sigmoid';
    const module = new nn.Conv2d(c, this.args.filters, [kh, kw], {
      strides: this.args.strides, padding: this.args.padding, dilation: this.args.dilationRate,
      bias: this.args.useBias ?? true,
      activation: head ? 'linear' : activationName(activation, where),
      kernelInitializer: this.args.kernelInitializer, biasInitializer: this.args.biasInitializer,
      kernelRegularizer: this.args.kernelRegularizer, biasRegularizer: this.args.biasRegularizer,
    });
    this.setHead(head ? activation : 'linear');
    return { module: module as Module, outputShape: [win.outH, win.outW, this.args.filters] };
  }
}

export interface Pooling2dArgs extends LayerArgs {
  poolSize?: Pair;
  strides?: Pair;
  padding?: Padding;
}

abstract class Pooling2D extends Layer<Pooling2dArgs> {
  protected abstract makeModule(options: { poolSize: [number, number]; strides: [number, number]; padding: Padding }): Module;

  protected create(inputShape: readonly number[]) {
    if (inputShape.length !== 3) this.fail(inputShape, '[height, width, channels]');
    const [h, w, c] = inputShape as [number, number, number];
    const poolSize = pair(this.args.poolSize ?? 2);
    const strides = pair(this.args.strides ?? poolSize);
    const padding = this.args.padding ?? 'valid';
    const win = resolveWindow(`${this.className} layer '${this.name}'`, h, w, poolSize[0], poolSize[1], { strides, padding });
    return { module: this.makeModule({ poolSize, strides, padding }), outputShape: [win.outH, win.outW, c] };
  }
}

/** Max over each window (default 2×2, stride = pool size). */
export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  protected makeModule(options: { poolSize: [number, number]; strides: [number, number]; padding: Padding }): Module {
    return new nn.MaxPool2d(options);
  }
}

/** Mean over each window (padding not counted). */
export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  protected makeModule(options: { poolSize: [number, number]; strides: [number, number]; padding: Padding }): Module {
    return new nn.AvgPool2d(options);
  }
}

/** [h, w, c] → [c], the mean over all positions. */
export class GlobalAveragePooling2D extends Layer<LayerArgs> {
  readonly className = 'GlobalAveragePooling2D';

  protected create(inputShape: readonly number[]) {
    if (inputShape.length !== 3) this.fail(inputShape, '[height, width, channels]');
    return { module: new nn.GlobalAvgPool2d() as Module, outputShape: [inputShape[2]!] };
  }
}

/** [h, w, c] → [c], the max over all positions. */
export class GlobalMaxPooling2D extends Layer<LayerArgs> {
  readonly className = 'GlobalMaxPooling2D';

  protected create(inputShape: readonly number[]) {
    if (inputShape.length !== 3) this.fail(inputShape, '[height, width, channels]');
    return { module: new nn.GlobalMaxPool2d() as Module, outputShape: [inputShape[2]!] };
  }
}
