import type { Storage } from './backend.js';

/**
 * The hyperparameters of one fused optimizer update (Backend.optimizerStep), as the
 * kernels take them. lib/optim turns each optimizer's options and step count into one of
 * these; the formulas are documented there and in native/kernels/optim/optim_impl.inc.
 */
export type OptimStepSpec =
  | {
    rule: 'sgd'; lr: number; weightDecay: number; momentum: number;
    /** The factor c on the gradient in v ← μv + c·g: 1 (PyTorch) or 1 − μ (EMA form). */
    gradScale: number; nesterov: boolean;
  }
  | {
    rule: 'rmsprop'; lr: number; weightDecay: number; alpha: number; eps: number; momentum: number;
    centered: boolean; epsInside: boolean;
  }
  | {
    rule: 'adam'; lr: number; weightDecay: number; beta1: number; beta2: number; eps: number;
    /** 1 − β1^t and 1 − β2^t for this step t. */
    biasCorrection1: number; biasCorrection2: number; amsgrad: boolean;
    /** AdamW: p ← p·(1 − lr·weightDecay) instead of adding weightDecay·p to the gradient. */
    decoupled: boolean;
  }
  | { rule: 'adagrad'; /** The decayed rate of this step. */ lr: number; weightDecay: number; eps: number }
  | { rule: 'adadelta'; lr: number; weightDecay: number; rho: number; eps: number }
  | { rule: 'adamax'; lr: number; weightDecay: number; beta1: number; beta2: number; eps: number; biasCorrection1: number };

export type OptimRule = OptimStepSpec['rule'];

/** Rule codes shared with native/kernels/optim/optim.h. */
export const OPTIM_RULES: Record<OptimRule, number> = { sgd: 0, rmsprop: 1, adam: 2, adagrad: 3, adadelta: 4, adamax: 5 };

/** Length of the flat meta array the bindings take. */
export const OPTIM_META_LENGTH = 10;

const b = (v: boolean): number => (v ? 1 : 0);

/** The flat meta array of the native and wasm bindings: [rule, lr, weightDecay, rule-specific...]. */
export function optimMeta(spec: OptimStepSpec): Float64Array {
  const m = new Float64Array(OPTIM_META_LENGTH);
  m[0] = OPTIM_RULES[spec.rule];
  m[1] = spec.lr;
  m[2] = spec.weightDecay;
  switch (spec.rule) {
    case 'sgd': m.set([spec.momentum, spec.gradScale, b(spec.nesterov)], 3); break;
    case 'rmsprop': m.set([spec.alpha, spec.eps, spec.momentum, b(spec.centered), b(spec.epsInside)], 3); break;
    case 'adam':
      m.set([spec.beta1, spec.beta2, spec.eps, spec.biasCorrection1, spec.biasCorrection2, b(spec.amsgrad),
        b(spec.decoupled)], 3);
      break;
    case 'adagrad': m[3] = spec.eps; break;
    case 'adadelta': m.set([spec.rho, spec.eps], 3); break;
    case 'adamax': m.set([spec.beta1, spec.beta2, spec.eps, spec.biasCorrection1], 3); break;
  }
  return m;
}

/** State buffers per parameter that the kernel takes for `spec`, in order. */
export function optimStateCount(spec: OptimStepSpec): number {
  switch (spec.rule) {
    case 'sgd': return spec.momentum !== 0 ? 1 : 0;
    case 'rmsprop': return 1 + (spec.momentum !== 0 ? 1 : 0) + (spec.centered ? 1 : 0);
    case 'adam': return spec.amsgrad ? 3 : 2;
    case 'adagrad': return 1;
    case 'adadelta': return 2;
    case 'adamax': return 2;
  }
}

/** What the native binding checks: one float dtype, and the size of its parameter for every grad and state buffer. */
export function checkOptimArgs(params: readonly Storage[], grads: readonly Storage[], state: readonly Storage[],
  k: number): void {
  if (grads.length !== params.length) {
    throw new Error(`optimizerStep: ${params.length} params but ${grads.length} grads`);
  }
  if (state.length !== params.length * k) {
    throw new Error(`optimizerStep: expected ${k} state buffers per parameter (${params.length * k} in all), got ${state.length}`);
  }
  const dtype = params[0]?.dtype;
  if (dtype === 'int32') throw new Error('optimizerStep: params must be float32 or float64, got int32');
  params.forEach((p, i) => {
    const all: [string, Storage][] = [[`params[${i}]`, p], [`grads[${i}]`, grads[i]!]];
    for (let j = 0; j < k; j++) all.push([`state[${i * k + j}]`, state[i * k + j]!]);
    for (const [name, s] of all) {
      if (s.dtype !== dtype || s.size !== p.size) {
        throw new Error(`optimizerStep: ${name} (${s.dtype}, ${s.size} elements) does not match params[${i}] (${p.dtype}, ${p.size} elements; group dtype ${dtype})`);
      }
    }
  });
}
