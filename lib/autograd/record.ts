import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './mode.js';
import { type BackwardFn, GradNode } from './node.js';

/**
 * Attaches the backward of `op` to `out` when gradients are being recorded and some
 * input requires them. Returns out.
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) out.gradFn = new GradNode(op, inputs, backward);
  return out;
}
