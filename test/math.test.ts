// The autograd kernels (unary and its gradient, the new binary ops, where, softmax, the fused
// losses, gather / scatterAdd) on every config, called through the Backend interface and
// checked against the js backend (which computes in double) on random sizes with tails.
import { describe, expect, it } from 'vitest';

import type { Backend, BinaryOp, UnaryOp } from '../lib/backend/backend.js';
import { UNARY_OPS } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { type DType, type TypedArray, typedArrayFor } from '../lib/dtype.js';
import { CONFIGS, type Config, lcg, maxAbsDiff } from './backends.js';

const js = backendNamed('js');
const FLOATS = ['float32', 'float64'] as const;
const SIZES = [...Array.from({ length: 71 }, (_, n) => n), 1000, 70_001];
const EDGES = [0, -0, Infinity, -Infinity, NaN, 88.7, -88.7, 1e-30, -1e-30, 1e4, -1e4, 1e30, -1e30, 710, -746, 20, -20];
const INT_OPS: UnaryOp[] = ['neg', 'abs', 'square', 'sign', 'clip'];
const PARAMS: Partial<Record<UnaryOp, [number, number]>> = { leakyRelu: [0.1, 0], elu: [1.3, 0], clip: [-0.5, 0.75] };
const TOL: Record<DType, number> = { float32: 4e-6, float64: 1e-13, int32: 0 };

function backendFor(config: Config): Backend {
  const b = backendNamed(config.backend);
  b.setIsa(config.isa);
  return b;
}

function randomData(dtype: DType, n: number, rnd: () => number, { edges = false, scale = 8 } = {}): TypedArray {
  const a = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'int32') a[i] = Math.floor((rnd() - 0.5) * 200);
    else a[i] = edges && rnd() < 0.2 ? EDGES[Math.floor(rnd() * EDGES.length)]! : (rnd() - 0.5) * scale;
  }
  if (dtype === 'int32' && edges && n > 2) {
    a[0] = -2147483648;
    a[1] = 2147483647;
  }
  return a;
}

/** Runs fn with storages of `arrays` on backend b, returns what `outs` hold afterwards. */
function on(b: Backend, arrays: Record<string, TypedArray>, fn: (s: Record<string, ReturnType<Backend['upload']>>) => void,
  outs: string[]): TypedArray[] {
  const s: Record<string, ReturnType<Backend['upload']>> = {};
  for (const [k, v] of Object.entries(arrays)) s[k] = b.upload(dtypeOf(v), v);
  try {
    fn(s);
    return outs.map((k) => b.read(s[k]!).slice());
  } finally {
    for (const v of Object.values(s)) b.free(v);
  }
}

function dtypeOf(a: TypedArray): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'float64';
}

/** Both backends run the same call; results must agree to tol (NaN and ±inf exactly). */
function same(b: Backend, arrays: Record<string, TypedArray>, call: (bk: Backend, s: Record<string, ReturnType<Backend['upload']>>) => void,
  outs: string[], tol: number): void {
  const got = on(b, arrays, (s) => call(b, s), outs);
  const want = on(js, arrays, (s) => call(js, s), outs);
  for (let i = 0; i < outs.length; i++) expect(maxAbsDiff(got[i]!, want[i]!), outs[i]).toBeLessThanOrEqual(tol);
}

describe.each(CONFIGS)('kernels on $label', (config) => {
  const b = backendFor(config);

  it.each(Object.keys(UNARY_OPS) as UnaryOp[])('unary %s on every size and edge value', (op) => {
    const rnd = lcg(UNARY_OPS[op] + 1);
    const [p0, p1] = PARAMS[op] ?? [0, 0];
    const dtypes: DType[] = INT_OPS.includes(op) ? [...FLOATS, 'int32'] : [...FLOATS];
    for (const dtype of dtypes) {
      for (const n of SIZES) {
        const x = randomData(dtype, n, rnd, { edges: true });
        const q = dtype === 'int32' ? [-20, 30] : [p0, p1];
        same(b, { x, out: typedArrayFor(dtype, n) }, (bk, s) => bk.unary(op, s.x!, s.out!, q[0]!, q[1]!), ['out'], TOL[dtype]);
      }
    }
  });

  it('unary rejects int32 for float-only ops', () => {
    const x = b.upload('int32', new Int32Array(4));
    expect(() => b.unary('exp', x, b.alloc('int32', 4), 0, 0)).toThrow(/int32/);
  });

  it('saturates without NaN: exp, tanh, sigmoid, log at the limits', () => {
    const x = Float32Array.from([1e4, -1e4, 89, -104, Infinity, -Infinity, 0, -0]);
    const run = (op: UnaryOp, dtype: DType = 'float32') => Array.from(on(b, { x: dtype === 'float32' ? x : Float64Array.from(x),
      out: typedArrayFor(dtype, x.length) }, (s) => b.unary(op, s.x!, s.out!, 0, 0), ['out'])[0]!);
    const pick = (v: number[]) => [0, 1, 4, 5, 6, 7].map((i) => v[i]);
    for (const dtype of FLOATS) {
      expect(pick(run('exp', dtype))).toEqual([Infinity, 0, Infinity, 0, 1, 1]);
      expect(run('tanh', dtype)).toEqual([1, -1, 1, -1, 1, -1, 0, -0]);
      expect(pick(run('sigmoid', dtype))).toEqual([1, 0, 1, 0, 0.5, 0.5]);
      expect(run('log', dtype).slice(4)).toEqual([Infinity, NaN, -Infinity, -Infinity]);
      expect(run('softplus', dtype).slice(0, 2)).toEqual([1e4, 0]);
    }
    expect(run('exp').slice(2, 4)).toEqual([Infinity, 0]);
    expect(run('sigmoid')[3]).toBe(0);
  });

  it.each(Object.keys(UNARY_OPS) as UnaryOp[])('unaryGrad %s', (op) => {
    const rnd = lcg(100 + UNARY_OPS[op]);
    const [p0, p1] = PARAMS[op] ?? [0, 0];
    for (const dtype of FLOATS) {
      for (const n of [0, 1, 7, 16, 33, 70, 1000, 70_001]) {
        const x = randomData(dtype, n, rnd);
        if (op === 'log' || op === 'sqrt') for (let i = 0; i < n; i++) x[i] = Math.abs(x[i]!) + 0.1;
        const y = typedArrayFor(dtype, n);
        on(js, { x, y }, (s) => js.unary(op, s.x!, s.y!, p0, p1), ['y']).forEach((v) => y.set(v));
        const dy = randomData(dtype, n, rnd);
        same(b, { x, y, dy, dx: typedArrayFor(dtype, n) },
          (bk, s) => bk.unaryGrad(op, s.x!, s.y!, s.dy!, s.dx!, p0, p1), ['dx'], TOL[dtype]);
      }
    }
  });

  it.each(['pow', 'equal', 'greater', 'less'] as BinaryOp[])('binary %s with broadcasting', (op) => {
    const rnd = lcg(7);
    for (const dtype of op === 'pow' ? FLOATS : [...FLOATS, 'int32' as const]) {
      for (const [m, n] of [[1, 1], [3, 17], [5, 70], [64, 33]] as const) {
        const a = randomData(dtype, m * n, rnd, { edges: true });
        const bb = randomData(dtype, n, rnd, { edges: op !== 'pow', scale: 4 });
        for (let i = 0; i < n; i += 3) bb[i] = a[i]!;  // some equal pairs
        same(b, { a, b: bb, out: typedArrayFor(dtype, m * n) },
          (bk, s) => bk.binary(op, s.a!, s.b!, s.out!, [m, n], [n, 1], [0, 1]), ['out'], TOL[dtype]);
      }
    }
    if (op === 'pow') {
      const s = on(b, { a: Float32Array.from([1, -1, 2, 0, NaN]), e: Float32Array.from([NaN, Infinity, 0.5, -1, 0]), out: new Float32Array(5) },
        (t) => b.binary('pow', t.a!, t.e!, t.out!, [5], [1], [1]), ['out'])[0]!;
      expect(Array.from(s)).toEqual([1, 1, Math.fround(Math.SQRT2), Infinity, 1]);
    }
  });

  it('where with broadcast strides and every cond dtype', () => {
    const rnd = lcg(11);
    for (const condType of ['float32', 'int32', 'float64'] as const) {
      for (const dtype of ['float32', 'int32', 'float64'] as const) {
        for (const [p, q, r] of [[1, 1, 1], [2, 3, 5], [4, 1, 70], [3, 17, 33]] as const) {
          const cond = randomData(condType, q * r, rnd, { edges: true });
          for (let i = 0; i < cond.length; i += 2) cond[i] = 0;
          const a = randomData(dtype, p * q * r, rnd);
          const bb = randomData(dtype, p, rnd);
          same(b, { cond, a, b: bb, out: typedArrayFor(dtype, p * q * r) },
            (bk, s) => bk.where(s.cond!, s.a!, s.b!, s.out!, [p, q, r], [0, r, 1], [q * r, r, 1], [1, 0, 0]), ['out'], 0);
        }
      }
    }
  });

  it('softmax and log-softmax over [outer, r, inner] match js; rows sum to 1', () => {
    const rnd = lcg(21);
    for (const dtype of FLOATS) {
      for (const [o, r, inner] of [[1, 1, 1], [3, 7, 1], [2, 70, 1], [5, 1000, 1], [2, 17, 5], [3, 5, 33], [1, 3, 1], [40, 1000, 1], [2, 0, 3]] as const) {
        const x = randomData(dtype, o * r * inner, rnd, { scale: 20 });
        for (const log of [false, true]) {
          same(b, { x, out: typedArrayFor(dtype, x.length) }, (bk, s) => bk.softmax(s.x!, s.out!, o, r, inner, log), ['out'],
            TOL[dtype] * 4);
        }
        const y = on(b, { x, out: typedArrayFor(dtype, x.length) }, (s) => b.softmax(s.x!, s.out!, o, r, inner, false), ['out'])[0]!;
        for (let i = 0; i < o; i++) {
          for (let j = 0; j < inner && r > 0; j++) {
            let sum = 0;
            for (let k = 0; k < r; k++) sum += y[(i * r + k) * inner + j]!;
            expect(Math.abs(sum - 1)).toBeLessThan(dtype === 'float32' ? 1e-5 : 1e-13);
          }
        }
      }
    }
  });

  it('softmax of logits ±1e4 and -inf entries stays finite', () => {
    const x = Float32Array.from([1e4, -1e4, 0, -Infinity, 1e4 - 1]);
    const y = on(b, { x, out: new Float32Array(5) }, (s) => b.softmax(s.x!, s.out!, 1, 5, 1, false), ['out'])[0]!;
    expect(Array.from(y).every(Number.isFinite)).toBe(true);
    expect(y[3]).toBe(0);
    const l = on(b, { x, out: new Float32Array(5) }, (s) => b.softmax(s.x!, s.out!, 1, 5, 1, true), ['out'])[0]!;
    expect(l[3]).toBe(-Infinity);
    expect(Number.isFinite(l[1]!)).toBe(true);
  });

  it('softmaxGrad and log-softmax grad match js', () => {
    const rnd = lcg(31);
    for (const dtype of FLOATS) {
      for (const [o, r, inner] of [[1, 1, 1], [3, 7, 1], [4, 70, 1], [30, 1000, 1], [2, 17, 5], [3, 5, 33]] as const) {
        for (const log of [false, true]) {
          const x = randomData(dtype, o * r * inner, rnd, { scale: 6 });
          const y = on(js, { x, y: typedArrayFor(dtype, x.length) }, (s) => js.softmax(s.x!, s.y!, o, r, inner, log), ['y'])[0]!;
          const dy = randomData(dtype, x.length, rnd);
          same(b, { y, dy, dx: typedArrayFor(dtype, x.length) },
            (bk, s) => bk.softmaxGrad(s.y!, s.dy!, s.dx!, o, r, inner, log), ['dx'], TOL[dtype] * 4);
        }
      }
    }
  });

  it('softmaxCrossEntropy with dense and sparse labels, with and without grad', () => {
    const rnd = lcg(41);
    for (const dtype of FLOATS) {
      for (const [n, c] of [[1, 1], [3, 10], [17, 7], [5, 70], [64, 1000], [2, 0]] as const) {
        const x = randomData(dtype, n * c, rnd, { scale: 10 });
        const sparse = Int32Array.from({ length: n }, () => Math.floor(rnd() * c));
        const dense = typedArrayFor(dtype, n * c);
        for (let i = 0; i < n; i++) {
          let total = 0;
          for (let j = 0; j < c; j++) total += (dense[i * c + j] = rnd());
          for (let j = 0; j < c; j++) dense[i * c + j] = dense[i * c + j]! / total;
        }
        for (const labels of c > 0 ? [sparse, dense] : [dense]) {
          same(b, { x, t: labels, loss: typedArrayFor(dtype, n), g: typedArrayFor(dtype, n * c) },
            (bk, s) => bk.softmaxCrossEntropy(s.x!, s.t!, s.loss!, s.g!, n, c), ['loss', 'g'], TOL[dtype] * 4);
          same(b, { x, t: labels, loss: typedArrayFor(dtype, n) },
            (bk, s) => bk.softmaxCrossEntropy(s.x!, s.t!, s.loss!, null, n, c), ['loss'], TOL[dtype] * 4);
        }
      }
    }
  });

  it('losses are finite for logits ±1e4, and bad labels throw', () => {
    for (const dtype of FLOATS) {
      const x = typedArrayFor(dtype, 6);
      x.set([1e4, -1e4, 0, -1e4, 1e4, 5]);
      const [loss, g] = on(b, { x, t: Int32Array.from([1, 0]), loss: typedArrayFor(dtype, 2), g: typedArrayFor(dtype, 6) },
        (s) => b.softmaxCrossEntropy(s.x!, s.t!, s.loss!, s.g!, 2, 3), ['loss', 'g']);
      expect(Array.from(loss!)).toEqual([2e4, 2e4]);
      expect(Array.from(g!).every(Number.isFinite)).toBe(true);
      const t = typedArrayFor(dtype, 6);
      t.set([0, 1, 1, 0, 0.5, 0.5]);
      const [bl, bg] = on(b, { x, t, loss: typedArrayFor(dtype, 6), g: typedArrayFor(dtype, 6) },
        (s) => b.sigmoidCrossEntropy(s.x!, s.t!, s.loss!, s.g!, 6), ['loss', 'g']);
      expect(Array.from(bl!).every(Number.isFinite)).toBe(true);
      expect(bl![0]).toBe(1e4);
      expect(bl![1]).toBe(1e4);
      expect(Array.from(bg!).every(Number.isFinite)).toBe(true);
    }
    expect(() => on(b, { x: new Float32Array(6), t: Int32Array.from([1, 3]), loss: new Float32Array(2) },
      (s) => b.softmaxCrossEntropy(s.x!, s.t!, s.loss!, null, 2, 3), []))
      .toThrow('softmaxCrossEntropy: label 3 (at position 1) is out of range [0, 3)');
  });

  it('sigmoidCrossEntropy matches js on every size', () => {
    const rnd = lcg(51);
    for (const dtype of FLOATS) {
      for (const n of [...SIZES.filter((k) => k % 7 === 0), 1000, 70_001]) {
        const x = randomData(dtype, n, rnd, { edges: true, scale: 30 });
        const t = typedArrayFor(dtype, n).map(() => rnd()) as TypedArray;
        same(b, { x, t, loss: typedArrayFor(dtype, n), g: typedArrayFor(dtype, n) },
          (bk, s) => bk.sigmoidCrossEntropy(s.x!, s.t!, s.loss!, s.g!, n), ['loss', 'g'], TOL[dtype] * 2);
      }
    }
  });

  it('gather and scatterAdd match js (repeated indices accumulate in order)', () => {
    const rnd = lcg(61);
    for (const dtype of ['float32', 'int32', 'float64'] as const) {
      for (const [o, axisLen, inner, k] of [[1, 1, 1, 1], [1, 10, 1, 25], [3, 7, 5, 9], [2, 70, 33, 70], [4, 5, 1, 0], [0, 3, 2, 4]] as const) {
        const x = randomData(dtype, o * axisLen * inner, rnd);
        const idx = Int32Array.from({ length: k }, () => Math.floor(rnd() * axisLen));
        same(b, { x, idx, out: typedArrayFor(dtype, o * k * inner) },
          (bk, s) => bk.gather(s.x!, s.idx!, s.out!, o, axisLen, inner), ['out'], 0);
        const dy = randomData(dtype, o * k * inner, rnd);
        same(b, { dy, idx, dx: typedArrayFor(dtype, o * axisLen * inner).fill(7) },
          (bk, s) => bk.scatterAdd(s.dy!, s.idx!, s.dx!, o, axisLen, inner), ['dx'], 0);
      }
    }
  });

  it('gather and scatterAdd reject out-of-range indices naming the op, the index and the range', () => {
    const x = b.upload('float32', new Float32Array(10));
    const out = b.alloc('float32', 6);
    for (const bad of [5, -1, 2147483647]) {
      const idx = b.upload('int32', Int32Array.from([0, 4, bad]));
      expect(() => b.gather(x, idx, out, 2, 5, 1)).toThrow(`gather: index ${bad} (at position 2) is out of range [0, 5)`);
      expect(() => b.scatterAdd(out, idx, x, 2, 5, 1)).toThrow(`scatterAdd: index ${bad} (at position 2) is out of range [0, 5)`);
      b.free(idx);
    }
  });
});
