// ng.linalg: LU solve with partial pivoting and normal-equation least squares, in float64.
import { describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { lcg } from './backends.js';

const f64 = (v: number[] | number[][]) => ng.tensor(v, { dtype: 'float64' });
const arr = (t: ng.Tensor) => Array.from(t.dataSync());

function expectClose(actual: ng.Tensor, expected: number[], tol = 1e-12): void {
  const a = arr(actual);
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!))));
}

describe('linalg.solve', () => {
  it('solves a 3×3 system with a known solution', () => {
    const x = ng.linalg.solve(f64([[2, 1, -1], [-3, -1, 2], [-2, 1, 2]]), f64([8, -11, -3]));
    expect(x.shape).toEqual([3]);
    expect(x.dtype).toBe('float64');
    expectClose(x, [2, 3, -1]);
  });

  it('pivots past a zero leading element', () => {
    expectClose(ng.linalg.solve(f64([[0, 1], [1, 0]]), f64([2, 3])), [3, 2]);
    // Without row exchanges the first elimination step would divide by 0.
    expectClose(ng.linalg.solve(f64([[0, 2, 1], [1, 1, 1], [2, 1, 0]]), f64([5, 4, 4])), [1, 2, 1], 1e-12);
  });

  it('chooses the largest pivot (accurate where naive elimination is not)', () => {
    // Naive elimination on [[1e-20, 1], [1, 1]] loses x0 entirely; partial pivoting gives ~[1, 1].
    expectClose(ng.linalg.solve(f64([[1e-20, 1], [1, 1]]), f64([1, 2])), [1, 1], 1e-15);
  });

  it('solves several right-hand sides at once', () => {
    const A = f64([[4, 1], [2, 3]]);
    const x = ng.linalg.solve(A, f64([[1, 0], [0, 1]]));  // the inverse
    expect(x.shape).toEqual([2, 2]);
    expectClose(x, [0.3, -0.1, -0.2, 0.4], 1e-15);
  });

  it('has a small residual on a random 60×60 system', () => {
    const rnd = lcg(7);
    const n = 60;
    const a = Array.from({ length: n }, () => Array.from({ length: n }, () => rnd() * 2 - 1));
    const xTrue = Array.from({ length: n }, () => rnd() * 10 - 5);
    const b = a.map((row) => row.reduce((s, v, j) => s + v * xTrue[j]!, 0));
    expectClose(ng.linalg.solve(f64(a), f64(b)), xTrue, 1e-9);
  });

  it('returns float32 for float32 inputs (computed in float64)', () => {
    const x = ng.linalg.solve(ng.tensor([[2, 0], [0, 4]]), ng.tensor([1, 1]));
    expect(x.dtype).toBe('float32');
    expect(arr(x)).toEqual([0.5, 0.25]);
  });

  it('rejects singular, non-square and mismatched systems clearly', () => {
    expect(() => ng.linalg.solve(f64([[1, 2], [2, 4]]), f64([1, 2]))).toThrow(/linalg.solve: A \[2,2\] is singular/);
    // Singular in exact arithmetic; in float64 the last pivot is ~1e-16, below the relative tolerance.
    expect(() => ng.linalg.solve(f64([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), f64([1, 2, 3]))).toThrow(/singular/);
    expect(() => ng.linalg.solve(f64([[0, 0], [0, 0]]), f64([1, 2]))).toThrow(/singular/);
    expect(() => ng.linalg.solve(f64([[1, 2, 3], [4, 5, 6]]), f64([1, 2]))).toThrow(/A must be square, got shape \[2,3\]/);
    expect(() => ng.linalg.solve(f64([[1, 0], [0, 1]]), f64([1, 2, 3]))).toThrow(/b has 3 rows but A is 2×2/);
    expect(() => ng.linalg.solve(f64([[1, 0], [0, NaN]]), f64([1, 2]))).toThrow(/non-finite/);
  });
});

describe('linalg.lstsq and ridge', () => {
  it('recovers an exact line', () => {
    const xs = [0, 1, 2, 3, 4];
    const A = f64(xs.map((x) => [x, 1]));
    expectClose(ng.linalg.lstsq(A, f64(xs.map((x) => 2 * x + 1))), [2, 1], 1e-12);
  });

  it('matches the hand-computed least-squares fit of three points', () => {
    // AᵀA = [[5, 3], [3, 3]], Aᵀb = [11, 8]: x = [1.5, 7/6].
    expectClose(ng.linalg.lstsq(f64([[0, 1], [1, 1], [2, 1]]), f64([1, 3, 4])), [1.5, 7 / 6], 1e-14);
  });

  it('adds λ to the diagonal, except for unpenalized columns', () => {
    const A = f64([[1, 0], [0, 1], [1, 1]]);
    const b = f64([1, 2, 3]);
    // (AᵀA + I) x = Aᵀb: [[3, 1], [1, 3]] x = [4, 5] → [7/8, 11/8].
    expectClose(ng.linalg.ridge(A, b, 1), [7 / 8, 11 / 8], 1e-14);
    expectClose(ng.linalg.lstsq(A, b, { ridge: 1 }), [7 / 8, 11 / 8], 1e-14);
    // Column 1 unpenalized: [[3, 1], [1, 2]] x = [4, 5] → [0.6, 2.2].
    expectClose(ng.linalg.lstsq(A, b, { ridge: 1, unpenalized: [1] }), [0.6, 2.2], 1e-14);
  });

  it('fits several targets at once', () => {
    const x = ng.linalg.lstsq(f64([[0, 1], [1, 1], [2, 1]]), f64([[1, 0], [3, 2], [4, 4]]));
    expect(x.shape).toEqual([2, 2]);
    expectClose(x, [1.5, 2, 7 / 6, 0], 1e-14);
  });

  it('explains a rank-deficient problem, which ridge makes solvable', () => {
    const A = f64([[1, 2], [2, 4], [3, 6]]);
    const b = f64([1, 2, 3]);
    expect(() => ng.linalg.lstsq(A, b)).toThrow(/linearly dependent \(use ridge > 0\)/);
    expect(arr(ng.linalg.lstsq(A, b, { ridge: 1e-3 })).every(Number.isFinite)).toBe(true);
    expect(() => ng.linalg.lstsq(A, b, { ridge: -1 })).toThrow(/ridge must be a finite number >= 0/);
    expect(() => ng.linalg.lstsq(A, f64([1, 2]))).toThrow(/b has 2 rows but A has 3/);
  });
});
