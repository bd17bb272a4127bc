import { noGrad } from '../autograd/mode.js';
import type { Backend, Storage } from '../backend/backend.js';
import type { OptimStepSpec } from '../backend/optim-spec.js';
import { typedArrayFor } from '../dtype.js';
import { keep } from '../memory.js';
import { shapeString, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Options every optimizer has. */
export interface BaseOptions {
  /** Learning rate η (≥ 0). */
  lr: number;
  /** L2 penalty λ (≥ 0); how it enters the update is documented per optimizer. */
  weightDecay: number;
}

/** A set of parameters updated with its own options (learning rate, weight decay, ...). */
export type ParamGroup<O> = O & { params: Tensor[] };

/** A group as the constructor takes it: parameters, and the options that differ from the optimizer's. */
export type ParamGroupInput<O> = Partial<O> & { params: Tensor[] };

/** One parameter's saved state: its step count and its state tensors by name. */
export interface ParamStateDict {
  step: number;
  buffers: Record<string, Tensor>;
}

/**
 * A snapshot of an optimizer: the state of each parameter (null for those not stepped yet),
 * numbered in group order, and each group's options with the numbers of its parameters.
 * State tensors are copies; loading copies them again.
 */
export interface OptimizerStateDict {
  optimizer: string;
  state: (ParamStateDict | null)[];
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

interface ParamState {
  step: number;
  buffers: Map<string, Tensor>;
}

/** A parameter the optimizer updates: it has a gradient and is neither frozen nor excluded from training. */
function isTrainable(p: Tensor): boolean {
  return p.requiresGrad && (p as { trainable?: unknown }).trainable !== false;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : `${typeof x} ${String(x)}`;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
}

function copyOptions<O>(o: O): O {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out as O;
}

/**
 * The base of every optimizer. It holds the parameter groups and each parameter's state,
 * and its step() runs one fused kernel call per group (per dtype, backend and step count)
 * that updates every parameter and its state in place. Parameters without a gradient are
 * skipped, as are those with requiresGrad false or trainable false. step() records no
 * autograd graph and allocates nothing after the first step.
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The groups, each with its parameters and options; options may be changed between steps. */
  readonly paramGroups: ParamGroup<O>[] = [];
  private readonly state = new Map<Tensor, ParamState>();
  private readonly defaults: O;

  protected constructor(readonly name: string, params: readonly Tensor[] | readonly ParamGroupInput<O>[],
    options: Partial<O> | undefined, defaults: O) {
    if (options !== undefined && !isPlainObject(options)) {
      throw new Error(`${name}: options must be an object, got ${describe(options)}`);
    }
    this.defaults = this.resolve(defaults, options ?? {}, name);
    if (!Array.isArray(params) || params.length === 0) {
      throw new Error(`${name}: params must be a non-empty array of tensors or of parameter groups ({ params, ...options })`);
    }
    if (params.every((p) => p instanceof Tensor)) {
      this.addParamGroup({ params: params as Tensor[] } as ParamGroupInput<O>);
    } else if (params.every((g) => isPlainObject(g))) {
      for (const g of params as ParamGroupInput<O>[]) this.addParamGroup(g);
    } else {
      const bad = params.findIndex((p) => !(p instanceof Tensor));
      throw new Error(`${name}: params must be all tensors or all parameter groups; params[${bad}] is ${describe(params[bad])}`);
    }
  }

  /** Checks the options of a group (or of the optimizer); throws naming `where` and the option. */
  protected abstract validateOptions(o: O, where: string): void;
  /** Names of the state buffers these options use, in the order the kernel takes them. */
  protected abstract stateNames(o: O): string[];
  /** Every state name this optimizer can use (for loadStateDict). */
  protected abstract readonly allStateNames: readonly string[];
  /** The kernel's hyperparameters for a group at step t (t = 1 on the first update). */
  protected abstract spec(o: O, t: number): OptimStepSpec;
  /** The value a new state buffer starts with. */
  protected initialValue(_o: O, _name: string): number {
    return 0;
  }

  private resolve(base: O, overrides: Record<string, unknown>, where: string): O {
    for (const key of Object.keys(overrides)) {
      if (key !== 'params' && !(key in base)) {
        throw new Error(`${where}: unknown option '${key}' (${this.name} takes ${Object.keys(base).join(', ')})`);
      }
    }
    const o = copyOptions({ ...base, ...overrides, params: undefined } as O);
    delete (o as { params?: unknown }).params;
    this.validateOptions(o, where);
    return o;
  }

  /** Adds a group of parameters, with options that override the optimizer's. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = `${this.name} (param group ${this.paramGroups.length})`;
    if (!isPlainObject(group) || !Array.isArray(group.params)) {
      throw new Error(`${where}: a parameter group must be an object { params: Tensor[], ...options }`);
    }
    const { params, ...overrides } = group;
    const options = this.resolve(this.defaults, overrides, where);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${where}: params[${i}] must be a Tensor, got ${describe(p)}`);
      p.assertLive(this.name);
      if (p.dtype === 'int32') throw new Error(`${where}: params[${i}] is int32; only float32 and float64 tensors can be optimized`);
      if (!p.isLeaf) throw new Error(`${where}: params[${i}] is the result of an op, not a leaf tensor; optimize the leaves (detach() makes one)`);
      if (seen.has(p)) throw new Error(`${where}: params[${i}] appears more than once among the optimizer's parameters`);
      seen.add(p);
    });
    this.paramGroups.push({ ...options, params: params.slice() });
  }

  /** The learning rate of the first group. */
  get lr(): number {
    return this.paramGroups[0]!.lr;
  }

  /** Sets the learning rate of every group (what learning-rate schedules use). */
  set lr(value: number) {
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
      throw new Error(`${this.name}: lr must be a finite number >= 0, got ${describe(value)}`);
    }
    for (const g of this.paramGroups) g.lr = value;
  }

  /** Drops every parameter's gradient (setToNone), or fills the existing ones with zeros. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.zeroGrad();
        else if (p.grad) p.grad.backend.fill(p.grad.storage, 0);
      }
    }
  }

  /** One update of every parameter that has a gradient, with the options of its group. */
  step(): void {
    noGrad(() => {
      this.paramGroups.forEach((group, gi) => this.stepGroup(group, `${this.name}.step (param group ${gi})`));
    });
  }

  private stepGroup(group: ParamGroup<O>, where: string): void {
    this.validateOptions(group, where);
    const names = this.stateNames(group);
    const buckets = new Map<string, { backend: Backend; t: number; params: Storage[]; tensors: Tensor[]; grads: Storage[];
      state: Storage[]; states: ParamState[] }>();
    group.params.forEach((p, i) => {
      const g = p.grad;
      if (!g || !isTrainable(p)) return;
      p.assertLive(where);
      g.assertLive(where);
      if (g.dtype !== p.dtype || g.backend !== p.backend || !shapesEqual(g.shape, p.shape)) {
        throw new Error(`${where}: params[${i}] is ${shapeString(p.shape)} ${p.dtype} on ${p.backend.name} but its grad is ` +
          `${shapeString(g.shape)} ${g.dtype} on ${g.backend.name}`);
      }
      const st = this.stateOf(p, group, names);
      const t = st.step + 1;
      const key = `${p.backend.name}/${p.dtype}/${t}`;
      let b = buckets.get(key);
      if (!b) buckets.set(key, (b = { backend: p.backend, t, params: [], tensors: [], grads: [], state: [], states: [] }));
      b.params.push(p.storage);
      b.tensors.push(p);
      b.grads.push(g.storage);
      for (const n of names) b.state.push(st.buffers.get(n)!.storage);
      b.states.push(st);
    });
    for (const b of buckets.values()) {
      b.backend.optimizerStep(this.spec(group, b.t), b.params, b.grads, b.state);
      for (const p of b.tensors) p.markWritten();
      for (const st of b.states) st.step = b.t;
    }
  }

  /** p's state, with every buffer `names` lists (new ones filled with their initial value). */
  private stateOf(p: Tensor, group: O, names: readonly string[]): ParamState {
    let st = this.state.get(p);
    if (!st) this.state.set(p, (st = { step: 0, buffers: new Map() }));
    for (const n of names) {
      if (st.buffers.has(n)) continue;
      const t = keep(new Tensor(p.backend, p.backend.alloc(p.dtype, p.size), p.shape));
      p.backend.fill(t.storage, this.initialValue(group, n));
      st.buffers.set(n, t);
    }
    return st;
  }

  /** The number of updates parameter p has had (0 before its first). */
  stepCount(p: Tensor): number {
    return this.state.get(p)?.step ?? 0;
  }

  /** A snapshot of the state and options (copies of the state tensors); see OptimizerStateDict. */
  stateDict(): OptimizerStateDict {
    return noGrad(() => {
      const state: (ParamStateDict | null)[] = [];
      const paramGroups = this.paramGroups.map(({ params, ...options }) => {
        const ids = params.map((p) => {
          const st = this.state.get(p);
          const buffers: Record<string, Tensor> = {};
          if (st) for (const [n, t] of st.buffers) buffers[n] = t.clone();
          state.push(st ? { step: st.step, buffers } : null);
          return state.length - 1;
        });
        return { ...copyOptions(options as Record<string, unknown>), params: ids };
      });
      return { optimizer: this.name, state, paramGroups };
    });
  }

  /**
   * Restores a snapshot from stateDict() of an optimizer of the same kind over parameters of
   * the same shapes, in the same groups: the options of each group, each parameter's step
   * count and state. State tensors are copied onto each parameter's backend and dtype. Any
   * mismatch throws and leaves this optimizer unchanged.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const fn = `${this.name}.loadStateDict`;
    if (!isPlainObject(dict) || !Array.isArray(dict.state) || !Array.isArray(dict.paramGroups)) {
      throw new Error(`${fn}: expected an object { optimizer, state, paramGroups } from stateDict()`);
    }
    if (dict.optimizer !== this.name) {
      throw new Error(`${fn}: the state dict is from ${String(dict.optimizer)}, not ${this.name}`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${fn}: the state dict has ${dict.paramGroups.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    const total = this.paramGroups.reduce((n, g) => n + g.params.length, 0);
    if (dict.state.length !== total) {
      throw new Error(`${fn}: the state dict has state for ${dict.state.length} parameters, this optimizer has ${total}`);
    }
    const options: O[] = [];
    const states = new Map<Tensor, ParamState>();
    let index = 0;
    dict.paramGroups.forEach((saved, gi) => {
      const where = `${fn} (param group ${gi})`;
      const group = this.paramGroups[gi]!;
      if (!isPlainObject(saved) || !Array.isArray(saved.params) || saved.params.length !== group.params.length) {
        throw new Error(`${where}: the saved group has ${Array.isArray(saved?.params) ? saved.params.length : 'no'} parameters, this one ${group.params.length}`);
      }
      options.push(this.resolve(this.defaults, saved, where));
      group.params.forEach((p, i) => {
        const id = saved.params[i];
        if (id !== index) throw new Error(`${where}: params[${i}] is numbered ${String(id)} in the state dict, expected ${index}`);
        index++;
        const st = this.loadParamState(dict.state[id], p, `${where}, params[${i}]`);
        if (st) states.set(p, st);
      });
    });
    for (const st of this.state.values()) for (const t of st.buffers.values()) t.dispose();
    this.state.clear();
    for (const [p, st] of states) this.state.set(p, st);
    options.forEach((o, gi) => Object.assign(this.paramGroups[gi]!, o));
  }

  private loadParamState(saved: unknown, p: Tensor, where: string): ParamState | null {
    if (saved === null || saved === undefined) return null;
    if (!isPlainObject(saved) || !isPlainObject(saved.buffers)) throw new Error(`${where}: expected { step, buffers } or null`);
    const step = saved.step;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
      throw new Error(`${where}: step must be a non-negative integer, got ${describe(step)}`);
    }
    const buffers = new Map<string, Tensor>();
    for (const [n, t] of Object.entries(saved.buffers)) {
      if (!this.allStateNames.includes(n)) {
        throw new Error(`${where}: unknown state '${n}' (${this.name} keeps ${this.allStateNames.join(', ')})`);
      }
      if (!(t instanceof Tensor) || t.isDisposed) throw new Error(`${where}: state '${n}' must be a live Tensor, got ${describe(t)}`);
      if (!shapesEqual(t.shape, p.shape)) {
        throw new Error(`${where}: state '${n}' has shape ${shapeString(t.shape)}, the parameter ${shapeString(p.shape)}`);
      }
      if (t.dtype === 'int32') throw new Error(`${where}: state '${n}' is int32, expected a float tensor`);
      const data = typedArrayFor(p.dtype, p.size);
      data.set(t.dataSync());
      buffers.set(n, keep(new Tensor(p.backend, p.backend.upload(p.dtype, data), p.shape)));
    }
    return { step, buffers };
  }
}

/** Option checks shared by the optimizers; each throws `${where}: <option> ...`. */
export const check = {
  number(where: string, name: string, v: unknown, lo: number, hi: number, { loOpen = false, hiOpen = false } = {}): void {
    const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) {
      const range = `${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen || hi === Infinity ? ')' : ']'}`;
      throw new Error(`${where}: ${name} must be a finite number in ${range}, got ${describe(v)}`);
    }
  },
  boolean(where: string, name: string, v: unknown): void {
    if (typeof v !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${describe(v)}`);
  },
  betas(where: string, v: unknown): void {
    if (!Array.isArray(v) || v.length !== 2) throw new Error(`${where}: betas must be [beta1, beta2], got ${describe(v)}`);
    check.number(where, 'betas[0]', v[0], 0, 1, { hiOpen: true });
    check.number(where, 'betas[1]', v[1], 0, 1, { hiOpen: true });
  },
  base(where: string, o: BaseOptions): void {
    check.number(where, 'lr', o.lr, 0, Infinity);
    check.number(where, 'weightDecay', o.weightDecay, 0, Infinity);
  },
};
