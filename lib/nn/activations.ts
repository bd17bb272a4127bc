import type { Activation } from '../backend/backend.js';
import * as unary from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Activation names a layer accepts ('linear' and 'none' are the identity). */
export type ActivationName =
  | 'linear' | 'none' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'softmax' | 'logSoftmax' | 'elu' | 'softplus';

export type ActivationLike = ActivationName | ((x: Tensor) => Tensor);

const FUNCTIONS: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  none: (x) => x,
  relu: unary.relu,
  leakyRelu: (x) => unary.leakyRelu(x, 0.01),
  sigmoid: unary.sigmoid,
  tanh: unary.tanh,
  softmax: (x) => unary.softmax(x, -1),
  logSoftmax: (x) => unary.logSoftmax(x, -1),
  elu: (x) => unary.elu(x, 1),
  softplus: unary.softplus,
};

/** The activations the GEMM kernel applies in its epilogue (leakyRelu with alpha 0.01). */
const FUSED: Partial<Record<ActivationName, Activation>> = {
  linear: 'none', none: 'none', relu: 'relu', leakyRelu: 'leakyRelu', sigmoid: 'sigmoid', tanh: 'tanh',
};

function canonical(name: string): ActivationName | undefined {
  const key = name.toLowerCase().replace(/_/g, '');
  return (Object.keys(FUNCTIONS) as ActivationName[]).find((k) => k.toLowerCase() === key);
}

/** The function of an activation name ('relu', 'leaky_relu', ...) or the function itself. */
export function getActivation(a: ActivationLike): (x: Tensor) => Tensor {
  if (typeof a === 'function') return a;
  const name = typeof a === 'string' ? canonical(a) : undefined;
  if (!name) throw new Error(`activation: unknown activation ${JSON.stringify(a)} (known: ${Object.keys(FUNCTIONS).join(', ')})`);
  return FUNCTIONS[name];
}

/** The epilogue activation of the fused GEMM for `a`, or undefined when it must run separately. */
export function fusedActivation(a: ActivationLike): Activation | undefined {
  if (typeof a !== 'string') return undefined;
  const name = canonical(a);
  return name ? FUSED[name] : undefined;
}

/** max(x, 0) */
export class ReLU extends Module {
  forward(x: Tensor): Tensor { return unary.relu(x); }
}

/** x for x > 0, alpha·x otherwise (default alpha 0.01, as PyTorch; Keras' LeakyReLU defaults to 0.3). */
export class LeakyReLU extends Module {
  constructor(readonly alpha = 0.01) {
    super();
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new Error(`LeakyReLU: alpha must be a finite number, got ${String(alpha)}`);
  }
  forward(x: Tensor): Tensor { return unary.leakyRelu(x, this.alpha); }
  protected override extraRepr(): string { return `alpha=${this.alpha}`; }
}

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new Error(`ELU: alpha must be a finite number, got ${String(alpha)}`);
  }
  forward(x: Tensor): Tensor { return unary.elu(x, this.alpha); }
  protected override extraRepr(): string { return `alpha=${this.alpha}`; }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return unary.sigmoid(x); }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor { return unary.tanh(x); }
}

/** log(1 + eˣ) */
export class Softplus extends Module {
  forward(x: Tensor): Tensor { return unary.softplus(x); }
}

/** Softmax along `axis` (default the last). */
export class Softmax extends Module {
  constructor(readonly axis = -1) { super(); }
  forward(x: Tensor): Tensor { return unary.softmax(x, this.axis); }
  protected override extraRepr(): string { return `axis=${this.axis}`; }
}

/** Log-softmax along `axis` (default the last). */
export class LogSoftmax extends Module {
  constructor(readonly axis = -1) { super(); }
  forward(x: Tensor): Tensor { return unary.logSoftmax(x, this.axis); }
  protected override extraRepr(): string { return `axis=${this.axis}`; }
}

/** Returns its input. */
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}
