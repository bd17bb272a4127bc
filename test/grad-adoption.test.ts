// backward() hands a leaf its gradient without a copy only when nothing else can see that
// buffer; these cases must still get a gradient of their own.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

describe.each(CONFIGS)('leaf gradients on $label', (config) => {
  it('two leaves fed the same gradient tensor get independent grads', () => {
    use(config);
    const a = ng.tensor([1, 2, 3]);
    const b = ng.tensor([4, 5, 6]);
    a.requiresGrad = true;
    b.requiresGrad = true;
    a.add(b).backward(ng.tensor([1, 1, 1]));
    ng.optim.clipGradValue([a], 0.25);  // in place on a.grad
    expect(Array.from(a.grad!.dataSync())).toEqual([0.25, 0.25, 0.25]);
    expect(Array.from(b.grad!.dataSync())).toEqual([1, 1, 1]);
  });

  it("the caller's seed gradient is never adopted", () => {
    use(config);
    const a = ng.tensor([1, 2]);
    a.requiresGrad = true;
    const seed = ng.tensor([3, 4]);
    a.mul(1).reshape([2]).backward(seed);
    a.grad!.dispose();
    expect(Array.from(seed.dataSync())).toEqual([3, 4]);
    const c = ng.tensor([5, 6]);
    c.requiresGrad = true;
    c.backward(seed);  // a leaf as the root: its seed is the caller's tensor
    c.grad!.dispose();
    expect(seed.isDisposed).toBe(false);
  });

  it('a gradient that is a view of another tensor is copied', () => {
    use(config);
    const w = ng.tensor([[1, 2], [3, 4]]);
    w.requiresGrad = true;
    const flat = w.reshape([4]);
    flat.sum().backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([1, 1, 1, 1]);
    expect(w.grad!.ownsBufferAlone).toBe(true);
  });
});
