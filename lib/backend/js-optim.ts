import type { TypedArray } from '../dtype.js';
import type { OptimStepSpec } from './optim-spec.js';

type Arr = TypedArray;

/**
 * The fused optimizer updates in plain TypeScript (the js backend, and the oracle of the
 * kernel tests): the expressions of native/kernels/optim/optim_impl.inc in the same order,
 * evaluated in double and rounded on store. param i is params[i], its state buffers
 * state[i·k .. i·k + k − 1].
 */
export function jsOptimizerStep(spec: OptimStepSpec, params: readonly Arr[], grads: readonly Arr[],
  state: readonly Arr[], k: number): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const g = grads[i]!;
    const s = state.slice(i * k, i * k + k);
    switch (spec.rule) {
      case 'sgd': sgd(spec, p, g, s); break;
      case 'rmsprop': rmsprop(spec, p, g, s); break;
      case 'adam': adam(spec, p, g, s); break;
      case 'adagrad': adagrad(spec, p, g, s[0]!); break;
      case 'adadelta': adadelta(spec, p, g, s[0]!, s[1]!); break;
      case 'adamax': adamax(spec, p, g, s[0]!, s[1]!); break;
    }
  }
}

function sgd(h: Extract<OptimStepSpec, { rule: 'sgd' }>, P: Arr, G: Arr, s: Arr[]): void {
  const { lr, weightDecay: wd, momentum: mu, gradScale: c, nesterov } = h;
  const decay = wd !== 0;
  const B = mu !== 0 ? s[0]! : null;
  for (let i = 0; i < P.length; i++) {
    const p = P[i]!;
    let g = G[i]!;
    if (decay) g = g + wd * p;
    let d = g;
    if (B) {
      const v = mu * B[i]! + c * g;
      B[i] = v;
      d = nesterov ? c * g + mu * v : v;
    }
    P[i] = p - lr * d;
  }
}

function rmsprop(h: Extract<OptimStepSpec, { rule: 'rmsprop' }>, P: Arr, G: Arr, s: Arr[]): void {
  const { lr, weightDecay: wd, alpha, eps, momentum: mu, centered, epsInside } = h;
  const oma = 1 - alpha;
  const epsIn = epsInside ? eps : 0;
  const epsOut = epsInside ? 0 : eps;
  const decay = wd !== 0;
  const S = s[0]!;
  let k = 1;
  const B = mu !== 0 ? s[k++]! : null;
  const A = centered ? s[k++]! : null;
  for (let i = 0; i < P.length; i++) {
    let p = P[i]!;
    let g = G[i]!;
    if (decay) g = g + wd * p;
    const sv = alpha * S[i]! + oma * (g * g);
    S[i] = sv;
    let v = sv;
    if (A) {
      const a = alpha * A[i]! + oma * g;
      A[i] = a;
      v = sv - a * a;
    }
    const den = Math.sqrt(v + epsIn) + epsOut;
    if (B) {
      const b = mu * B[i]! + g / den;
      B[i] = b;
      p = p - lr * b;
    } else {
      p = p - lr * (g / den);
    }
    P[i] = p;
  }
}

function adam(h: Extract<OptimStepSpec, { rule: 'adam' }>, P: Arr, G: Arr, s: Arr[]): void {
  const { lr, weightDecay: wd, beta1: b1, beta2: b2, eps, amsgrad, decoupled } = h;
  const omb1 = 1 - b1;
  const omb2 = 1 - b2;
  const step = lr / h.biasCorrection1;
  const rsb2 = 1 / Math.sqrt(h.biasCorrection2);
  const shrink = 1 - lr * wd;
  const decay = wd !== 0;
  const M = s[0]!;
  const V = s[1]!;
  const VM = amsgrad ? s[2]! : null;
  for (let i = 0; i < P.length; i++) {
    let p = P[i]!;
    let g = G[i]!;
    if (decay) {
      if (decoupled) p = p * shrink;
      else g = g + wd * p;
    }
    const m = b1 * M[i]! + omb1 * g;
    const v = b2 * V[i]! + omb2 * (g * g);
    M[i] = m;
    V[i] = v;
    let vu = v;
    if (VM) {
      const old = VM[i]!;
      vu = old > v ? old : v;
      VM[i] = vu;
    }
    P[i] = p - step * (m / (Math.sqrt(vu) * rsb2 + eps));
  }
}

function adagrad(h: Extract<OptimStepSpec, { rule: 'adagrad' }>, P: Arr, G: Arr, S: Arr): void {
  const { lr, weightDecay: wd, eps } = h;
  const decay = wd !== 0;
  for (let i = 0; i < P.length; i++) {
    const p = P[i]!;
    let g = G[i]!;
    if (decay) g = g + wd * p;
    const sv = S[i]! + g * g;
    S[i] = sv;
    P[i] = p - lr * (g / (Math.sqrt(sv) + eps));
  }
}

function adadelta(h: Extract<OptimStepSpec, { rule: 'adadelta' }>, P: Arr, G: Arr, S: Arr, U: Arr): void {
  const { lr, weightDecay: wd, rho, eps } = h;
  const omr = 1 - rho;
  const decay = wd !== 0;
  for (let i = 0; i < P.length; i++) {
    const p = P[i]!;
    let g = G[i]!;
    if (decay) g = g + wd * p;
    const sv = rho * S[i]! + omr * (g * g);
    S[i] = sv;
    const u = U[i]!;
    const delta = (Math.sqrt(u + eps) / Math.sqrt(sv + eps)) * g;
    U[i] = rho * u + omr * (delta * delta);
    P[i] = p - lr * delta;
  }
}

function adamax(h: Extract<OptimStepSpec, { rule: 'adamax' }>, P: Arr, G: Arr, M: Arr, U: Arr): void {
  const { lr, weightDecay: wd, beta1: b1, beta2: b2, eps } = h;
  const omb1 = 1 - b1;
  const step = lr / h.biasCorrection1;
  const decay = wd !== 0;
  for (let i = 0; i < P.length; i++) {
    const p = P[i]!;
    let g = G[i]!;
    if (decay) g = g + wd * p;
    const m = b1 * M[i]! + omb1 * g;
    const a = b2 * U[i]!;
    const b = Math.abs(g) + eps;
    const u = a > b ? a : b;
    M[i] = m;
    U[i] = u;
    P[i] = p - step * (m / u);
  }
}
