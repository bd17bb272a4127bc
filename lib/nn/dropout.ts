import { noGrad } from '../autograd/mode.js';
import { mul } from '../ops/binary.js';
import { rand } from '../ops/creation.js';
import { where } from '../ops/indexing.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface DropoutOptions {
  /** The fraction of units dropped, in [0, 1) (Keras' word; default 0.5). */
  rate?: number;
  /** The fraction kept, in (0, 1] (the course's keep_prob); give rate or keepProb. */
  keepProb?: number;
}

/**
 * Inverted dropout: in training mode each element is kept with probability keepProb and
 * scaled by 1/keepProb (so nothing changes at inference), else zeroed; in eval mode it is the
 * identity. The mask comes from the seeded generator (ng.seed): for one seed it is the same
 * on every backend, and it does not depend on x's dtype.
 */
export class Dropout extends Module {
  readonly rate: number;

  constructor(options: number | DropoutOptions = {}) {
    super();
    const o = typeof options === 'number' ? { rate: options } : options;
    if (o.rate !== undefined && o.keepProb !== undefined) throw new Error('Dropout: give rate or keepProb, not both');
    const rate = o.keepProb !== undefined ? 1 - o.keepProb : (o.rate ?? 0.5);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new Error(`Dropout: rate must be in [0, 1) (keepProb in (0, 1]), got ${o.keepProb !== undefined ? `keepProb ${o.keepProb}` : `rate ${String(o.rate)}`}`);
    }
    this.rate = rate;
  }

  get keepProb(): number {
    return 1 - this.rate;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.rate === 0) return x;
    const keep = this.keepProb;
    const mask = noGrad(() => {
      const u = rand(x.shape);
      const kept = u.less(keep);
      const m = where(kept, 1 / keep, 0);
      u.dispose();
      kept.dispose();
      return m;
    });
    const y = mul(x, mask);
    return y;
  }

  protected override extraRepr(): string {
    return `rate=${this.rate}`;
  }
}
