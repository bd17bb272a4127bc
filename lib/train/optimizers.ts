import * as optim from '../optim/index.js';
import type { Tensor } from '../tensor.js';

/** Keras optimizer names. */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax';

/**
 * An optimizer as model.compile takes it before the model's weights exist: a name and
 * options (learningRate or lr). Serialized in model.json.
 */
export interface OptimizerSpec {
  className: OptimizerName;
  config: Record<string, unknown>;
}

// Keras' defaults (learning rates, rho 0.9 for RMSprop, 0.95 for Adadelta, epsilon 1e-7),
// which differ from the PyTorch-style defaults of ng.optim.
const MAKERS: Record<OptimizerName, (params: Tensor[], config: Record<string, unknown>) => optim.Optimizer> = {
  sgd: (p, c) => new optim.SGD(p, { lr: 0.01, ...c }),
  adam: (p, c) => new optim.Adam(p, { lr: 0.001, eps: 1e-7, ...c }),
  adamw: (p, c) => new optim.AdamW(p, { lr: 0.001, eps: 1e-7, ...c }),
  rmsprop: (p, c) => new optim.RMSprop(p, { lr: 0.001, alpha: 0.9, eps: 1e-7, ...c }),
  adagrad: (p, c) => new optim.Adagrad(p, { lr: 0.001, initialAccumulatorValue: 0.1, eps: 1e-7, ...c }),
  adadelta: (p, c) => new optim.Adadelta(p, { lr: 0.001, rho: 0.95, eps: 1e-7, ...c }),
  adamax: (p, c) => new optim.Adamax(p, { lr: 0.001, eps: 1e-7, ...c }),
};

/** Keras option names onto ng.optim's: learningRate → lr, epsilon → eps, beta_1/beta_2 → betas, rho → alpha (RMSprop). */
function fromKerasNames(className: OptimizerName, config: Record<string, unknown>): Record<string, unknown> {
  const { learningRate, epsilon, beta1, beta2, beta_1: b1, beta_2: b2, rho, ...rest } = config;
  const out: Record<string, unknown> = { ...rest };
  if (learningRate !== undefined) out.lr = learningRate;
  if (epsilon !== undefined) out.eps = epsilon;
  const first = beta1 ?? b1;
  const second = beta2 ?? b2;
  if (first !== undefined || second !== undefined) out.betas = [first ?? 0.9, second ?? 0.999];
  if (rho !== undefined) out[className === 'rmsprop' ? 'alpha' : 'rho'] = rho;
  return out;
}

function spec(className: OptimizerName, config: Record<string, unknown> = {}): OptimizerSpec {
  return { className, config: fromKerasNames(className, config) };
}

/** ng.optimizers.adam({ lr: 1e-3 }) and the other Keras-style factories. */
export const optimizers = {
  sgd: (config?: Record<string, unknown>) => spec('sgd', config),
  adam: (config?: Record<string, unknown>) => spec('adam', config),
  adamw: (config?: Record<string, unknown>) => spec('adamw', config),
  rmsprop: (config?: Record<string, unknown>) => spec('rmsprop', config),
  adagrad: (config?: Record<string, unknown>) => spec('adagrad', config),
  adadelta: (config?: Record<string, unknown>) => spec('adadelta', config),
  adamax: (config?: Record<string, unknown>) => spec('adamax', config),
};

/** An OptimizerSpec from a name or a spec, checked. */
export function optimizerSpec(v: unknown): OptimizerSpec {
  if (typeof v === 'string') {
    const name = v.toLowerCase() as OptimizerName;
    if (!(name in MAKERS)) throw new Error(`compile: unknown optimizer '${v}' (expected one of ${Object.keys(MAKERS).join(', ')})`);
    return spec(name);
  }
  if (v && typeof v === 'object' && 'className' in v && (v as OptimizerSpec).className in MAKERS) return v as OptimizerSpec;
  throw new Error(`compile: optimizer must be a name ('adam', 'sgd', …) or ng.optimizers.adam({...}), got ${JSON.stringify(v)}`);
}

export function makeOptimizer(s: OptimizerSpec, params: Tensor[]): optim.Optimizer {
  return MAKERS[s.className](params, s.config);
}
