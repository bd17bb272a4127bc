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

// Keras defaults where they differ from the optimizers' own (rmsprop lr 0.001, adadelta lr 1).
const MAKERS: Record<OptimizerName, (params: Tensor[], config: Record<string, unknown>) => optim.Optimizer> = {
  sgd: (p, c) => new optim.SGD(p, { lr: 0.01, ...c }),
  adam: (p, c) => new optim.Adam(p, { lr: 0.001, ...c }),
  adamw: (p, c) => new optim.AdamW(p, { lr: 0.001, ...c }),
  rmsprop: (p, c) => new optim.RMSprop(p, { lr: 0.001, ...c }),
  adagrad: (p, c) => new optim.Adagrad(p, { lr: 0.01, ...c }),
  adadelta: (p, c) => new optim.Adadelta(p, { lr: 1, ...c }),
  adamax: (p, c) => new optim.Adamax(p, { lr: 0.002, ...c }),
};

function spec(className: OptimizerName, config: Record<string, unknown> = {}): OptimizerSpec {
  const { learningRate, ...rest } = config;
  return { className, config: learningRate === undefined ? rest : { ...rest, lr: learningRate } };
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
