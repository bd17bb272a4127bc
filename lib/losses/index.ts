import type { Tensor } from '../tensor.js';
import {
  type CrossEntropyOptions, type HuberOptions, type KLDivergenceOptions, binaryCrossentropy, categoricalCrossentropy,
  hinge, huber, kullbackLeiblerDivergence, meanAbsoluteError, meanSquaredError, sparseCategoricalCrossentropy,
  squaredHinge,
} from './functions.js';
import { Loss } from './modules.js';

export * from './functions.js';
export {
  BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, HuberLoss, KLDivergenceLoss, L1Loss, Loss, MSELoss,
  SquaredHingeLoss,
} from './modules.js';

/** Every loss function's options together (each loss reads the ones it knows). */
export type AnyLossOptions = CrossEntropyOptions & HuberOptions & KLDivergenceOptions;

/** A loss as a function of (yPred, yTrue), with optional settings. */
export type LossFunction = (yPred: Tensor, yTrue: Tensor, options?: AnyLossOptions) => Tensor;

const BY_NAME: Record<string, LossFunction> = {
  meansquarederror: meanSquaredError,
  mse: meanSquaredError,
  meanabsoluteerror: meanAbsoluteError,
  mae: meanAbsoluteError,
  l1: meanAbsoluteError,
  huber,
  huberloss: huber,
  hinge,
  squaredhinge: squaredHinge,
  binarycrossentropy: binaryCrossentropy,
  bce: binaryCrossentropy,
  categoricalcrossentropy: categoricalCrossentropy,
  sparsecategoricalcrossentropy: sparseCategoricalCrossentropy,
  kullbackleiblerdivergence: kullbackLeiblerDivergence,
  kldivergence: kullbackLeiblerDivergence,
  kld: kullbackLeiblerDivergence,
};

/**
 * A loss function by name, Keras spellings included and case-, '_'- and '-'-insensitive:
 * 'mse'/'meanSquaredError', 'mae'/'meanAbsoluteError', 'huber', 'hinge', 'squaredHinge',
 * 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
 * 'kld'/'kullbackLeiblerDivergence'. A function is returned as it is; a Loss module becomes
 * (yPred, yTrue) => module.call(yPred, yTrue). The cross-entropies take probabilities unless
 * called with { fromLogits: true }.
 */
export function getLoss(loss: string | LossFunction | Loss): LossFunction {
  if (loss instanceof Loss) return (yPred, yTrue) => loss.call(yPred, yTrue);
  if (typeof loss === 'function') return loss;
  const fn = typeof loss === 'string' ? BY_NAME[loss.toLowerCase().replace(/[_-]/g, '')] : undefined;
  if (!fn) {
    throw new Error(`getLoss: unknown loss ${JSON.stringify(loss)} (known: mse, mae, huber, hinge, squaredHinge, ` +
      'binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy, kld)');
  }
  return fn;
}
