import type { Module } from '../nn/module.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Options every Keras-style layer takes. */
export interface LayerArgs {
  /** Shape of one sample (no batch dim); required on the first layer of a model. */
  inputShape?: readonly number[];
  name?: string;
  trainable?: boolean;
}

/** A layer as model.json stores it. */
export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
}

const counters = new Map<string, number>();

function defaultName(className: string): string {
  const base = className.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const n = (counters.get(base) ?? 0) + 1;
  counters.set(base, n);
  return n === 1 ? base : `${base}_${n - 1}`;
}

/**
 * A Keras-style layer: a configuration that, once it knows the shape of its input, builds
 * the nn module doing the work. Shapes here never include the batch dimension.
 */
export abstract class Layer<A extends LayerArgs = LayerArgs> {
  abstract readonly className: string;
  readonly args: A;
  name: string;
  inputShape: number[] | null = null;
  outputShape: number[] | null = null;
  private mod: Module | null = null;
  private isTrainable: boolean;

  constructor(args: A) {
    this.args = { ...args };
    this.name = args.name ?? '';
    this.isTrainable = args.trainable ?? true;
    if (args.inputShape !== undefined) this.inputShape = checkSampleShape(this.constructor.name, args.inputShape);
  }

  /** The built module (after build()). */
  get module(): Module {
    if (!this.mod) throw new Error(`${this.name || this.className}: the layer is not built yet (give the first layer an inputShape, or call fit/predict)`);
    return this.mod;
  }

  get built(): boolean {
    return this.mod !== null;
  }

  /** Frozen layers get no gradient and no optimizer update. */
  get trainable(): boolean {
    return this.isTrainable;
  }

  set trainable(value: boolean) {
    this.isTrainable = value;
    if (this.mod) this.mod.trainable = value;
  }

  /** Creates the module for inputs of `inputShape` and returns the output shape. */
  build(inputShape: readonly number[]): number[] {
    if (!this.name) this.name = defaultName(this.className);
    const { module, outputShape } = this.create(inputShape);
    module.trainable = this.isTrainable;
    this.mod = module;
    this.inputShape = inputShape.slice();
    this.outputShape = outputShape;
    return outputShape;
  }

  /** The layer's output for a batch. */
  call(x: Tensor): Tensor {
    return this.module.call(x);
  }

  /**
   * The output before a final softmax/sigmoid, for losses that fuse it (cross-entropy on
   * logits is exact where log(softmax) loses digits). Layers without one return call(x).
   */
  callLogits(x: Tensor): Tensor {
    return this.call(x);
  }

  /** 'softmax' or 'sigmoid' when the layer ends with one, which callLogits leaves out. */
  get outputActivation(): string | null {
    return null;
  }

  /** What model.json stores to rebuild this layer. */
  toSpec(): LayerSpec {
    const config: Record<string, unknown> = { ...this.serializableArgs(), name: this.name, trainable: this.isTrainable };
    if (this.inputShape) config.inputShape = this.inputShape;
    return { className: this.className, config };
  }

  /** The constructor arguments as JSON (initializers and regularizers by their configs). */
  protected serializableArgs(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.args as Record<string, unknown>)) {
      out[k] = v && typeof v === 'object' && typeof (v as { getConfig?: unknown }).getConfig === 'function'
        ? (v as { getConfig(): unknown }).getConfig()
        : v;
    }
    return out;
  }

  protected abstract create(inputShape: readonly number[]): { module: Module; outputShape: number[] };

  /** Throws naming this layer when the input does not fit. */
  protected fail(inputShape: readonly number[], want: string): never {
    throw new Error(`${this.className} layer '${this.name}': expected input of shape ${want} per sample, got ${shapeString(inputShape)}`);
  }
}

export function checkSampleShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new Error(`${op}: inputShape must be an array of positive integers (one sample, no batch dim), got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}
