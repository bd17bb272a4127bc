import { keep, tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { Tensor } from '../tensor.js';
import { noGrad } from './mode.js';

export interface GradcheckOptions {
  /** The step of the two-sided difference (default 1e-6). */
  eps?: number;
  /** Pass when the relative error is below this (default 1e-7, the course's "great"). */
  threshold?: number;
  /** Also require |analytic − numeric| ≤ atol + rtol·|numeric| elementwise, when given. */
  atol?: number;
  rtol?: number;
}

export type Verdict = 'great' | 'ok' | 'check' | 'bug';

export interface InputReport {
  input: number;
  shape: number[];
  relativeError: number;
  /** The element with the largest |analytic − numeric|. */
  worst: { index: number[]; analytic: number; numeric: number };
}

export interface GradcheckReport {
  passed: boolean;
  /** ‖dθapprox − dθ‖₂ / (‖dθapprox‖₂ + ‖dθ‖₂) over all checked inputs. */
  relativeError: number;
  /** < 1e-7 great, < 1e-5 ok, < 1e-3 check (suspicious), ≥ 1e-3 bug. */
  verdict: Verdict;
  inputs: InputReport[];
  summary: string;
}

export function verdictOf(relErr: number): Verdict {
  if (!(relErr < 1e-3)) return 'bug';
  if (relErr < 1e-7) return 'great';
  return relErr < 1e-5 ? 'ok' : 'check';
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** A scalar objective from fn's output: itself, or a fixed random projection of it. */
function objective(out: Tensor): Tensor {
  if (out.size === 1) return out.sum();
  const w = new Float64Array(out.size).map((_, i) => Math.sin(i * 12.9898 + 1.618) * 0.5 + 1);
  return out.astype('float64').mul(tensor(w, out.shape, 'float64')).sum();
}

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  const denom = Math.sqrt(na) + Math.sqrt(nb);
  return denom === 0 ? 0 : Math.sqrt(diff) / denom;
}

/**
 * Two-sided differences of J around `values`, element by element; set(i, v) installs
 * input i's values and J() evaluates the objective.
 */
function numericGradients(values: Float64Array[], checked: boolean[], eps: number,
  J: () => number, set: (i: number, v: Float64Array) => void): Float64Array[] {
  return values.map((v, i) => {
    const g = new Float64Array(v.length);
    if (!checked[i]) return g;
    for (let j = 0; j < v.length; j++) {
      const orig = v[j]!;
      v[j] = orig + eps;
      set(i, v);
      const plus = J();
      v[j] = orig - eps;
      set(i, v);
      const minus = J();
      v[j] = orig;
      set(i, v);
      g[j] = (plus - minus) / (2 * eps);
    }
    return g;
  });
}

function buildReport(shapes: number[][], checked: boolean[], analytic: Float64Array[], numeric: Float64Array[],
  options: GradcheckOptions, defaultThreshold: number): GradcheckReport {
  const reports: InputReport[] = [];
  let elementwiseOk = true;
  shapes.forEach((shape, i) => {
    if (!checked[i]) return;
    const a = analytic[i]!;
    const n = numeric[i]!;
    let worst = 0;
    for (let j = 0; j < a.length; j++) {
      const d = Math.abs(a[j]! - n[j]!);
      if (d > Math.abs(a[worst]! - n[worst]!) || Number.isNaN(d)) worst = j;
      if (options.atol !== undefined || options.rtol !== undefined) {
        if (!(d <= (options.atol ?? 0) + (options.rtol ?? 0) * Math.abs(n[j]!))) elementwiseOk = false;
      }
    }
    reports.push({
      input: i, shape, relativeError: relError(n, a),
      worst: { index: unravel(worst, shape), analytic: a[worst] ?? 0, numeric: n[worst] ?? 0 },
    });
  });
  const all = (arrs: Float64Array[]) => arrs.flatMap((x, i) => (checked[i] ? Array.from(x) : []));
  const relativeError = relError(all(numeric), all(analytic));
  const verdict = verdictOf(relativeError);
  const passed = relativeError < (options.threshold ?? defaultThreshold) && elementwiseOk;
  const worstInputs = reports.slice().sort((x, y) => y.relativeError - x.relativeError).slice(0, 3)
    .map((r) => `input ${r.input} ${JSON.stringify(r.shape)}: ${r.relativeError.toExponential(2)}, worst at ` +
      `[${r.worst.index.join(',')}] analytic ${r.worst.analytic} vs numeric ${r.worst.numeric}`);
  const summary = `gradcheck ${passed ? 'passed' : 'FAILED'}: relative error ${relativeError.toExponential(2)} (${verdict})` +
    (worstInputs.length ? `; ${worstInputs.join('; ')}` : '');
  return { passed, relativeError, verdict, inputs: reports, summary };
}

/**
 * Gradient checking as the course describes it: for every element θᵢ of every float input,
 * (J(θ + ε) − J(θ − ε)) / 2ε in float64 against backward()'s gradient, with the relative
 * error ‖dθapprox − dθ‖₂ / (‖dθapprox‖₂ + ‖dθ‖₂). fn must return a tensor (a non-scalar
 * output is projected onto fixed random weights). int32 inputs are passed through unchecked.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[],
  options: GradcheckOptions = {}): GradcheckReport {
  if (typeof fn !== 'function') throw new Error('gradcheck: fn must be a function of the input tensors');
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) {
    throw new Error('gradcheck: inputs must be an array of tensors');
  }
  const values = inputs.map((t) => Float64Array.from(t.dataSync()));
  const checked = inputs.map((t) => t.dtype !== 'int32');
  const make = (grad: boolean) => inputs.map((t, i) => {
    if (!checked[i]) return t;
    const x = tensor(values[i]!, t.shape, 'float64');
    x.requiresGrad = grad;
    return x;
  });
  const analytic = tidy(() => {
    const xs = make(true);
    objective(fn(...xs)).backward();
    return xs.map((x, i) => (checked[i] && x.grad ? Float64Array.from(keep(x.grad).dataSync()) : new Float64Array(x.size)));
  });
  const J = () => noGrad(() => tidy(() => objective(fn(...make(false))).item()));
  const numeric = numericGradients(values, checked, options.eps ?? 1e-6, J, () => {});
  return buildReport(inputs.map((t) => t.shape.slice()), checked, analytic, numeric, options, 1e-7);
}

/** What gradcheck.model needs of a model: its parameters and a forward pass. */
export interface CheckableModel {
  parameters(): Iterable<Tensor>;
  forward(x: Tensor): Tensor;
  /** True in training mode (dropout active): the check refuses to run then. */
  training?: boolean;
}

export interface ModelGradcheckOptions extends GradcheckOptions {
  /** J = loss(model.forward(x), y); default: softmax cross-entropy for int32 y, else mean squared error. */
  loss?: (prediction: Tensor, y: Tensor) => Tensor;
}

/**
 * Gradient checking of a whole model as the course does it: all parameters flattened
 * into one vector θ, each θᵢ perturbed by ±ε in place, J recomputed, and the two-sided
 * differences compared with backprop's dθ. The model must be in inference mode (no
 * dropout). Use float64 parameters for a meaningful check (float32 passes below 1e-2).
 */
gradcheck.model = function gradcheckModel(model: CheckableModel, x: Tensor, y: Tensor,
  options: ModelGradcheckOptions = {}): GradcheckReport {
  if (!model || typeof model.parameters !== 'function' || typeof model.forward !== 'function') {
    throw new Error('gradcheck.model: model must have parameters() and forward(x)');
  }
  if (model.training) {
    throw new Error('gradcheck.model: the model is in training mode, so dropout makes J(θ) random; call model.eval() first');
  }
  const params = [...model.parameters()].filter((p) => p.requiresGrad);
  if (params.length === 0) throw new Error('gradcheck.model: the model has no trainable parameters');
  const loss = options.loss ??
    ((p: Tensor, t: Tensor) => (t.dtype === 'int32' ? p.softmaxCrossEntropy(t) : p.sub(t).square().mean()));
  const saved = params.map((p) => ({ grad: p.grad, values: Float64Array.from(p.dataSync()) }));
  try {
    params.forEach((p) => (p.grad = null));
    const analytic = tidy(() => {
      loss(model.forward(x), y).backward();
      return params.map((p) => (p.grad ? Float64Array.from(p.grad.dataSync()) : new Float64Array(p.size)));
    });
    const values = saved.map((s) => s.values.slice());
    const J = () => noGrad(() => tidy(() => loss(model.forward(x), y).item()));
    const numeric = numericGradients(values, params.map(() => true), options.eps ?? 1e-6, J,
      (i, v) => params[i]!.overwrite(v));
    const threshold = params.every((p) => p.dtype === 'float64') ? 1e-7 : 1e-2;
    return buildReport(params.map((p) => p.shape.slice()), params.map(() => true), analytic, numeric, options, threshold);
  } finally {
    params.forEach((p, i) => {
      p.overwrite(saved[i]!.values);
      p.grad?.dispose();
      p.grad = saved[i]!.grad;
    });
  }
};
