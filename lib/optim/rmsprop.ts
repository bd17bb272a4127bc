import type { OptimStepSpec } from '../backend/optim-spec.js';
import type { Tensor } from '../tensor.js';
import { type BaseOptions, Optimizer, type ParamGroupInput, check } from './optimizer.js';

export interface RMSpropOptions extends BaseOptions {
  /** Decay α of the running average of squared gradients, in [0, 1). */
  alpha: number;
  /** ε ≥ 0, added to the denominator (see epsInside). */
  eps: number;
  /** Momentum μ in [0, 1) on the scaled step; 0 turns it off. */
  momentum: number;
  /** Normalize by an estimate of the variance (s − a²) instead of the raw second moment. */
  centered: boolean;
  /**
   * Where ε goes: false (PyTorch, the default) divides by √s + ε; true (TensorFlow's
   * RMSProp kernel) divides by √(s + ε). The two differ noticeably while s is tiny.
   */
  epsInside: boolean;
}

const DEFAULTS: RMSpropOptions = {
  lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, epsInside: false,
};

/**
 * RMSprop. With p a parameter, g its gradient, η = lr, λ = weightDecay, each step is
 *
 *     g ← g + λ·p
 *     s ← α·s + (1 − α)·g²                    (s starts at 0)
 *     centered:  a ← α·a + (1 − α)·g,  σ² = s − a²;   otherwise σ² = s
 *     den = √σ² + ε,  or √(σ² + ε) with epsInside
 *     with momentum μ:  b ← μ·b + g / den,  p ← p − η·b
 *     otherwise:        p ← p − η·g / den
 *
 * (PyTorch's RMSprop with epsInside false.) State: 'squareAvg' (s), 'momentumBuffer' (b)
 * when μ > 0, 'gradAvg' (a) when centered.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  protected readonly allStateNames = ['squareAvg', 'momentumBuffer', 'gradAvg'];

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<RMSpropOptions>[], options?: Partial<RMSpropOptions>) {
    super('RMSprop', params, options, DEFAULTS);
  }

  protected validateOptions(o: RMSpropOptions, where: string): void {
    check.base(where, o);
    check.number(where, 'alpha', o.alpha, 0, 1, { hiOpen: true });
    check.number(where, 'eps', o.eps, 0, Infinity);
    check.number(where, 'momentum', o.momentum, 0, 1, { hiOpen: true });
    check.boolean(where, 'centered', o.centered);
    check.boolean(where, 'epsInside', o.epsInside);
  }

  protected stateNames(o: RMSpropOptions): string[] {
    return ['squareAvg', ...(o.momentum !== 0 ? ['momentumBuffer'] : []), ...(o.centered ? ['gradAvg'] : [])];
  }

  protected spec(o: RMSpropOptions): OptimStepSpec {
    return {
      rule: 'rmsprop', lr: o.lr, weightDecay: o.weightDecay, alpha: o.alpha, eps: o.eps, momentum: o.momentum,
      centered: o.centered, epsInside: o.epsInside,
    };
  }
}
