// A dense layer keeps its weight packed for the GEMM between products that record no
// gradient (native): the packed products must equal the plain ones bitwise, and any change
// of the weight (optimizer step, loadStateDict, another kernel path) must be seen at once.
import { afterAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { backendNamed } from '../lib/backend/registry.js';
import { CONFIGS, NATIVE_ISAS, lcg, use } from './backends.js';

afterAll(() => ng.setBackend('js'));

function rnd(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): ng.Tensor {
  const r = lcg(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  return ng.tensor(Float64Array.from({ length: n }, () => r() * 2 - 1), shape, dtype);
}

function bits(t: ng.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** What the layer computes, through plain matmul (which never uses a packing). */
function reference(layer: ng.nn.Linear, x: ng.Tensor, activation: 'relu' | 'none'): ng.Tensor {
  return ng.noGrad(() => ng.matmul(x, layer.weight, { bias: layer.bias ?? undefined, activation }));
}

describe.each(CONFIGS)('Linear with a packed weight on $label', (config) => {
  it('inference products equal matmul bitwise, for any rows, leading dims and dtype', () => {
    use(config);
    for (const dtype of ['float32', 'float64'] as const) {
      const layer = new ng.nn.Linear(300, 45, { activation: 'relu', dtype });
      for (const [shape, seed] of [[[1, 300], 1], [[7, 300], 2], [[33, 300], 3], [[2, 5, 300], 4]] as const) {
        const x = rnd([...shape], seed, dtype);
        const y = ng.noGrad(() => layer.call(x));
        expect(y.shape).toEqual([...shape.slice(0, -1), 45]);
        expect(bits(y)).toEqual(bits(reference(layer, x, 'relu')));
      }
    }
  });

  it('sees optimizer steps, loadStateDict and in-place overwrites at once', () => {
    use(config);
    ng.seed(5);
    const layer = new ng.nn.Linear(64, 20);
    const x = rnd([9, 64], 6);
    const first = bits(ng.noGrad(() => layer.call(x)));
    // A training step in between: the next inference product must use the new weight.
    const opt = new ng.optim.SGD(layer.parameters(), { lr: 0.5 });
    const loss = layer.call(x).square().mean();
    loss.backward();
    opt.step();
    const afterStep = bits(ng.noGrad(() => layer.call(x)));
    expect(afterStep).not.toEqual(first);
    expect(afterStep).toEqual(bits(reference(layer, x, 'none')));
    // Weights loaded from elsewhere.
    const other = new ng.nn.Linear(64, 20);
    layer.loadStateDict(other.stateDict());
    expect(bits(ng.noGrad(() => layer.call(x)))).toEqual(bits(ng.noGrad(() => other.call(x))));
    // A write through a reshaped view of the weight (same buffer).
    layer.weight.reshape([20, 64]).overwrite(new Float32Array(64 * 20).fill(0.125));
    expect(bits(ng.noGrad(() => layer.call(x)))).toEqual(bits(reference(layer, x, 'none')));
  });

  it('records gradients as before when they are wanted', () => {
    use(config);
    const layer = new ng.nn.Linear(16, 3);
    const x = rnd([4, 16], 7);
    ng.noGrad(() => layer.call(x));  // builds the packing
    const y = layer.call(x);
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expect(layer.weight.grad?.shape).toEqual([16, 3]);
  });
});

describe.each(NATIVE_ISAS)('packed weight and the kernel path, native/%s', (isa) => {
  it('packs again for the active path when it changes', () => {
    ng.setBackend('native');
    const layer = new ng.nn.Linear(200, 70, { activation: 'relu' });
    const x = rnd([10, 200], 8);
    const results = [];
    for (const path of [isa, ...NATIVE_ISAS.filter((p) => p !== isa)]) {
      ng.setIsa(path);
      const y = ng.noGrad(() => layer.call(x));
      expect(bits(y), path).toEqual(bits(reference(layer, x, 'relu')));
      results.push(y);
    }
    ng.setIsa(isa);
    ng.dispose(results);
  });
});

describe('native packB / gemmPacked errors', () => {
  const native = (() => {
    try {
      return backendNamed('native');
    } catch {
      return null;
    }
  })();
  it.runIf(native !== null)('name the call and the problem, and never crash', () => {
    const be = native!;
    const b = be.upload('float32', new Float32Array(12).fill(1));
    const a = be.upload('float32', new Float32Array(8).fill(1));
    const c = be.alloc('float32', 6);
    const spec = { m: 2, n: 3, k: 4, transA: false, transB: false, lda: 4, ldb: 3, ldc: 3, aOffset: 0, bOffset: 0, cOffset: 0, alpha: 1, beta: 0, activation: 'none' as const };
    expect(() => be.packB!(b, { k: 4, n: 4, transB: false, ldb: 4, bOffset: 0 })).toThrow(/packB: .*b/);
    const packed = be.packB!(b, { k: 4, n: 3, transB: false, ldb: 3, bOffset: 0 });
    be.gemmPacked!(a, packed, c, spec);
    expect(Array.from(be.read(c))).toEqual([4, 4, 4, 4, 4, 4]);
    expect(() => be.gemmPacked!(a, packed, c, { ...spec, n: 2, ldc: 2 })).toThrow(/gemmPacked: .*packed B is 4x3/);
    expect(() => be.gemmPacked!(a, packed, c, { ...spec, m: 3 })).toThrow(/gemmPacked: .*a/);
    const d = be.upload('float64', new Float64Array(8));
    expect(() => be.gemmPacked!(d, packed, c, spec)).toThrow(/gemmPacked: .*float/);
    const foreign = { dtype: 'float32' as const, k: 4, n: 3, isa: 'avx2' };
    expect(() => be.gemmPacked!(a, foreign, c, spec)).toThrow(/gemmPacked: the packed operand does not come from this backend/);
    // The addon itself refuses any object it did not make (type tag), whatever its fields.
    const forged = Object.assign(Object.create(Object.getPrototypeOf(packed) as object) as object, { ...packed, handle: { k: 4 } });
    expect(() => be.gemmPacked!(a, forged as typeof packed, c, spec)).toThrow(/gemmPacked: argument 1 must be a packed operand from packB/);
    be.releasePacked!(packed);
    expect(() => be.gemmPacked!(a, packed, c, spec)).toThrow(/gemmPacked: the packed operand was released/);
    for (const s of [a, b, c, d]) be.free(s);
  });
});
