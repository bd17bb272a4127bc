import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import {
  type CrossEntropyOptions, type HuberOptions, type KLDivergenceOptions, type LossOptions, type Reduction,
  binaryCrossentropy, categoricalCrossentropy, hinge, huber, kullbackLeiblerDivergence, meanAbsoluteError,
  meanSquaredError, squaredHinge,
} from './functions.js';

/** A loss as a module: call(yPred, yTrue) gives the loss with the module's reduction and settings. */
export abstract class Loss extends Module {
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}) {
    super();
    const reduction = options.reduction ?? 'mean';
    if (!['mean', 'sum', 'none'].includes(reduction)) {
      throw new Error(`${this.constructor.name}: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
    }
    this.reduction = reduction;
  }

  protected abstract compute(yPred: Tensor, yTrue: Tensor): Tensor;

  forward(yPred: Tensor, yTrue?: Tensor): Tensor {
    if (yTrue === undefined) throw new Error(`${this.constructor.name}: call(yPred, yTrue) needs the targets`);
    return this.compute(yPred, yTrue);
  }

  protected override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/** Mean squared error (see ng.losses.meanSquaredError). */
export class MSELoss extends Loss {
  protected compute(p: Tensor, t: Tensor): Tensor { return meanSquaredError(p, t, { reduction: this.reduction }); }
}

/** Mean absolute error (see ng.losses.meanAbsoluteError). */
export class L1Loss extends Loss {
  protected compute(p: Tensor, t: Tensor): Tensor { return meanAbsoluteError(p, t, { reduction: this.reduction }); }
}

/** Huber loss with threshold delta (default 1; see ng.losses.huber). */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(options: HuberOptions = {}) {
    super(options);
    this.delta = options.delta ?? 1;
  }
  protected compute(p: Tensor, t: Tensor): Tensor { return huber(p, t, { reduction: this.reduction, delta: this.delta }); }
}

/** Hinge loss on ±1 (or 0/1) labels (see ng.losses.hinge). */
export class HingeLoss extends Loss {
  protected compute(p: Tensor, t: Tensor): Tensor { return hinge(p, t, { reduction: this.reduction }); }
}

/** Squared hinge loss (see ng.losses.squaredHinge). */
export class SquaredHingeLoss extends Loss {
  protected compute(p: Tensor, t: Tensor): Tensor { return squaredHinge(p, t, { reduction: this.reduction }); }
}

type CrossEntropySettings = Omit<CrossEntropyOptions, 'reduction' | 'fromLogits'>;

/** Binary cross-entropy on probabilities (see ng.losses.binaryCrossentropy). */
export class BCELoss extends Loss {
  readonly settings: CrossEntropySettings;
  constructor(options: Omit<CrossEntropyOptions, 'fromLogits'> = {}) {
    super(options);
    this.settings = { labelSmoothing: options.labelSmoothing, eps: options.eps };
  }
  protected compute(p: Tensor, t: Tensor): Tensor {
    return binaryCrossentropy(p, t, { ...this.settings, reduction: this.reduction });
  }
}

/** Binary cross-entropy on logits, fused and stable (ng.sigmoidCrossEntropy underneath). */
export class BCEWithLogitsLoss extends Loss {
  readonly settings: CrossEntropySettings;
  constructor(options: Omit<CrossEntropyOptions, 'fromLogits'> = {}) {
    super(options);
    this.settings = { labelSmoothing: options.labelSmoothing };
  }
  protected compute(p: Tensor, t: Tensor): Tensor {
    return binaryCrossentropy(p, t, { ...this.settings, fromLogits: true, reduction: this.reduction });
  }
}

/**
 * Categorical cross-entropy, on logits by default (as PyTorch's CrossEntropyLoss; fromLogits:
 * false takes probabilities). Targets are int32 class indices or one-hot/probability rows.
 */
export class CrossEntropyLoss extends Loss {
  readonly fromLogits: boolean;
  readonly settings: CrossEntropySettings;
  constructor(options: CrossEntropyOptions = {}) {
    super(options);
    this.fromLogits = options.fromLogits ?? true;
    this.settings = { labelSmoothing: options.labelSmoothing, eps: options.eps };
  }
  protected compute(p: Tensor, t: Tensor): Tensor {
    return categoricalCrossentropy(p, t, { ...this.settings, fromLogits: this.fromLogits, reduction: this.reduction });
  }
}

/**
 * KL divergence Σ t·log(t/p) with yPred given as probabilities (Keras' convention; PyTorch's
 * KLDivLoss takes log-probabilities instead, hence the different name).
 */
export class KLDivergenceLoss extends Loss {
  readonly eps: number | undefined;
  constructor(options: KLDivergenceOptions = {}) {
    super(options);
    this.eps = options.eps;
  }
  protected compute(p: Tensor, t: Tensor): Tensor {
    return kullbackLeiblerDivergence(p, t, { reduction: this.reduction, eps: this.eps });
  }
}
