import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * Modules applied in order, each to the previous one's output. Children are named by
 * position ('0', '1', …), so parameters are '0.weight', '0.bias', '2.weight', ….
 */
export class Sequential extends Module implements Iterable<Module> {
  private readonly layers: Module[] = [];

  constructor(...modules: (Module | Module[])[]) {
    super();
    for (const m of modules.flat()) this.add(m);
  }

  /** Appends a module; returns this. */
  add(m: Module): this {
    if (!(m instanceof Module)) throw new Error(`Sequential.add: expected a Module, got ${m === null ? 'null' : typeof m}`);
    this.registerModule(String(this.layers.length), m);
    this.layers.push(m);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  /** The module at position i (negative counts from the end). */
  at(i: number): Module {
    const m = this.layers.at(i);
    if (!m) throw new Error(`Sequential.at: index ${i} out of range for ${this.layers.length} modules`);
    return m;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.call(y);
    return y;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }
}
