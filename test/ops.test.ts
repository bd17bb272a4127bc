// Every op on every backend and ISA path, checked against the js backend (the oracle).
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, type Config, lcg, maxAbsDiff, onJs, randomArray, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

const DTYPES: ng.DType[] = ['float32', 'float64', 'int32'];

function randomShape(rnd: () => number, rank: number, maxDim = 7): number[] {
  return Array.from({ length: rank }, () => 1 + Math.floor(rnd() * maxDim));
}

/** b's shape: a suffix of a's shape with some dims set to 1, to exercise broadcasting. */
function broadcastPartner(rnd: () => number, shape: number[]): number[] {
  const keep = Math.floor(rnd() * (shape.length + 1));
  return shape.slice(shape.length - keep).map((d) => (rnd() < 0.4 ? 1 : d));
}

/** Runs fn on config and on js with the same inputs and compares the outputs. */
function agree(config: Config, inputs: { shape: number[]; data: ng.TypedArray }[],
  fn: (...xs: ng.Tensor[]) => ng.Tensor, tol: number): void {
  const make = () => inputs.map(({ shape, data }) => ng.tensor(data, shape));
  const expected = onJs(config, () => {
    const r = fn(...make());
    return { shape: r.shape.slice(), dtype: r.dtype, data: Array.from(r.dataSync()) };
  });
  const r = fn(...make());
  expect(r.shape).toEqual(expected.shape);
  expect(r.dtype).toBe(expected.dtype);
  expect(maxAbsDiff(r.dataSync(), expected.data)).toBeLessThanOrEqual(tol);
}

describe.each(CONFIGS)('ops on $label', (config) => {
  it('reports its backend and path', () => {
    use(config);
    expect(ng.getBackend()).toBe(config.backend === 'js' ? 'js' : `${config.backend}/${config.isa}`);
  });

  it.each(DTYPES)('add/sub/mul/maximum/minimum broadcast like the oracle (%s)', (dtype) => {
    use(config);
    const rnd = lcg(7);
    for (let trial = 0; trial < 40; trial++) {
      const sa = randomShape(rnd, Math.floor(rnd() * 5));
      const sb = broadcastPartner(rnd, sa);
      const [x, y] = rnd() < 0.5 ? [sa, sb] : [sb, sa];
      const inputs = [x, y].map((shape) => ({ shape, data: randomArray(shape.reduce((p, d) => p * d, 1), rnd, dtype) }));
      for (const op of ['add', 'sub', 'mul', 'maximum', 'minimum'] as const) {
        agree(config, inputs, (a, b) => ng[op](a!, b!), 0);
      }
    }
  });

  it('div is true division, also for int32', () => {
    use(config);
    const rnd = lcg(3);
    for (const dtype of DTYPES) {
      const inputs = [[3, 4], [4]].map((shape) => ({ shape, data: randomArray(shape.reduce((p, d) => p * d, 1), rnd, dtype) }));
      agree(config, inputs, (a, b) => a!.div(b!), 0);
    }
    expect(ng.tensor([7, -7], [2], 'int32').div(ng.tensor([2, 2], [2], 'int32')).toArray()).toEqual([3.5, -3.5]);
  });

  it('mixes numbers and dtypes with promotion', () => {
    use(config);
    const i = ng.tensor([1, 2, 3], [3], 'int32');
    expect(i.add(2).dtype).toBe('int32');
    expect(i.add(0.5).dtype).toBe('float32');
    expect(i.add(0.5).toArray()).toEqual([1.5, 2.5, 3.5]);
    expect(i.mul(ng.tensor([2], [1], 'float64')).dtype).toBe('float64');
    expect(ng.sub(10, i).toArray()).toEqual([9, 8, 7]);
    expect(i.add(2 ** 31 - 1).toArray()).toEqual([-(2 ** 31), -(2 ** 31) + 1, -(2 ** 31) + 2]);  // int32 wraps
  });

  it.each(['sum', 'mean', 'max', 'min'] as const)('%s over random axes with keepDims', (op) => {
    use(config);
    const rnd = lcg(11);
    for (const dtype of DTYPES) {
      for (let trial = 0; trial < 25; trial++) {
        const shape = randomShape(rnd, 1 + Math.floor(rnd() * 4), 9);
        const data = randomArray(shape.reduce((p, d) => p * d, 1), rnd, dtype);
        const axes = shape.map((_, i) => i).filter(() => rnd() < 0.5);
        const axis = rnd() < 0.2 ? undefined : rnd() < 0.3 && axes.length ? axes[0]! - shape.length : axes;
        const keepDims = rnd() < 0.5;
        agree(config, [{ shape, data }], (x) => x!.astype(dtype)[op](axis, keepDims), dtype === 'int32' && op !== 'mean' ? 0 : 2e-5);
      }
    }
  });

  it('reduces large rows accurately and propagates NaN in max/min', () => {
    use(config);
    const n = 100_003;
    const x = ng.tensor(new Float32Array(n).fill(0.1));
    expect(x.sum().item()).toBeCloseTo(n * 0.1, 0);
    expect(x.mean().item()).toBeCloseTo(0.1, 5);
    const withNaN = ng.tensor([1, NaN, 3]);
    expect(withNaN.max().item()).toBeNaN();
    expect(withNaN.min().item()).toBeNaN();
    expect(withNaN.argmax().item()).toBe(1);
    expect(ng.zeros([0, 3]).sum(0).toArray()).toEqual([0, 0, 0]);
  });

  it('argmax/argmin over each axis', () => {
    use(config);
    const rnd = lcg(5);
    for (let trial = 0; trial < 20; trial++) {
      const shape = randomShape(rnd, 1 + Math.floor(rnd() * 3), 8);
      const data = randomArray(shape.reduce((p, d) => p * d, 1), rnd, 'float32');
      const axis = Math.floor(rnd() * shape.length);
      agree(config, [{ shape, data }], (x) => x!.argmax(axis), 0);
      agree(config, [{ shape, data }], (x) => x!.argmin(axis, true), 0);
      agree(config, [{ shape, data }], (x) => x!.argmax(), 0);
    }
    expect(ng.tensor([[1, 9, 9], [7, 2, 7]]).argmax(1).toArray()).toEqual([1, 0]);
  });

  it('transpose, permute, slice, concat, stack, reshape, astype', () => {
    use(config);
    const rnd = lcg(13);
    for (let trial = 0; trial < 20; trial++) {
      const shape = randomShape(rnd, 1 + Math.floor(rnd() * 4), 6);
      const data = randomArray(shape.reduce((p, d) => p * d, 1), rnd, 'float32');
      const perm = shape.map((_, i) => i).sort(() => rnd() - 0.5);
      agree(config, [{ shape, data }], (x) => x!.transpose(perm), 0);
      agree(config, [{ shape, data }], (x) => x!.transpose(), 0);
      const begin = shape.map((d) => Math.floor(rnd() * d));
      const size = shape.map((d, i) => (rnd() < 0.3 ? -1 : Math.floor(rnd() * (d - begin[i]! + 1))));
      agree(config, [{ shape, data }], (x) => x!.slice(begin, size), 0);
      const axis = Math.floor(rnd() * shape.length);
      agree(config, [{ shape, data }, { shape, data }], (x, y) => ng.concat([x!, y!, x!], axis), 0);
      agree(config, [{ shape, data }, { shape, data }], (x, y) => ng.stack([x!, y!], axis), 0);
      agree(config, [{ shape, data }], (x) => x!.reshape([-1]).reshape(shape.slice().reverse()), 0);
      for (const dt of DTYPES) agree(config, [{ shape, data }], (x) => x!.mul(40).astype(dt), 0);
    }
    expect(ng.tensor([1.9, -1.9, NaN, 3e10, -3e10]).astype('int32').toArray())
      .toEqual([1, -1, 0, 2147483647, -2147483648]);
    expect(ng.permute(ng.zeros([2, 3, 4]), 2, 0, 1).shape).toEqual([4, 2, 3]);
    expect(ng.zeros([2, 1, 3]).squeeze().shape).toEqual([2, 3]);
    expect(ng.zeros([2, 3]).expandDims(1).shape).toEqual([2, 1, 3]);
  });

  it('matmul: 2-D, vectors, transposes, broadcast batches, fused bias and activation', () => {
    use(config);
    if (config.backend === 'js') return;  // js is the oracle itself
    const rnd = lcg(17);
    const cases: [number[], number[], ng.MatmulOptions][] = [
      [[5, 7], [7, 3], {}],
      [[7], [7, 4], {}],
      [[3, 7], [7], {}],
      [[2, 1, 4, 6], [3, 6, 5], {}],
      [[4, 5, 3, 4], [5, 4, 2], {}],  // 20 products: a meta list too long to be held in place
      [[6, 4], [5, 6], { transposeA: true, transposeB: true }],
      [[33, 65], [65, 17], { activation: 'relu' }],
      [[9, 8], [8, 10], { activation: 'sigmoid' }],
      [[9, 8], [8, 10], { activation: 'tanh' }],
      [[9, 8], [8, 10], { activation: 'leakyRelu' }],
      [[0, 8], [8, 10], {}],
      [[4, 0], [0, 10], {}],
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [sa, sb, opts] of cases) {
        const n = sb.length === 1 ? 1 : opts.transposeB ? sb.at(-2)! : sb.at(-1)!;
        const withBias = sa.length === 2 && sb.length === 2;
        const inputs = [sa, sb, [n]].map((shape) => ({ shape, data: randomArray(shape.reduce((p, d) => p * d, 1), rnd, dtype) }));
        agree(config, inputs, (a, b, bias) => ng.matmul(a!, b!, { ...opts, bias: withBias ? bias : undefined }),
          dtype === 'float32' ? 1e-5 : 1e-12);
      }
    }
  });

  it('shapes are frozen copies, shared between tensors only when equal', () => {
    use(config);
    const dims = [3, 4];
    const a = ng.zeros(dims);
    dims[0] = 5;  // the caller's array is copied, not kept
    expect(a.shape).toEqual([3, 4]);
    expect(Object.isFrozen(a.shape)).toBe(true);
    expect(() => { (a.shape as number[])[0] = 9; }).toThrow(TypeError);
    const b = ng.ones([3, 4]);
    expect(b.shape).toEqual([3, 4]);
    expect(ng.zeros([4, 3]).shape).toEqual([4, 3]);
    expect(ng.zeros([2 ** 13, 1, 1, 1]).shape).toEqual([2 ** 13, 1, 1, 1]);  // past the interned range
    const big = ng.zeros([1, 2, 1, 1, 3]);  // rank 5: frozen, not interned
    expect(big.shape).toEqual([1, 2, 1, 1, 3]);
    expect(Object.isFrozen(big.shape)).toBe(true);
    expect(Object.isFrozen(ng.tensor(1).shape)).toBe(true);
    for (const t of [a, b, big]) t.dispose();
  });

  it('creation: zeros, ones, full, arange, eye, tensor from nested and typed arrays', () => {
    use(config);
    expect(ng.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ng.ones([3], 'int32').toArray()).toEqual([1, 1, 1]);
    expect(ng.full([2], 2.5, 'float64').toArray()).toEqual([2.5, 2.5]);
    expect(ng.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(ng.arange(1, 2, 0.25, 'float64').toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(ng.arange(5, 0, -2, 'int32').toArray()).toEqual([5, 3, 1]);
    expect(ng.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    const t = ng.tensor(new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(ng.tensor(3).shape).toEqual([]);
    expect(ng.tensor(3).toArray()).toBe(3);
    expect(ng.tensor([[1, 2]], { dtype: 'float64' }).dtype).toBe('float64');
    expect(ng.tensor([]).shape).toEqual([0]);
  });

  it('reads out with dataSync, data() and toArray', async () => {
    use(config);
    const t = ng.tensor([[1, 2], [3, 4]]);
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4]);
    expect(t.dataSync()).toBeInstanceOf(Float32Array);
  });
});
