import type { OptimStepSpec } from '../backend/optim-spec.js';
import type { Tensor } from '../tensor.js';
import { type BaseOptions, Optimizer, type ParamGroupInput, check } from './optimizer.js';

export interface AdadeltaOptions extends BaseOptions {
  /** Decay ρ of both running averages, in [0, 1]. */
  rho: number;
  /** ε > 0, inside both square roots (it also sets the size of the first steps). */
  eps: number;
}

const DEFAULTS: AdadeltaOptions = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0 };

/**
 * Adadelta. It needs no learning rate: the step is the ratio of two running RMS values.
 * lr (default 1.0) only multiplies that step, as in Keras and PyTorch. With p a parameter,
 * g its gradient, η = lr, λ = weightDecay, each step is
 *
 *     g ← g + λ·p
 *     s ← ρ·s + (1 − ρ)·g²                  (s and u start at 0)
 *     δ = √(u + ε) / √(s + ε) · g
 *     u ← ρ·u + (1 − ρ)·δ²
 *     p ← p − η·δ
 *
 * State: 'squareAvg' (s), 'accDelta' (u).
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  protected readonly allStateNames = ['squareAvg', 'accDelta'];

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdadeltaOptions>[], options?: Partial<AdadeltaOptions>) {
    super('Adadelta', params, options, DEFAULTS);
  }

  protected validateOptions(o: AdadeltaOptions, where: string): void {
    check.base(where, o);
    check.number(where, 'rho', o.rho, 0, 1);
    check.number(where, 'eps', o.eps, 0, Infinity, { loOpen: true });
  }

  protected stateNames(): string[] {
    return ['squareAvg', 'accDelta'];
  }

  protected spec(o: AdadeltaOptions): OptimStepSpec {
    return { rule: 'adadelta', lr: o.lr, weightDecay: o.weightDecay, rho: o.rho, eps: o.eps };
  }
}
