import { type AnyLossOptions, getLoss, Loss, type LossFunction } from '../losses/index.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/shape-ops.js';
import { shapeString, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** A compiled loss: per-sample values, and how the model should feed it. */
export interface CompiledLoss {
  /** One loss per sample, [batch]; `out` holds logits when `logits` is true. */
  perSample(out: Tensor, y: Tensor, logits: boolean): Tensor;
  /** Whether the loss takes the logits of a final layer with this activation (exact, fused). */
  fromLogitsOf(activation: string | null): boolean;
  /** Label checks run before training, with clear errors. */
  checkLabels?(op: string, y: Tensor, outputShape: readonly number[]): void;
}

const key = (name: string) => name.toLowerCase().replace(/[_-]/g, '');
const CATEGORICAL = new Set(['categoricalcrossentropy', 'sparsecategoricalcrossentropy']);
const BINARY = new Set(['binarycrossentropy', 'bce']);

/**
 * A named loss with settings, as Keras' `CategoricalCrossentropy(label_smoothing=0.1)`:
 * `{ name: 'categoricalCrossentropy', labelSmoothing: 0.1 }`. Plain JSON, so model.json keeps it.
 */
export interface LossSpec {
  name: string;
  /** Cross-entropies: smooths the targets, t·(1 − s) + s/K. */
  labelSmoothing?: number;
  /** Huber: where the loss turns from quadratic to linear. */
  delta?: number;
  /** Cross-entropies and KL divergence: the clipping epsilon. */
  eps?: number;
}

export type LossLike = string | LossSpec | LossFunction | Loss | CompiledLoss;

const SPEC_OPTIONS = new Set(['labelSmoothing', 'delta', 'eps']);

/** The loss's Keras name and settings when it is given by name (for metrics and model.json), else null. */
export function lossSpecOf(loss: LossLike): string | LossSpec | null {
  if (typeof loss === 'string') return loss;
  if (isLossSpec(loss)) return { ...loss };
  return null;
}

function isLossSpec(loss: unknown): loss is LossSpec {
  return !!loss && typeof loss === 'object' && !(loss instanceof Loss) && !('perSample' in loss);
}

function specParts(spec: LossSpec): { name: string; options: AnyLossOptions } {
  const { name, ...options } = spec;
  if (typeof name !== 'string') throw new Error(`compile: a loss given as an object needs a name, e.g. { name: 'categoricalCrossentropy', labelSmoothing: 0.1 }; got ${JSON.stringify(spec)}`);
  for (const k of Object.keys(options)) {
    if (!SPEC_OPTIONS.has(k)) throw new Error(`compile: unknown option '${k}' for loss '${name}' (known: ${[...SPEC_OPTIONS].join(', ')})`);
  }
  return { name, options };
}

/** A loss from a Keras name, a LossSpec, a loss function (yPred, yTrue) => Tensor, or an nn Loss module. */
export function resolveLoss(loss: LossLike): CompiledLoss {
  if (loss && typeof loss === 'object' && !(loss instanceof Loss) && 'perSample' in loss) return loss;
  const spec = isLossSpec(loss) ? specParts(loss) : null;
  const fn = getLoss(spec ? spec.name : loss as string | LossFunction | Loss);
  const settings = spec?.options ?? {};
  const name = typeof loss === 'string' ? key(loss) : spec ? key(spec.name) : null;
  const head = name && CATEGORICAL.has(name) ? 'softmax' : name && BINARY.has(name) ? 'sigmoid' : null;
  return {
    perSample(out, y, logits) {
      const l = name || !(loss instanceof Loss)
        ? fn(out, y, { ...settings, reduction: 'none', ...(logits ? { fromLogits: true } : {}) })
        : fn(out, y);
      return l.rank <= 1 ? l : mean(reshape(l, [l.shape[0]!, -1]), -1);
    },
    fromLogitsOf: (activation) => head !== null && activation === head,
    checkLabels: name ? (op, y, outputShape) => checkLabels(op, name, y, outputShape) : undefined,
  };
}

function checkLabels(op: string, name: string, y: Tensor, outputShape: readonly number[]): void {
  const units = outputShape.at(-1)!;
  const sampleShape = y.shape.slice(1);
  const sparse = name === 'sparsecategoricalcrossentropy' || (name === 'categoricalcrossentropy' && y.dtype === 'int32');
  if (sparse) {
    if (!shapesEqual(sampleShape, outputShape.slice(0, -1)) && !shapesEqual(sampleShape, [...outputShape.slice(0, -1), 1])) {
      throw new Error(`${op}: ${name} needs one class index per sample, y of shape [n${outputShape.length > 1 ? ',' + outputShape.slice(0, -1).join(',') : ''}], got y ${shapeString(y.shape)} for outputs [n,${outputShape.join(',')}]`);
    }
    const labels = y.dataSync();
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= units) {
        throw new Error(`${op}: label ${v} at sample ${i} is out of range for ${units} classes (expected integers in [0, ${units - 1}])`);
      }
    }
    return;
  }
  const squeezable = units === 1 && shapesEqual(sampleShape, outputShape.slice(0, -1));
  if (!shapesEqual(sampleShape, outputShape) && !squeezable) {
    throw new Error(`${op}: y ${shapeString(y.shape)} does not match the model's outputs [n,${outputShape.join(',')}] for loss ${name}` +
      (name === 'categoricalcrossentropy' ? ' (one-hot labels: use ng.data.toCategorical, or int32 labels with sparseCategoricalCrossentropy)' : ''));
  }
}
