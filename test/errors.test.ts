// Bad input gets an Error naming the op and the shapes or values, on every backend.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { CONFIGS, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

describe.each(CONFIGS)('bad input on $label', (config) => {
  it('shape mismatches name the op and both shapes', () => {
    use(config);
    expect(() => ng.add(ng.zeros([2, 3]), ng.zeros([4]))).toThrow(/add: shapes \[2,3\] and \[4\] cannot be broadcast/);
    expect(() => ng.matmul(ng.zeros([2, 3]), ng.zeros([4, 5]))).toThrow(/matmul: inner dimensions differ: \[2,3\] × \[4,5\]/);
    expect(() => ng.zeros([2, 3]).reshape([4, 2])).toThrow(/reshape: cannot reshape \[2,3\] \(size 6\) into \[4,2\]/);
    expect(() => ng.concat([ng.zeros([2, 3]), ng.zeros([2, 4])], 0)).toThrow(/concat: shapes \[2,3\], \[2,4\] differ outside axis 0/);
    expect(() => ng.stack([ng.zeros([2]), ng.zeros([3])])).toThrow(/stack: shapes differ/);
    expect(() => ng.zeros([2, 3]).slice([1, 1], [2, 1])).toThrow(/slice: .* out of bounds for \[2,3\]/);
  });

  it('bad axes', () => {
    use(config);
    expect(() => ng.zeros([2, 3]).sum(2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
    expect(() => ng.zeros([2, 3]).mean([0, 0])).toThrow(/mean: repeated axis/);
    expect(() => ng.zeros([2, 3]).argmax(-3)).toThrow(/argmax: axis -3 is out of range/);
    expect(() => ng.zeros([2, 3]).transpose([0, 0])).toThrow(/transpose: \[0,0\] is not a permutation/);
    expect(() => ng.zeros([0]).max()).toThrow(/max: cannot reduce the empty axes/);
    expect(() => ng.zeros([0]).argmax()).toThrow(/argmax: cannot take the argmax of an empty axis/);
  });

  it('wrong dtypes', () => {
    use(config);
    expect(() => ng.matmul(ng.zeros([2, 2], 'int32'), ng.zeros([2, 2]))).toThrow(/matmul: expected float32 or float64 operands, got int32 and float32/);
    expect(() => ng.zeros([2], 'float16' as ng.DType)).toThrow(/full: unknown dtype float16/);
    expect(() => ng.randn([2], { dtype: 'int32' as 'float32' })).toThrow(/randn: dtype must be float32 or float64, got int32/);
    expect(() => ng.concat([ng.zeros([2]), ng.zeros([2], 'int32')])).toThrow(/concat: dtypes differ/);
  });

  it('ragged arrays, NaN and negative shapes, non-tensors', () => {
    use(config);
    expect(() => ng.tensor([[1, 2], [3]])).toThrow(/tensor: ragged nested array: \[1\] has length 1, expected length 2/);
    expect(() => ng.tensor([[1, 2], 3] as never)).toThrow(/tensor: ragged nested array/);
    expect(() => ng.tensor([1, 'a'] as never)).toThrow(/tensor: expected a number at \[1\], got string/);
    expect(() => ng.zeros([2, NaN])).toThrow(/full: shape must be an array of non-negative integers, got \[2,NaN\]/);
    expect(() => ng.zeros([-1])).toThrow(/full: shape must be an array of non-negative integers, got \[-1\]/);
    expect(() => ng.ones([1.5])).toThrow(/shape must be an array of non-negative integers/);
    expect(() => ng.tensor([1, 2, 3], [2, 2])).toThrow(/tensor: 3 values do not fit shape \[2,2\]/);
    expect(() => ng.add({} as ng.Tensor, 1)).toThrow(/add: a must be a Tensor, got Object/);
    expect(() => ng.sum(null as unknown as ng.Tensor)).toThrow(/sum: x must be a Tensor, got null/);
    expect(() => ng.zeros([2 ** 30, 2 ** 30])).toThrow(/too large/);
    expect(() => ng.arange(0, 10, 0)).toThrow(/arange: step must not be 0/);
    expect(() => ng.seed(-1)).toThrow(/seed: expected a non-negative integer/);
  });

  it('use after dispose is an error, and dispose twice is harmless', () => {
    use(config);
    const t = ng.ones([3]);
    t.dispose();
    t.dispose();
    expect(() => t.dataSync()).toThrow(/dataSync: tensor \[3\] float32 was disposed/);
    expect(() => t.add(1)).toThrow(/add: tensor \[3\] float32 was disposed/);
  });
});

describe('backend selection errors', () => {
  it('setBackend and setIsa reject unknown or unsupported names', () => {
    expect(() => ng.setBackend('gpu' as ng.BackendName)).toThrow(/setBackend: unknown backend 'gpu'/);
    ng.setBackend('native');
    expect(() => ng.setIsa('sse9')).toThrow(/setIsa: unknown ISA 'sse9'/);
    if (!CONFIGS.some((c) => c.isa === 'avx512')) {
      expect(() => ng.setIsa('avx512')).toThrow(/setIsa: this CPU cannot run the 'avx512' path/);
    }
    expect(() => ng.setNumThreads(0)).toThrow(/setNumThreads: expected an integer in \[1, 256\]/);
    ng.setBackend('js');
  });
});
