import { noGrad } from '../autograd/mode.js';
import { assignInPlace } from '../ops/assign.js';
import { add } from '../ops/binary.js';
import { shapeString, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type Regularizer, type RegularizerLike, getRegularizer } from './regularizers.js';

export interface ParameterOptions {
  /** A penalty on this parameter, summed into regularizationLoss(). */
  regularizer?: RegularizerLike | null;
}

export interface LoadStateDictOptions {
  /** Require exactly the module's names (default true). Shapes and dtypes must match either way. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  /** The module's names that the state dict did not have (only possible with strict: false). */
  missingKeys: string[];
  /** Names in the state dict that the module does not have (only possible with strict: false). */
  unexpectedKeys: string[];
}

/** Whether any module of this process has registered a parameter with a regularizer. */
let regularizersRegistered = false;

/**
 * The base of every layer and model, PyTorch-style. A module owns parameters (leaf tensors
 * with requiresGrad, updated in place by optimizers, so each stays the same Tensor object for
 * the module's lifetime), buffers (state that is not trained, e.g. batch-norm running
 * statistics) and child modules.
 *
 * Registration: parameters and buffers are registered explicitly with registerParameter and
 * registerBuffer (both return the tensor, for `this.w = this.registerParameter('w', t)`).
 * Children are registered with registerModule, or found automatically: every own field that
 * holds a Module (or an array of Modules) is a child, named after the field (`fc1`, or
 * `layers.0`, `layers.1` for an array). Names are dotted paths: `0.weight`, `fc1.bias`.
 */
export abstract class Module {
  /** Training mode (dropout active, batch norm on batch statistics). Set with train()/eval(). */
  training = true;
  private trainableFlag = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly ownModules = new Map<string, Module>();
  private readonly ownRegularizers = new Map<string, Regularizer>();

  /** The computation. Call modules through call() (the hook point) or forward() directly. */
  abstract forward(x: Tensor, ...rest: Tensor[]): Tensor;

  /** Runs forward(). */
  call(x: Tensor, ...rest: Tensor[]): Tensor {
    return this.forward(x, ...rest);
  }

  /**
   * Whether the parameters are trained. Setting false freezes this module and all its
   * children: their parameters get requiresGrad = false, so backward() computes no gradient
   * for them and optimizers leave them alone. Setting true unfreezes them.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new Error(`${this.constructor.name}.trainable: expected a boolean, got ${String(value)}`);
    this.trainableFlag = value;
    for (const p of this.ownParams.values()) p.requiresGrad = value;
    for (const child of this.children()) child.trainable = value;
  }

  /**
   * Registers a parameter: a float leaf tensor that receives gradients. Returns it.
   * A frozen module (trainable = false) registers it frozen.
   */
  protected registerParameter(name: string, t: Tensor, options: ParameterOptions = {}): Tensor {
    this.checkName('registerParameter', name);
    if (!(t instanceof Tensor)) throw new Error(`registerParameter: '${name}' must be a Tensor`);
    if (t.dtype === 'int32') throw new Error(`registerParameter: '${name}' must be float32 or float64, got int32`);
    if (!t.isLeaf) throw new Error(`registerParameter: '${name}' must be a leaf tensor (use detach())`);
    t.requiresGrad = this.trainableFlag;
    this.ownParams.set(name, t);
    const reg = getRegularizer(options.regularizer ?? null);
    if (reg) {
      this.ownRegularizers.set(name, reg);
      regularizersRegistered = true;
    }
    return t;
  }

  /** Registers a buffer: module state saved in stateDict() but not trained. Returns it. */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.checkName('registerBuffer', name);
    if (!(t instanceof Tensor)) throw new Error(`registerBuffer: '${name}' must be a Tensor`);
    this.ownBuffers.set(name, t);
    return t;
  }

  /** Registers a child module under `name`. Returns it. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName('registerModule', name);
    if (!(m instanceof Module)) throw new Error(`registerModule: '${name}' must be a Module`);
    if (m === (this as Module)) throw new Error(`registerModule: a module cannot be its own child`);
    this.ownModules.set(name, m);
    return m;
  }

  private checkName(fn: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(`${fn}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
    }
    if (this.ownParams.has(name) || this.ownBuffers.has(name) || this.ownModules.has(name)) {
      throw new Error(`${fn}: '${name}' is already registered on ${this.constructor.name}`);
    }
  }

  /** Direct children with their names: registered ones first, then Module fields. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [...this.ownModules];
    const seen = new Set<Module>(this.ownModules.values());
    const take = (name: string, m: Module) => {
      if (m === (this as Module) || seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
    };
    // for-in rather than Object.entries: this runs on every training step (modules() via
    // regularizationLoss), and entries allocates a pair per field of every module.
    for (const key in this) {
      if (!Object.hasOwn(this, key) || this.ownModules.has(key)) continue;
      const value: unknown = this[key];
      if (value instanceof Module) take(key, value);
      else if (Array.isArray(value)) value.forEach((v, i) => { if (v instanceof Module) take(`${key}.${i}`, v); });
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all its descendants, each once, parents before children. */
  modules(): Module[] {
    const out: Module[] = [];
    const seen = new Set<Module>();
    const visit = (m: Module) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push(m);
      for (const c of m.children()) visit(c);
    };
    visit(this);
    return out;
  }

  /** Own tensors of one kind, then the children's, with dotted names; each tensor once. */
  private collect(kinds: readonly ('params' | 'buffers')[]): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seenTensors = new Set<Tensor>();
    const seenModules = new Set<Module>();
    const visit = (m: Module, prefix: string) => {
      if (seenModules.has(m)) return;
      seenModules.add(m);
      for (const kind of kinds) {
        for (const [name, t] of kind === 'params' ? m.ownParams : m.ownBuffers) {
          if (seenTensors.has(t)) continue;
          seenTensors.add(t);
          out.push([prefix + name, t]);
        }
      }
      for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /** Every parameter with its dotted name, recursively, each once, in a stable order. */
  namedParameters(): [string, Tensor][] {
    return this.collect(['params']);
  }

  /**
   * Every parameter, recursively, each once (shared parameters are not repeated), in a
   * stable order: a module's own before its children's. trainableOnly skips frozen ones.
   */
  parameters(options: { trainableOnly?: boolean } = {}): Tensor[] {
    const all = this.namedParameters().map(([, t]) => t);
    return options.trainableOnly ? all.filter((t) => t.requiresGrad) : all;
  }

  namedBuffers(): [string, Tensor][] {
    return this.collect(['buffers']);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Inference mode (train(false)): dropout off, batch norm on running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Drops .grad of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Parameters and buffers by dotted name (a module's own parameters, its own buffers, then
   * its children's). The values are the module's own tensors, not copies: clone them to keep
   * a snapshot that later training does not change.
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.collect(['params', 'buffers']));
  }

  /**
   * Copies the values of a state dict into this module's tensors, in place (the Tensor
   * objects stay the same, so optimizers holding them keep working). Everything is checked
   * before anything is copied: names (all of them unless strict: false), shapes and dtypes.
   */
  loadStateDict(sd: Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const fn = `${this.constructor.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object') throw new Error(`${fn}: expected an object of tensors by name`);
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    const problems: string[] = [];
    const list = (keys: string[]) => keys.slice(0, 8).join(', ') + (keys.length > 8 ? `, … (${keys.length} in all)` : '');
    if (strict && missingKeys.length) problems.push(`missing ${list(missingKeys)}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected ${list(unexpectedKeys)}`);
    const pairs: [Tensor, Tensor][] = [];
    for (const [name, dst] of Object.entries(own)) {
      if (!(name in sd)) continue;
      const src = sd[name];
      if (!(src instanceof Tensor)) {
        problems.push(`'${name}' is not a Tensor`);
      } else if (src.isDisposed) {
        problems.push(`'${name}' was disposed`);
      } else if (!shapesEqual(src.shape, dst.shape)) {
        problems.push(`'${name}' has shape ${shapeString(src.shape)}, expected ${shapeString(dst.shape)}`);
      } else if (src.dtype !== dst.dtype) {
        problems.push(`'${name}' is ${src.dtype}, expected ${dst.dtype}`);
      } else if (src !== dst) {
        pairs.push([dst, src]);
      }
    }
    if (problems.length) throw new Error(`${fn}: ${problems.join('; ')}`);
    noGrad(() => { for (const [dst, src] of pairs) assignInPlace(dst, src, fn); });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * The sum of the regularization penalties of this module's parameters and its
   * descendants' (a scalar tensor), or null when none has a regularizer. Add it to the data
   * loss; report it separately.
   */
  regularizationLoss(): Tensor | null {
    // Runs every training step; most processes never register a penalty, and then the walk
    // over the module tree (which allocates) can be skipped.
    if (!regularizersRegistered) return null;
    let total: Tensor | null = null;
    for (const m of this.modules()) {
      for (const [name, reg] of m.ownRegularizers) {
        const p = reg.penalty(m.ownParams.get(name)!);
        total = total ? add(total, p) : p;
      }
    }
    return total;
  }

  /** One line of settings shown by toString(), e.g. 'in=2, out=3'. */
  protected extraRepr(): string {
    return '';
  }

  /** The module tree, PyTorch-style. */
  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    const kids = this.namedChildren();
    if (kids.length === 0) return `${head})`;
    const lines = kids.map(([name, m]) => `  (${name}): ${m.toString().replace(/\n/g, '\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}
