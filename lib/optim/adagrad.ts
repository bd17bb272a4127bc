import type { OptimStepSpec } from '../backend/optim-spec.js';
import type { Tensor } from '../tensor.js';
import { type BaseOptions, Optimizer, type ParamGroupInput, check } from './optimizer.js';

export interface AdagradOptions extends BaseOptions {
  /** Decay of the learning rate over steps (≥ 0). */
  lrDecay: number;
  /** The value the sum of squares starts at (≥ 0). */
  initialAccumulatorValue: number;
  /** ε ≥ 0, added to the denominator. */
  eps: number;
}

const DEFAULTS: AdagradOptions = { lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 };

/**
 * Adagrad. With p a parameter, g its gradient, t the step number (1 on the first update),
 * η = lr, λ = weightDecay, each step is
 *
 *     g ← g + λ·p
 *     η_t = η / (1 + (t − 1)·lrDecay)
 *     s ← s + g²                    (s starts at initialAccumulatorValue)
 *     p ← p − η_t·g / (√s + ε)
 *
 * (PyTorch's Adagrad.) State: 'sum' (s).
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  protected readonly allStateNames = ['sum'];

  constructor(params: readonly Tensor[] | readonly ParamGroupInput<AdagradOptions>[], options?: Partial<AdagradOptions>) {
    super('Adagrad', params, options, DEFAULTS);
  }

  protected validateOptions(o: AdagradOptions, where: string): void {
    check.base(where, o);
    check.number(where, 'lrDecay', o.lrDecay, 0, Infinity);
    check.number(where, 'initialAccumulatorValue', o.initialAccumulatorValue, 0, Infinity);
    check.number(where, 'eps', o.eps, 0, Infinity);
  }

  protected stateNames(): string[] {
    return ['sum'];
  }

  protected override initialValue(o: AdagradOptions): number {
    return o.initialAccumulatorValue;
  }

  protected spec(o: AdagradOptions, t: number): OptimStepSpec {
    return { rule: 'adagrad', lr: o.lr / (1 + (t - 1) * o.lrDecay), weightDecay: o.weightDecay, eps: o.eps };
  }
}
