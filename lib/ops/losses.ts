import { isGradEnabled } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import { shapeString, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { mean, sum } from './reduce.js';
import { castIfNeeded, reshape } from './shape-ops.js';
import { logSoftmax } from './unary.js';
import { checkTensor, empty, onBackend } from './util.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  /** 'mean' (default) over samples, 'sum', or 'none' for one loss per sample. */
  reduction?: Reduction;
}

function reduce(perSample: Tensor, reduction: Reduction, op: string): Tensor {
  if (reduction === 'none') return perSample;
  if (reduction === 'sum') return sum(perSample);
  if (reduction === 'mean') return mean(perSample);
  throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
}

/**
 * Softmax cross-entropy on logits [..., c], fused and numerically stable. labels are
 * probabilities/one-hot of the same shape (float), or class indices of shape [...]
 * (int32, sparse). The gradient with respect to the logits is softmax(logits) − labels.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, options: LossOptions = {}): Tensor {
  const op = 'softmaxCrossEntropy';
  checkTensor(op, logits, 'logits');
  checkTensor(op, labels, 'labels');
  if (logits.dtype === 'int32' || logits.rank === 0) {
    throw new Error(`${op}: logits must be a float tensor [..., classes], got ${logits.dtype} ${shapeString(logits.shape)}`);
  }
  const c = logits.shape.at(-1)!;
  const rows = logits.shape.slice(0, -1);
  const sparse = labels.dtype === 'int32';
  const want = sparse ? rows : logits.shape;
  if (!shapesEqual(labels.shape, want)) {
    throw new Error(`${op}: ${sparse ? 'int32 class indices' : 'labels'} must have shape ${shapeString(want)} for logits ${shapeString(logits.shape)}, got ${shapeString(labels.shape)}`);
  }
  const n = sizeOf(rows);
  const backend = logits.backend;
  const t = sparse ? onBackend(labels, backend) : castIfNeeded(onBackend(labels, backend), logits.dtype);
  const loss = empty(backend, logits.dtype, rows);
  const grad = isGradEnabled() && logits.requiresGrad ? empty(backend, logits.dtype, logits.shape) : null;
  if (n > 0) backend.softmaxCrossEntropy(logits.storage, t.storage, loss.storage, grad?.storage ?? null, n, c);
  // Soft labels are differentiable too: d loss / d t = −log softmax(x).
  const inputs = sparse ? [logits] : [logits, labels];
  record(loss, op, inputs, (g, needs) => {
    const gRow = reshape(g, [...rows, 1]);
    return [needs[0] ? grad!.mul(gRow) : null, ...(sparse ? [] : [needs[1] ? castIfNeeded(logSoftmax(logits).mul(gRow).neg(), labels.dtype) : null])];
  });
  return reduce(loss, options.reduction ?? 'mean', op);
}

/**
 * Sigmoid binary cross-entropy on logits, fused and stable:
 * max(x, 0) − x·t + log(1 + e^−|x|) per element, with gradient sigmoid(x) − t.
 */
export function sigmoidCrossEntropy(logits: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  const op = 'sigmoidCrossEntropy';
  checkTensor(op, logits, 'logits');
  checkTensor(op, targets, 'targets');
  if (logits.dtype === 'int32') throw new Error(`${op}: logits must be float32 or float64, got int32`);
  if (!shapesEqual(logits.shape, targets.shape)) {
    throw new Error(`${op}: targets ${shapeString(targets.shape)} must have the shape of the logits ${shapeString(logits.shape)}`);
  }
  const backend = logits.backend;
  const t = castIfNeeded(onBackend(targets, backend), logits.dtype);
  const loss = empty(backend, logits.dtype, logits.shape);
  const grad = isGradEnabled() && logits.requiresGrad ? empty(backend, logits.dtype, logits.shape) : null;
  if (logits.size > 0) backend.sigmoidCrossEntropy(logits.storage, t.storage, loss.storage, grad?.storage ?? null, logits.size);
  // d loss / d t = −x
  record(loss, op, [logits, targets], (g, needs) => [needs[0] ? grad!.mul(g) : null, needs[1] ? castIfNeeded(logits.mul(g).neg(), targets.dtype) : null]);
  return reduce(loss, options.reduction ?? 'mean', op);
}
