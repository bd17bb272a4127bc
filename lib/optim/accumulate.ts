import { tidy } from '../memory.js';
import { Tensor } from '../tensor.js';

/**
 * Gradient accumulation over k micro-batches: for i = 0 .. k − 1 it calls lossOf(i),
 * backpropagates loss_i / k (adding to each parameter's .grad) and releases the graph; it
 * returns the mean of the k losses. Call optimizer.zeroGrad() before and optimizer.step()
 * after:
 *
 *     opt.zeroGrad();
 *     const loss = accumulateGradients(4, (i) => model(xs[i]).softmaxCrossEntropy(ys[i]));
 *     opt.step();
 *
 * When each loss_i is the mean over a micro-batch of b examples, the accumulated gradient
 * is the gradient of the mean loss over all k·b examples, so the step equals one step on a
 * batch k times larger (layers whose output depends on the batch, such as batch
 * normalization, are the exception). For a loss summed over examples, call backward() on
 * each micro-batch's loss instead: sums need no scaling.
 */
export function accumulateGradients(k: number, lossOf: (i: number) => Tensor): number {
  const fn = 'accumulateGradients';
  if (!Number.isInteger(k) || k < 1) throw new Error(`${fn}: k must be an integer >= 1, got ${String(k)}`);
  if (typeof lossOf !== 'function') throw new Error(`${fn}: lossOf must be a function (i) => loss tensor`);
  let total = 0;
  for (let i = 0; i < k; i++) {
    tidy(() => {
      const loss = lossOf(i);
      if (!(loss instanceof Tensor) || loss.size !== 1) {
        throw new Error(`${fn}: lossOf(${i}) must return a one-element Tensor, got ${loss instanceof Tensor ? `shape [${loss.shape.join(', ')}]` : typeof loss}`);
      }
      if (!loss.requiresGrad) throw new Error(`${fn}: lossOf(${i}) returned a loss that does not depend on any parameter requiring grad`);
      loss.div(k).backward();
      total += loss.item();
    });
  }
  return total / k;
}
