import type { OptimStepSpec } from '../backend/optim-spec.js';
import type { Tensor } from '../tensor.js';
import { type BaseOptions, Optimizer, type ParamGroupInput, check } from './optimizer.js';

export interface AdamOptions extends BaseOptions {
  /** [β1, β2], each in [0, 1): decay of the first and second moment estimates. */
  betas: [number, number];
  /** ε ≥ 0, added to the denominator after bias correction. */
  eps: number;
  /** Use the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
}

const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false };
const STATE = ['expAvg', 'expAvgSq', 'maxExpAvgSq'];

/** What Adam and AdamW share: everything but where the weight decay goes. */
abstract class AdamFamily extends Optimizer<AdamOptions> {
  protected readonly allStateNames = STATE;
  protected abstract readonly decoupled: boolean;

  protected validateOptions(o: AdamOptions, where: string): void {
    check.base(where, o);
    check.betas(where, o.betas);
    check.number(where, 'eps', o.eps, 0, Infinity);
    check.boolean(where, 'amsgrad', o.amsgrad);
  }

  protected stateNames(o: AdamOptions): string[] {
    return o.amsgrad ? STATE : STATE.slice(0, 2);
  }

  protected spec(o: AdamOptions, t: number): OptimStepSpec {
    const [beta1, beta2] = o.betas;
    return {
      rule: 'adam', lr: o.lr, weightDecay: o.weightDecay, beta1, beta2, eps: o.eps,
      biasCorrection1: 1 - beta1 ** t, biasCorrection2: 1 - beta2 ** t, amsgrad: o.amsgrad, decoupled: this.decoupled,
    };
  }
}

/**
 * Adam with bias correction. With p a parameter, g its gradient, t the step number
 * (1 on the first update), η = lr, λ = weightDecay, each step is
 *
 *     g ← g + λ·p                                (L2 penalty; see AdamW for the decoupled form)
 *     m ← β1·m + (1 − β1)·g                      (m and v start at 0)
 *     v ← β2·v + (1 − β2)·g²
 *     m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t)   (amsgrad: v̄ ← max(v̄, v), v̂ = v̄ / (1 − β2^t))
 *     p ← p − η·m̂ / (√v̂ + ε)
 *
 * ε is added after the bias correction (PyTorch, the course); TensorFlow adds its ε̂ to √v
 * before the correction. State: 'expAvg' (m), 'expAvgSq' (v), 'maxExpAvgSq' (v̄) with amsgrad.
 */
export class Adam extends AdamFamily {
  protected readonly decoupled = false;

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdamOptions>[], options?: Partial<AdamOptions>) {
    super('Adam', params, options, ADAM_DEFAULTS);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter). The decay shrinks the
 * parameter directly instead of entering the gradient, so it is not rescaled by √v̂:
 *
 *     p ← p·(1 − η·λ)
 *     then Adam's update with g unchanged: m, v, m̂, v̂ as in Adam,  p ← p − η·m̂ / (√v̂ + ε)
 *
 * Default weightDecay 0.01 (PyTorch). Same state as Adam.
 */
export class AdamW extends AdamFamily {
  protected readonly decoupled = true;

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdamOptions>[], options?: Partial<AdamOptions>) {
    super('AdamW', params, options, { ...ADAM_DEFAULTS, weightDecay: 0.01 });
  }
}
