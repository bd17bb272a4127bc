import type { OptimStepSpec } from '../backend/optim-spec.js';
import type { Tensor } from '../tensor.js';
import { type BaseOptions, Optimizer, type ParamGroupInput, check } from './optimizer.js';

export interface SGDOptions extends BaseOptions {
  /** Momentum μ in [0, 1); 0 turns momentum off. */
  momentum: number;
  /**
   * How the gradient enters the velocity: 'none' (PyTorch, the default): v ← μv + g;
   * 'ema' (an exponential moving average, the deep-learning course's form): v ← μv + (1 − μ)g.
   */
  dampening: 'none' | 'ema';
  /** Nesterov momentum (needs momentum > 0). */
  nesterov: boolean;
}

const DEFAULTS: SGDOptions = { lr: 0.01, momentum: 0, dampening: 'none', nesterov: false, weightDecay: 0 };

/**
 * Stochastic gradient descent, with optional momentum (two forms), Nesterov momentum and
 * weight decay. Batch, mini-batch and stochastic gradient descent are all this rule: they
 * differ only in how many examples the loss (hence the gradient) averages over — the whole
 * training set, a mini-batch, or one example.
 *
 * With p a parameter, g its gradient, η = lr, λ = weightDecay, μ = momentum, each step is
 *
 *     g ← g + λ·p
 *     without momentum:  p ← p − η·g
 *     with momentum:     v ← μ·v + c·g          (v starts at 0; c = 1 for dampening 'none',
 *                                               c = 1 − μ for dampening 'ema')
 *                        d = v, or with Nesterov d = c·g + μ·v
 *                        p ← p − η·d
 *
 * dampening 'none' is PyTorch's SGD (its first step v = g is the same as v ← 0·μ + g);
 * 'ema' is v = βv + (1 − β)dW of the deep-learning course, with v₀ = 0 and no bias
 * correction. State: 'momentumBuffer' (v) when μ > 0.
 */
export class SGD extends Optimizer<SGDOptions> {
  protected readonly allStateNames = ['momentumBuffer'];

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<SGDOptions>[], options?: Partial<SGDOptions>) {
    super('SGD', params, options, DEFAULTS);
  }

  protected validateOptions(o: SGDOptions, where: string): void {
    check.base(where, o);
    check.number(where, 'momentum', o.momentum, 0, 1, { hiOpen: true });
    if (o.dampening !== 'none' && o.dampening !== 'ema') {
      throw new Error(`${where}: dampening must be 'none' or 'ema', got ${String(o.dampening)}`);
    }
    check.boolean(where, 'nesterov', o.nesterov);
    if (o.nesterov && o.momentum === 0) throw new Error(`${where}: nesterov needs momentum > 0`);
  }

  protected stateNames(o: SGDOptions): string[] {
    return o.momentum !== 0 ? ['momentumBuffer'] : [];
  }

  protected spec(o: SGDOptions): OptimStepSpec {
    return {
      rule: 'sgd', lr: o.lr, weightDecay: o.weightDecay, momentum: o.momentum,
      gradScale: o.dampening === 'ema' ? 1 - o.momentum : 1, nesterov: o.nesterov,
    };
  }
}
