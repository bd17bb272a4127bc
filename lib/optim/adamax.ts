import type { OptimStepSpec } from '../backend/optim-spec.js';
import type { Tensor } from '../tensor.js';
import { type BaseOptions, Optimizer, type ParamGroupInput, check } from './optimizer.js';

export interface AdamaxOptions extends BaseOptions {
  /** [β1, β2], each in [0, 1). */
  betas: [number, number];
  /** ε > 0, added to |g| in the infinity norm (it keeps u above 0). */
  eps: number;
}

const DEFAULTS: AdamaxOptions = { lr: 0.002, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };

/**
 * Adamax, Adam with the infinity norm. With p a parameter, g its gradient, t the step
 * number (1 on the first update), η = lr, λ = weightDecay, each step is
 *
 *     g ← g + λ·p
 *     m ← β1·m + (1 − β1)·g                 (m and u start at 0)
 *     u ← max(β2·u, |g| + ε)
 *     p ← p − (η / (1 − β1^t))·m / u
 *
 * (PyTorch's Adamax; Keras adds ε to u in the division instead.) State: 'expAvg' (m),
 * 'expInf' (u).
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  protected readonly allStateNames = ['expAvg', 'expInf'];

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdamaxOptions>[], options?: Partial<AdamaxOptions>) {
    super('Adamax', params, options, DEFAULTS);
  }

  protected validateOptions(o: AdamaxOptions, where: string): void {
    check.base(where, o);
    check.betas(where, o.betas);
    check.number(where, 'eps', o.eps, 0, Infinity, { loOpen: true });
  }

  protected stateNames(): string[] {
    return ['expAvg', 'expInf'];
  }

  protected spec(o: AdamaxOptions, t: number): OptimStepSpec {
    const [beta1, beta2] = o.betas;
    return { rule: 'adamax', lr: o.lr, weightDecay: o.weightDecay, beta1, beta2, eps: o.eps, biasCorrection1: 1 - beta1 ** t };
  }
}
