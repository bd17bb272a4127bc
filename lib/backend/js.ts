import { type DType, type TypedArray, typedArrayFor } from '../dtype.js';
import {
  randomNormalF32, randomNormalF64, randomUniformF32, randomUniformF64,
} from '../random/philox.js';
import type {
  ArgReduceOp, Backend, BinaryOp, Conv2dSpec, GemmSpec, MatmulSpec, ReduceOp, Storage, UnaryOp,
} from './backend.js';
import { ArrayStorage } from './array-storage.js';
import { jsOptimizerStep } from './js-optim.js';
import { type OptimStepSpec, checkOptimArgs, optimStateCount } from './optim-spec.js';
import * as pool from './js-pool.js';
import type { Window2d } from '../ops/window.js';
import { ACT, convBackwardFilter, convBackwardInput, convForward } from './js-conv.js';

type Binary = (x: number, y: number) => number;

const FLOAT_OPS: Record<BinaryOp, Binary> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  maximum: (x, y) => (x !== x || y !== y ? (y !== y ? y : x) : x > y ? x : y),
  minimum: (x, y) => (x !== x || y !== y ? (y !== y ? y : x) : x < y ? x : y),
  pow: powC,
  equal: (x, y) => (x === y ? 1 : 0),
  greater: (x, y) => (x > y ? 1 : 0),
  less: (x, y) => (x < y ? 1 : 0),
};

/** C's pow: unlike Math.pow, pow(1, y) = 1 and pow(−1, ±inf) = 1 (y NaN included for the first). */
function powC(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

const INT_OPS: Record<BinaryOp, Binary> = {
  ...FLOAT_OPS,
  add: (x, y) => (x + y) | 0,
  sub: (x, y) => (x - y) | 0,
  mul: Math.imul,
};

/** float to int32 as the C++ cast does: truncate, saturate, NaN -> 0. */
function toInt32(v: number): number {
  if (v !== v) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v);
}

function arr(s: Storage): TypedArray {
  return (s as ArrayStorage).data;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

type Unary = (x: number, p0: number, p1: number) => number;

const UNARY: Record<UnaryOp, Unary> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  square: (x) => x * x,
  sigmoid,
  tanh: Math.tanh,
  relu: (x) => (0 > x ? 0 : x),
  leakyRelu: (x, a) => (x > 0 ? x : a * x),
  elu: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  clip: (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
};

/** The int32 variants (wrapping like the C++ kernels); the other ops are float only. */
const INT_UNARY: Partial<Record<UnaryOp, Unary>> = {
  neg: (x) => -x | 0,
  abs: (x) => Math.abs(x) | 0,
  square: (x) => Math.imul(x, x),
  sign: (x) => Math.sign(x),
  clip: (x, lo, hi) => (x < toInt32(lo) ? toInt32(lo) : x > toInt32(hi) ? toInt32(hi) : x),
};

/** dx from (x, y = f(x), dy). */
const UNARY_GRAD: Record<UnaryOp, (x: number, y: number, g: number, p0: number, p1: number) => number> = {
  neg: (_x, _y, g) => -g,
  exp: (_x, y, g) => g * y,
  log: (x, _y, g) => g / x,
  sqrt: (_x, y, g) => g / (y + y),
  abs: (x, _y, g) => (x > 0 ? g : x < 0 ? -g : 0),
  square: (x, _y, g) => (x + x) * g,
  sigmoid: (_x, y, g) => g * (y * (1 - y)),
  tanh: (_x, y, g) => g * (1 - y * y),
  relu: (x, _y, g) => (x > 0 ? g : 0),
  leakyRelu: (x, _y, g, a) => (x > 0 ? g : a * g),
  elu: (x, y, g, a) => (x > 0 ? g : g * (y + a)),
  softplus: (x, _y, g) => g * sigmoid(x),
  clip: (x, _y, g, lo, hi) => (x >= lo && x <= hi ? g : 0),
  sign: () => 0,
};

function checkIndices(fn: string, what: string, idx: TypedArray, limit: number): void {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (!(v >= 0 && v < limit)) throw new Error(`${fn}: ${what} ${v} (at position ${i}) is out of range [0, ${limit})`);
  }
}

/** Plain TypeScript loops: the baseline every benchmark compares with, and the test oracle. */
export class JsBackend implements Backend {
  readonly name = 'js' as const;
  readonly isa = 'js';
  readonly gcManaged = true;
  readonly supportedIsas = ['js'];
  readonly threads = 1;

  setIsa(isa: string): void {
    if (isa !== 'js') throw new Error(`setIsa: the js backend has only the 'js' path, not '${isa}'`);
  }

  setNumThreads(): void {}

  alloc(dtype: DType, size: number): Storage {
    return new ArrayStorage(dtype, typedArrayFor(dtype, size));
  }

  upload(dtype: DType, data: TypedArray): Storage {
    const s = typedArrayFor(dtype, data.length);
    s.set(data);
    return new ArrayStorage(dtype, s);
  }

  read(s: Storage): TypedArray {
    return arr(s);
  }

  free(s: Storage): void {
    (s as ArrayStorage).data = typedArrayFor(s.dtype, 0);
  }

  bytes(s: Storage): number {
    return arr(s).byteLength;
  }

  fill(out: Storage, value: number): void {
    arr(out).fill(out.dtype === 'int32' ? toInt32(value) : value);
  }

  arange(out: Storage, start: number, step: number): void {
    const o = arr(out);
    const conv = out.dtype === 'int32' ? toInt32 : (v: number) => v;
    for (let i = 0; i < o.length; i++) o[i] = conv(start + i * step);
  }

  randomUniform(out: Storage, seed: number, block: number, lo: number, hi: number): void {
    if (out.dtype === 'float32') randomUniformF32(arr(out) as Float32Array, seed, block, lo, hi);
    else randomUniformF64(arr(out) as Float64Array, seed, block, lo, hi);
  }

  randomNormal(out: Storage, seed: number, block: number, mean: number, std: number): void {
    if (out.dtype === 'float32') randomNormalF32(arr(out) as Float32Array, seed, block, mean, std);
    else randomNormalF64(arr(out) as Float64Array, seed, block, mean, std);
  }

  cast(x: Storage, out: Storage): void {
    const src = arr(x);
    const dst = arr(out);
    if (out.dtype === 'int32' && x.dtype !== 'int32') {
      for (let i = 0; i < src.length; i++) dst[i] = toInt32(src[i]!);
    } else {
      dst.set(src);
    }
  }

  copyStrided(src: Storage, dst: Storage, shape: readonly number[], srcOffset: number,
    srcStrides: readonly number[], dstOffset: number, dstStrides: readonly number[]): void {
    const s = arr(src);
    const d = arr(dst);
    forEachIndex(shape, [srcStrides, dstStrides], [srcOffset, dstOffset], (so, dof, n, ss, ds) => {
      for (let i = 0; i < n; i++) d[dof + i * ds] = s[so + i * ss]!;
    });
  }

  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    aStrides: readonly number[], bStrides: readonly number[]): void {
    if (a.dtype === 'int32' && op === 'div') throw new Error('binary: integer division is not a kernel; divide in float');
    if (a.dtype === 'int32' && op === 'pow') throw new Error('binary: pow takes float32 or float64, got int32');
    const f = (a.dtype === 'int32' ? INT_OPS : FLOAT_OPS)[op];
    const x = arr(a);
    const y = arr(b);
    const o = arr(out);
    let k = 0;
    forEachIndex(shape, [aStrides, bStrides], [0, 0], (ao, bo, n, as, bs) => {
      for (let i = 0; i < n; i++) o[k++] = f(x[ao + i * as]!, y[bo + i * bs]!);
    });
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    const src = arr(x);
    const dst = arr(out);
    const int = x.dtype === 'int32';
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * r * inner + j;
        let acc: number;
        if (op === 'sum' || op === 'mean') {
          acc = 0;
          for (let k = 0; k < r; k++) acc = int ? (acc + src[base + k * inner]!) | 0 : acc + src[base + k * inner]!;
          if (op === 'mean') acc = r === 0 ? NaN : acc / r;
        } else {
          acc = src[base]!;
          for (let k = 1; k < r && acc === acc; k++) {
            const v = src[base + k * inner]!;
            if (v !== v || (op === 'max' ? v > acc : v < acc)) acc = v;
          }
        }
        dst[o * inner + j] = acc;
      }
    }
  }

  argReduce(op: ArgReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    const src = arr(x);
    const dst = arr(out);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * r * inner + j;
        let best = src[base]!;
        let bi = 0;
        if (best === best) {
          for (let k = 1; k < r; k++) {
            const v = src[base + k * inner]!;
            if (v !== v) { bi = k; break; }
            if (op === 'argmax' ? v > best : v < best) { best = v; bi = k; }
          }
        }
        dst[o * inner + j] = bi;
      }
    }
  }

  matmul(a: Storage, b: Storage, out: Storage, spec: MatmulSpec, bias?: Storage): void {
    const { m, n, k, transA, transB } = spec;
    for (let t = 0; t < spec.batch; t++) {
      this.gemm(a, b, out, {
        m, n, k, transA, transB, lda: transA ? m : k, ldb: transB ? k : n, ldc: n,
        aOffset: spec.aOffsets[t]!, bOffset: spec.bOffsets[t]!, cOffset: t * m * n,
        alpha: 1, beta: 0, activation: spec.activation,
      }, bias);
    }
  }

  gemm(a: Storage, b: Storage, c: Storage, spec: GemmSpec, bias?: Storage): void {
    const A = arr(a);
    const B = arr(b);
    const C = arr(c);
    const { m, n, k, transA, transB, lda, ldb, ldc, aOffset, bOffset, cOffset, alpha, beta } = spec;
    const act = ACT[spec.activation];
    const bv = bias ? arr(bias) : undefined;
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      if (alpha !== 0) {
        for (let p = 0; p < k; p++) {
          const av = A[aOffset + (transA ? p * lda + i : i * lda + p)]!;
          if (transB) for (let j = 0; j < n; j++) row[j]! += av * B[bOffset + j * ldb + p]!;
          else for (let j = 0, bp = bOffset + p * ldb; j < n; j++) row[j]! += av * B[bp + j]!;
        }
      }
      const c0 = cOffset + i * ldc;
      for (let j = 0; j < n; j++) {
        const prior = beta === 0 ? 0 : beta * C[c0 + j]!;
        C[c0 + j] = act(alpha * row[j]! + prior + (bv ? bv[j]! : 0));
      }
    }
  }

  unary(op: UnaryOp, x: Storage, out: Storage, p0: number, p1: number): void {
    const f = x.dtype === 'int32' ? INT_UNARY[op] : UNARY[op];
    if (!f) throw new Error(`unary: ${op} takes float32 or float64, got int32`);
    const src = arr(x);
    const dst = arr(out);
    for (let i = 0; i < src.length; i++) dst[i] = f(src[i]!, p0, p1);
  }

  unaryGrad(op: UnaryOp, x: Storage, y: Storage, dy: Storage, dx: Storage, p0: number, p1: number): void {
    if (x.dtype === 'int32') throw new Error(`unaryGrad: ${op} takes float32 or float64, got int32`);
    const f = UNARY_GRAD[op];
    const xs = arr(x);
    const ys = arr(y);
    const gs = arr(dy);
    const out = arr(dx);
    for (let i = 0; i < xs.length; i++) out[i] = f(xs[i]!, ys[i]!, gs[i]!, p0, p1);
  }

  where(cond: Storage, a: Storage, b: Storage, out: Storage, shape: readonly number[],
    condStrides: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): void {
    const c = arr(cond);
    const x = arr(a);
    const y = arr(b);
    const o = arr(out);
    const idx = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < o.length; k++) {
      let co = 0;
      let ao = 0;
      let bo = 0;
      for (let d = 0; d < shape.length; d++) {
        co += idx[d]! * condStrides[d]!;
        ao += idx[d]! * aStrides[d]!;
        bo += idx[d]! * bStrides[d]!;
      }
      o[k] = c[co] !== 0 ? x[ao]! : y[bo]!;
      for (let d = shape.length - 1; d >= 0 && ++idx[d]! >= shape[d]!; d--) idx[d] = 0;
    }
  }

  softmax(x: Storage, out: Storage, outer: number, r: number, inner: number, log: boolean): void {
    const src = arr(x);
    const dst = arr(out);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const at = (k: number) => (o * r + k) * inner + j;
        let m = -Infinity;
        for (let k = 0; k < r; k++) {
          const v = src[at(k)]!;
          if (v > m || v !== v) m = v;
        }
        let s = 0;
        for (let k = 0; k < r; k++) s += Math.exp(src[at(k)]! - m);
        for (let k = 0; k < r; k++) {
          const v = src[at(k)]! - m;
          dst[at(k)] = log ? v - Math.log(s) : Math.exp(v) / s;
        }
      }
    }
  }

  softmaxGrad(y: Storage, dy: Storage, dx: Storage, outer: number, r: number, inner: number, log: boolean): void {
    const ys = arr(y);
    const gs = arr(dy);
    const out = arr(dx);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const at = (k: number) => (o * r + k) * inner + j;
        let s = 0;
        for (let k = 0; k < r; k++) s += log ? gs[at(k)]! : gs[at(k)]! * ys[at(k)]!;
        for (let k = 0; k < r; k++) {
          const i = at(k);
          out[i] = log ? gs[i]! - Math.exp(ys[i]!) * s : ys[i]! * (gs[i]! - s);
        }
      }
    }
  }

  softmaxCrossEntropy(logits: Storage, labels: Storage, loss: Storage, grad: Storage | null, n: number, c: number): void {
    const x = arr(logits);
    const t = arr(labels);
    const l = arr(loss);
    const g = grad ? arr(grad) : undefined;
    const sparse = labels.dtype === 'int32';
    if (sparse) checkIndices('softmaxCrossEntropy', 'label', t, c);
    for (let i = 0; i < n; i++) {
      const row = i * c;
      let m = -Infinity;
      for (let j = 0; j < c; j++) if (x[row + j]! > m || x[row + j] !== x[row + j]) m = x[row + j]!;
      let s = 0;
      for (let j = 0; j < c; j++) s += Math.exp(x[row + j]! - m);
      const lse = m + Math.log(s);
      const target = (j: number) => (sparse ? (t[i] === j ? 1 : 0) : t[row + j]!);
      if (sparse) {
        l[i] = lse - x[row + t[i]!]!;
      } else {
        let acc = 0;
        for (let j = 0; j < c; j++) acc += t[row + j]! * (lse - x[row + j]!);
        l[i] = acc;
      }
      if (g) for (let j = 0; j < c; j++) g[row + j] = Math.exp(x[row + j]! - m) / s - target(j);
    }
  }

  sigmoidCrossEntropy(logits: Storage, targets: Storage, loss: Storage, grad: Storage | null, n: number): void {
    const x = arr(logits);
    const t = arr(targets);
    const l = arr(loss);
    const g = grad ? arr(grad) : undefined;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      // max(x, 0) − x·t, written so that x = ±inf gives inf rather than inf − inf
      l[i] = (v > 0 ? v * (1 - t[i]!) : -v * t[i]!) + Math.log1p(Math.exp(-Math.abs(v)));
      if (g) g[i] = sigmoid(v) - t[i]!;
    }
  }

  gather(x: Storage, indices: Storage, out: Storage, outer: number, axisLen: number, inner: number): void {
    const src = arr(x);
    const idx = arr(indices);
    const dst = arr(out);
    checkIndices('gather', 'index', idx, axisLen);
    const n = idx.length;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < inner; j++) dst[(o * n + i) * inner + j] = src[(o * axisLen + idx[i]!) * inner + j]!;
      }
    }
  }

  scatterAdd(dy: Storage, indices: Storage, dx: Storage, outer: number, axisLen: number, inner: number): void {
    const src = arr(dy);
    const idx = arr(indices);
    const dst = arr(dx);
    checkIndices('scatterAdd', 'index', idx, axisLen);
    dst.fill(0);
    const n = idx.length;
    const int = dx.dtype === 'int32';
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < inner; j++) {
          const d = (o * axisLen + idx[i]!) * inner + j;
          const v = dst[d]! + src[(o * n + i) * inner + j]!;
          dst[d] = int ? v | 0 : v;
        }
      }
    }
  }

  optimizerStep(spec: OptimStepSpec, params: readonly Storage[], grads: readonly Storage[],
    state: readonly Storage[]): void {
    const k = optimStateCount(spec);
    checkOptimArgs(params, grads, state, k);
    jsOptimizerStep(spec, params.map(arr), grads.map(arr), state.map(arr), k);
  }

  batchNormTrain(x: Storage, gamma: Storage | null, beta: Storage | null, y: Storage, mean: Storage,
    variance: Storage, outer: number, c: number, eps: number): void {
    if (outer < 1) throw new Error('batchNormTrain: training needs at least one row');
    const xs = arr(x);
    const m = new Float64Array(c);
    const v = new Float64Array(c);
    // Two passes in double: the mean, then the mean squared deviation from it.
    for (let r = 0; r < outer; r++) for (let j = 0; j < c; j++) m[j]! += xs[r * c + j]!;
    for (let j = 0; j < c; j++) m[j] = m[j]! / outer;
    for (let r = 0; r < outer; r++) {
      for (let j = 0; j < c; j++) {
        const d = xs[r * c + j]! - m[j]!;
        v[j]! += d * d;
      }
    }
    for (let j = 0; j < c; j++) v[j] = v[j]! / outer;
    arr(mean).set(m);
    arr(variance).set(v);
    normalizeRows(xs, m, v, gamma && arr(gamma), beta && arr(beta), arr(y), outer, c, eps);
  }

  batchNormInfer(x: Storage, gamma: Storage | null, beta: Storage | null, mean: Storage, variance: Storage,
    y: Storage, outer: number, c: number, eps: number): void {
    normalizeRows(arr(x), arr(mean), arr(variance), gamma && arr(gamma), beta && arr(beta), arr(y), outer, c, eps);
  }

  batchNormBackward(x: Storage, dy: Storage, mean: Storage, variance: Storage, gamma: Storage | null,
    dx: Storage | null, dgamma: Storage, dbeta: Storage, outer: number, c: number, eps: number, training: boolean): void {
    const xs = arr(x);
    const gs = arr(dy);
    const m = arr(mean);
    const v = arr(variance);
    const g = gamma ? arr(gamma) : null;
    const s0 = new Float64Array(c);
    const s1 = new Float64Array(c);
    for (let r = 0; r < outer; r++) {
      for (let j = 0; j < c; j++) {
        const i = r * c + j;
        s0[j]! += gs[i]!;
        s1[j]! += gs[i]! * (xs[i]! - m[j]!);
      }
    }
    const invStd = Float64Array.from(v, (vj) => 1 / Math.sqrt(vj + eps));
    const db = arr(dbeta);
    const dg = arr(dgamma);
    for (let j = 0; j < c; j++) {
      db[j] = s0[j]!;
      dg[j] = s1[j]! * invStd[j]!;
    }
    if (!dx) return;
    const out = arr(dx);
    for (let r = 0; r < outer; r++) {
      for (let j = 0; j < c; j++) {
        const i = r * c + j;
        const k = (g ? g[j]! : 1) * invStd[j]!;
        const dev = training ? s0[j]! / outer + (xs[i]! - m[j]!) * (invStd[j]! * invStd[j]! * s1[j]! / outer) : 0;
        out[i] = k * (gs[i]! - dev);
      }
    }
  }

  maxPool2d(x: Storage, out: Storage, argmax: Storage | null, n: number, c: number, window: Window2d): void {
    pool.maxPool2d(arr(x), arr(out), argmax ? arr(argmax) : null, n, c, window);
  }

  maxPool2dGrad(dy: Storage, argmax: Storage, dx: Storage, n: number, c: number, window: Window2d): void {
    pool.maxPool2dGrad(arr(dy), arr(argmax), arr(dx), n, c, window);
  }

  avgPool2d(x: Storage, out: Storage, n: number, c: number, window: Window2d): void {
    pool.avgPool2d(arr(x), arr(out), n, c, window);
  }

  avgPool2dGrad(dy: Storage, dx: Storage, n: number, c: number, window: Window2d): void {
    pool.avgPool2dGrad(arr(dy), arr(dx), n, c, window);
  }

  conv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void {
    convForward(false, arr(x), arr(filter), arr(y), spec, bias ? arr(bias) : undefined);
  }

  conv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void {
    convBackwardInput(false, arr(dy), arr(filter), arr(dx), spec);
  }

  conv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    convBackwardFilter(false, arr(x), arr(dy), arr(dFilter), spec);
  }

  conv2dBackward(x: Storage, dy: Storage, filter: Storage, dx: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    convBackwardFilter(false, arr(x), arr(dy), arr(dFilter), spec);
    convBackwardInput(false, arr(dy), arr(filter), arr(dx), spec);
  }

  depthwiseConv2d(x: Storage, filter: Storage, y: Storage, spec: Conv2dSpec, bias?: Storage): void {
    convForward(true, arr(x), arr(filter), arr(y), spec, bias ? arr(bias) : undefined);
  }

  depthwiseConv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, spec: Conv2dSpec): void {
    convBackwardInput(true, arr(dy), arr(filter), arr(dx), spec);
  }

  depthwiseConv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, spec: Conv2dSpec): void {
    convBackwardFilter(true, arr(x), arr(dy), arr(dFilter), spec);
  }
}

/** y = (x − mean)·γ/√(variance + eps) + β over rows of c channels, in double. */
function normalizeRows(x: TypedArray, mean: ArrayLike<number>, variance: ArrayLike<number>, gamma: TypedArray | null,
  beta: TypedArray | null, y: TypedArray, outer: number, c: number, eps: number): void {
  const scale = Float64Array.from({ length: c }, (_, j) => (gamma ? gamma[j]! : 1) / Math.sqrt(variance[j]! + eps));
  for (let r = 0; r < outer; r++) {
    for (let j = 0; j < c; j++) y[r * c + j] = (x[r * c + j]! - mean[j]!) * scale[j]! + (beta ? beta[j]! : 0);
  }
}

/**
 * Walks every row of `shape` (all dims but the last) and calls fn with each operand's
 * offset of that row, the row length and each operand's stride along it.
 */
export function forEachIndex(
  shape: readonly number[],
  strides: readonly [readonly number[], readonly number[]],
  offsets: readonly [number, number],
  fn: (o0: number, o1: number, n: number, s0: number, s1: number) => void,
): void {
  const rank = shape.length;
  if (rank === 0) {
    fn(offsets[0], offsets[1], 1, 0, 0);
    return;
  }
  const last = rank - 1;
  const n = shape[last]!;
  let rows = 1;
  for (let d = 0; d < last; d++) rows *= shape[d]!;
  if (rows === 0 || n === 0) return;
  const [s0, s1] = strides;
  const idx = new Array<number>(rank).fill(0);
  let o0 = offsets[0];
  let o1 = offsets[1];
  for (let r = 0; r < rows; r++) {
    fn(o0, o1, n, s0[last]!, s1[last]!);
    for (let d = last - 1; d >= 0; d--) {
      o0 += s0[d]!;
      o1 += s1[d]!;
      if (++idx[d]! < shape[d]!) break;
      o0 -= s0[d]! * shape[d]!;
      o1 -= s1[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
