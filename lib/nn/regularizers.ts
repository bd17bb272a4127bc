import { mul } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';

/** What a regularizer is, for serialization: Keras' class name and config. */
export interface RegularizerConfig {
  className: 'L1' | 'L2' | 'L1L2';
  config: { l1: number; l2: number };
}

/**
 * A weight penalty added to the training loss. Convention (Keras'): l2(λ) adds λ·Σw² and
 * l1(λ) adds λ·Σ|w|, summed over the weight's elements and independent of the batch size.
 * The course writes L2 as (λ/2m)·Σ‖W‖²: that is l2(λ / (2·m)) for m training examples.
 * (Weight decay inside an optimizer is a different mechanism; see ng.optim.)
 */
export interface Regularizer {
  readonly l1: number;
  readonly l2: number;
  /** The penalty of one weight tensor: a scalar tensor of the weight's dtype, differentiable. */
  penalty(w: Tensor): Tensor;
  getConfig(): RegularizerConfig;
}

function checkFactor(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${fn}: ${name} must be a finite number >= 0, got ${String(v)}`);
  }
  return v;
}

class L1L2 implements Regularizer {
  constructor(readonly l1: number, readonly l2: number, private readonly className: RegularizerConfig['className']) {}

  penalty(w: Tensor): Tensor {
    let total: Tensor | null = null;
    if (this.l1 !== 0) total = mul(sum(w.abs()), this.l1);
    if (this.l2 !== 0) {
      const sq = mul(sum(w.square()), this.l2);
      total = total ? total.add(sq) : sq;
    }
    return total ?? mul(sum(w), 0);
  }

  getConfig(): RegularizerConfig {
    return { className: this.className, config: { l1: this.l1, l2: this.l2 } };
  }

  toString(): string {
    return `${this.className.toLowerCase()}(${this.className === 'L1L2' ? `l1=${this.l1}, l2=${this.l2}` : this.l1 || this.l2})`;
  }
}

/** λ·Σ|w| (Keras' default λ = 0.01). */
export function l1(lambda = 0.01): Regularizer {
  return new L1L2(checkFactor('l1', 'lambda', lambda), 0, 'L1');
}

/** λ·Σw² (Keras' default λ = 0.01). The course's (λ/2m)·Σw² is l2(λ / (2·m)). */
export function l2(lambda = 0.01): Regularizer {
  return new L1L2(0, checkFactor('l2', 'lambda', lambda), 'L2');
}

/** l1·Σ|w| + l2·Σw² (each default 0). */
export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  return new L1L2(checkFactor('l1l2', 'l1', options.l1 ?? 0), checkFactor('l1l2', 'l2', options.l2 ?? 0), 'L1L2');
}

/** A regularizer, its name ('l1', 'l2', 'l1l2' with defaults) or a serialized config. */
export type RegularizerLike = Regularizer | 'l1' | 'l2' | 'l1l2' | RegularizerConfig;

/** Resolves a RegularizerLike; null and undefined give null. */
export function getRegularizer(r: RegularizerLike | null | undefined): Regularizer | null {
  if (r === null || r === undefined) return null;
  if (typeof r === 'string') {
    switch (r.toLowerCase().replace(/_/g, '')) {
      case 'l1': return l1();
      case 'l2': return l2();
      case 'l1l2': return l1l2({ l1: 0.01, l2: 0.01 });
    }
    throw new Error(`regularizer: unknown name '${r}' (expected 'l1', 'l2' or 'l1l2')`);
  }
  if (typeof r === 'object' && typeof (r as Regularizer).penalty === 'function') return r as Regularizer;
  if (typeof r === 'object' && 'className' in r && r.config) {
    const { l1: a = 0, l2: b = 0 } = r.config;
    switch (r.className) {
      case 'L1': return l1(a);
      case 'L2': return l2(b);
      case 'L1L2': return l1l2({ l1: a, l2: b });
    }
  }
  throw new Error(`regularizer: expected a Regularizer, a name or a {className, config} object, got ${JSON.stringify(r)}`);
}
