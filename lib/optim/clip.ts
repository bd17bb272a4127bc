import { noGrad } from '../autograd/mode.js';
import { tidy } from '../memory.js';
import { empty } from '../ops/util.js';
import { Tensor } from '../tensor.js';

/** The gradients of `params` (a tensor or a list), skipping parameters that have none. */
function gradsOf(fn: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : params !== null && typeof params === 'object' &&
    Symbol.iterator in params ? [...params] : null;
  if (!list) throw new Error(`${fn}: params must be a Tensor or an array of tensors`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${fn}: params[${i}] must be a Tensor`);
    if (p.grad && p.grad.size > 0) {
      p.grad.assertLive(fn);
      grads.push(p.grad);
    }
  });
  return grads;
}

/**
 * Clips every gradient of `params` elementwise to [−clipValue, clipValue], in place.
 * Parameters without a gradient are skipped.
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const fn = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0) || !Number.isFinite(clipValue)) {
    throw new Error(`${fn}: clipValue must be a finite number >= 0, got ${String(clipValue)}`);
  }
  for (const g of gradsOf(fn, params)) g.backend.unary('clip', g.storage, g.storage, -clipValue, clipValue);
}

/**
 * Rescales the gradients of `params` in place so that their global norm (over all
 * parameters together, as if concatenated) is at most maxNorm, and returns that norm
 * before clipping. normType p > 0 or Infinity:
 *
 *     total = (Σ_params Σ_i |g_i|^p)^(1/p)        (Infinity: max |g_i|)
 *     if total > maxNorm:  g ← g · maxNorm / (total + 1e-6)
 *
 * (PyTorch's clip_grad_norm_.) The norm is accumulated in float64. When it is not finite
 * (a NaN or infinite gradient) the gradients are left as they are and the norm is returned,
 * for the caller to skip the step.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2): number {
  const fn = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0) || !Number.isFinite(maxNorm)) {
    throw new Error(`${fn}: maxNorm must be a finite number >= 0, got ${String(maxNorm)}`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new Error(`${fn}: normType must be a number > 0 or Infinity, got ${String(normType)}`);
  }
  const grads = gradsOf(fn, params);
  const total = noGrad(() => tidy(() => {
    let acc = 0;
    for (const g of grads) {
      const x = g.astype('float64');
      if (normType === Infinity) acc = Math.max(acc, x.abs().max().item());
      else if (normType === 2) acc += x.square().sum().item();
      else if (normType === 1) acc += x.abs().sum().item();
      else acc += x.abs().pow(normType).sum().item();
    }
    if (normType === 2) return Math.sqrt(acc);
    return normType === Infinity || normType === 1 ? acc : acc ** (1 / normType);
  }));
  const coef = maxNorm / (total + 1e-6);
  if (Number.isFinite(total) && coef < 1) {
    for (const g of grads) {
      const c = empty(g.backend, g.dtype, []);
      g.backend.fill(c.storage, coef);
      g.backend.binary('mul', g.storage, c.storage, g.storage, [g.size], [1], [0]);
      c.dispose();
    }
  }
  return total;
}
