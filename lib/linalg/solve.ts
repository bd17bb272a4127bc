import { type DType } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import { shapeString } from '../shape.js';
import { Tensor } from '../tensor.js';

const EPS = 2.220446049250313e-16;

interface Matrix {
  rows: number;
  cols: number;
  /** Row-major float64 copy. */
  data: Float64Array;
}

function readMatrix(op: string, t: unknown, name: string, allowVector: boolean): Matrix & { vector: boolean } {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor`);
  t.assertLive(op);
  if (t.rank !== 2 && !(allowVector && t.rank === 1)) {
    throw new Error(`${op}: ${name} must be ${allowVector ? 'a vector or ' : ''}a matrix, got shape ${shapeString(t.shape)}`);
  }
  const data = Float64Array.from(t.dataSync());
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`${op}: ${name} has a non-finite element (${data[i]}) at index ${i}`);
  }
  return { rows: t.shape[0]!, cols: t.rank === 2 ? t.shape[1]! : 1, data, vector: t.rank === 1 };
}

function resultDType(a: Tensor, b: Tensor): DType {
  return a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
}

/**
 * Solves A X = B in place on n×n `a` (destroyed: it becomes the LU factors) and n×k `b`
 * (becomes X), by Gaussian elimination with partial pivoting in float64. Returns -1, or
 * the column whose pivot is zero relative to the matrix's largest element (singular to
 * working precision; `b` is then garbage).
 */
function luSolveInPlace(a: Float64Array, n: number, b: Float64Array, k: number): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  const tol = n * EPS * scale;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    const pivot = a[p * n + c]!;
    if (scale === 0 || Math.abs(pivot) <= tol) return c;
    if (p !== c) {
      for (let j = 0; j < n; j++) [a[c * n + j], a[p * n + j]] = [a[p * n + j]!, a[c * n + j]!];
      for (let j = 0; j < k; j++) [b[c * k + j], b[p * k + j]] = [b[p * k + j]!, b[c * k + j]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / pivot;
      if (f === 0) continue;
      a[r * n + c] = f;
      for (let j = c + 1; j < n; j++) a[r * n + j] = a[r * n + j]! - f * a[c * n + j]!;
      for (let j = 0; j < k; j++) b[r * k + j] = b[r * k + j]! - f * b[c * k + j]!;
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    for (let j = 0; j < k; j++) {
      let s = b[c * k + j]!;
      for (let q = c + 1; q < n; q++) s -= a[c * n + q]! * b[q * k + j]!;
      b[c * k + j] = s / a[c * n + c]!;
    }
  }
  return -1;
}

/**
 * Solves the linear system A x = b for square A ([n, n]) and b of shape [n] or [n, k],
 * by LU decomposition with partial pivoting in float64. The result has b's shape and is
 * float64 when A or b is, float32 otherwise. Throws for a non-square or singular A.
 */
export function solve(A: Tensor, b: Tensor): Tensor {
  const op = 'linalg.solve';
  const a = readMatrix(op, A, 'A', false);
  if (a.rows !== a.cols) throw new Error(`${op}: A must be square, got shape ${shapeString(A.shape)}`);
  const rhs = readMatrix(op, b, 'b', true);
  if (rhs.rows !== a.rows) {
    throw new Error(`${op}: b has ${rhs.rows} rows but A is ${a.rows}×${a.cols} (shapes ${shapeString(A.shape)} and ${shapeString(b.shape)})`);
  }
  if (a.rows === 0) throw new Error(`${op}: A is empty (shape ${shapeString(A.shape)})`);
  const bad = luSolveInPlace(a.data, a.rows, rhs.data, rhs.cols);
  if (bad >= 0) throw new Error(`${op}: A ${shapeString(A.shape)} is singular (no nonzero pivot left in column ${bad})`);
  return tensor(rhs.data, b.shape.slice(), resultDType(A, b));
}

export interface LstsqOptions {
  /**
   * Ridge (L2) strength λ ≥ 0 (default 0): minimizes ‖A x − b‖² + λ‖x‖². λ > 0 also
   * makes rank-deficient problems solvable.
   */
  ridge?: number;
  /**
   * Columns of A whose coefficients λ does not penalize (e.g. the column of ones that
   * fits an intercept).
   */
  unpenalized?: readonly number[];
}

/**
 * Least squares: the x minimizing ‖A x − b‖² (+ λ‖x‖² with `ridge`), for A of shape
 * [m, n] and b of shape [m] or [m, k], through the normal equations
 * (AᵀA + λI) x = Aᵀb solved by LU in float64 (no matrix inverse). The normal equations
 * square A's condition number: fine for well-conditioned regression problems, not for
 * nearly collinear columns (use a ridge term then). Append a column of ones to A to fit
 * an intercept. Throws when AᵀA + λI is singular (linearly dependent columns, λ = 0).
 */
export function lstsq(A: Tensor, b: Tensor, options: LstsqOptions = {}): Tensor {
  const op = 'linalg.lstsq';
  const a = readMatrix(op, A, 'A', false);
  const rhs = readMatrix(op, b, 'b', true);
  if (rhs.rows !== a.rows) {
    throw new Error(`${op}: b has ${rhs.rows} rows but A has ${a.rows} (shapes ${shapeString(A.shape)} and ${shapeString(b.shape)})`);
  }
  const lambda = options.ridge ?? 0;
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0) {
    throw new Error(`${op}: ridge must be a finite number >= 0, got ${lambda}`);
  }
  const { rows: m, cols: n } = a;
  const k = rhs.cols;
  if (n === 0 || m === 0) throw new Error(`${op}: A is empty (shape ${shapeString(A.shape)})`);
  const free = new Set(options.unpenalized ?? []);
  for (const c of free) {
    if (!Number.isInteger(c) || c < 0 || c >= n) throw new Error(`${op}: unpenalized column ${c} is out of range for ${n} columns`);
  }
  const gram = new Float64Array(n * n);
  const atb = new Float64Array(n * k);
  for (let r = 0; r < m; r++) {
    const row = r * n;
    for (let i = 0; i < n; i++) {
      const v = a.data[row + i]!;
      if (v === 0) continue;
      for (let j = i; j < n; j++) gram[i * n + j] = gram[i * n + j]! + v * a.data[row + j]!;
      for (let j = 0; j < k; j++) atb[i * k + j] = atb[i * k + j]! + v * rhs.data[r * k + j]!;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) gram[i * n + j] = gram[j * n + i]!;
    if (!free.has(i)) gram[i * n + i] = gram[i * n + i]! + lambda;
  }
  const bad = luSolveInPlace(gram, n, atb, k);
  if (bad >= 0) {
    throw new Error(`${op}: the normal equations for A ${shapeString(A.shape)} are singular (column ${bad}): the columns of A are `
      + (lambda === 0 ? 'linearly dependent (use ridge > 0)' : 'linearly dependent among the unpenalized ones, or ridge is negligible next to AᵀA'));
  }
  return tensor(atb, rhs.vector ? [n] : [n, k], resultDType(A, b));
}

/** Ridge regression: lstsq(A, b, { ridge: lambda }). */
export function ridge(A: Tensor, b: Tensor, lambda: number, options: Omit<LstsqOptions, 'ridge'> = {}): Tensor {
  return lstsq(A, b, { ...options, ridge: lambda });
}
