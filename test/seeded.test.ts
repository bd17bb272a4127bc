// One seed gives bit-identical random tensors on every backend and ISA path.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

function draw(): number[][] {
  ng.seed(1234);
  return [
    Array.from(ng.rand([1001]).dataSync()),
    Array.from(ng.randn([7, 13]).dataSync()),
    Array.from(ng.rand([33], { dtype: 'float64', lo: -3, hi: 5 }).dataSync()),
    Array.from(ng.randn([2, 2, 5], { dtype: 'float64', mean: 1, std: 0.01 }).dataSync()),
    Array.from(ng.randn([100_003]).dataSync()),
  ];
}

describe('seeded random tensors', () => {
  const reference = (() => {
    ng.setBackend('js');
    return draw();
  })();

  it.each(CONFIGS)('$label draws the same bits as js', (config) => {
    use(config);
    const got = draw();
    got.forEach((values, i) => expect(Object.is(values.length, reference[i]!.length)).toBe(true));
    got.forEach((values, i) => expect(values).toEqual(reference[i]));
  });

  it('successive draws differ, and reseeding repeats them', () => {
    ng.setBackend('js');
    ng.seed(5);
    const a = ng.rand([4]).toArray();
    const b = ng.rand([4]).toArray();
    expect(a).not.toEqual(b);
    ng.seed(5);
    expect(ng.rand([4]).toArray()).toEqual(a);
  });

  it('has the right moments', () => {
    ng.setBackend('native');
    ng.seed(9);
    const n = ng.randn([200_000], { mean: 2, std: 3 });
    expect(n.mean().item()).toBeCloseTo(2, 1);
    const centered = n.sub(2);
    expect(Math.sqrt(centered.mul(centered).mean().item())).toBeCloseTo(3, 1);
    const u = ng.rand([200_000], { lo: -1, hi: 1 });
    expect(u.min().item()).toBeGreaterThanOrEqual(-1);
    expect(u.max().item()).toBeLessThan(1);
    expect(u.mean().item()).toBeCloseTo(0, 1);
  });
});
