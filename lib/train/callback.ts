import type { Logs, TrainingModel, TrainingParams } from './types.js';

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

/** The hooks of a custom callback; any subset may be given (a plain object works too). */
export interface CallbackHooks {
  onTrainBegin?: Hook<[logs: Logs]>;
  onTrainEnd?: Hook<[logs: Logs]>;
  onEpochBegin?: Hook<[epoch: number, logs: Logs]>;
  onEpochEnd?: Hook<[epoch: number, logs: Logs]>;
  onBatchBegin?: Hook<[batch: number, logs: Logs]>;
  onBatchEnd?: Hook<[batch: number, logs: Logs]>;
}

/**
 * Base class of callbacks: override the hooks you need. Hooks may be async; fit()
 * awaits each one before going on. Epoch and batch numbers start at 0 (batch numbers
 * restart every epoch); `logs` is shared by the callbacks of one event, so a callback
 * can add entries (e.g. 'lr') for the ones after it.
 */
export class Callback implements CallbackHooks {
  model: TrainingModel | null = null;
  params: TrainingParams | null = null;

  setModel(model: TrainingModel): void {
    this.model = model;
  }

  setParams(params: TrainingParams): void {
    this.params = params;
  }

  /** The model, or a clear error when the callback is used outside fit(). */
  protected requireModel(): TrainingModel {
    if (!this.model) throw new Error(`${this.constructor.name}: no model set (callbacks are driven by fit())`);
    return this.model;
  }

  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/** A Callback that forwards to the functions of a plain hooks object. */
class CustomCallback extends Callback {
  constructor(private readonly hooks: CallbackHooks) {
    super();
    for (const name of Object.keys(hooks)) {
      if (!(HOOKS as readonly string[]).includes(name) || typeof hooks[name as keyof CallbackHooks] !== 'function') {
        throw new Error(`callbacks: unknown hook '${name}' (expected functions among ${HOOKS.join(', ')})`);
      }
    }
  }

  override onTrainBegin(logs: Logs) { return this.hooks.onTrainBegin?.(logs); }
  override onTrainEnd(logs: Logs) { return this.hooks.onTrainEnd?.(logs); }
  override onEpochBegin(epoch: number, logs: Logs) { return this.hooks.onEpochBegin?.(epoch, logs); }
  override onEpochEnd(epoch: number, logs: Logs) { return this.hooks.onEpochEnd?.(epoch, logs); }
  override onBatchBegin(batch: number, logs: Logs) { return this.hooks.onBatchBegin?.(batch, logs); }
  override onBatchEnd(batch: number, logs: Logs) { return this.hooks.onBatchEnd?.(batch, logs); }
}

/** A Callback as is; a plain object of hooks wrapped into one. */
export function toCallback(c: Callback | CallbackHooks): Callback {
  if (c instanceof Callback) return c;
  if (c === null || typeof c !== 'object') throw new Error(`callbacks: expected a Callback or an object of hooks, got ${String(c)}`);
  return new CustomCallback(c);
}

/** Dispatches each event to every callback in order, awaiting each one. */
export class CallbackList {
  readonly callbacks: Callback[];

  constructor(callbacks: readonly (Callback | CallbackHooks)[] = []) {
    this.callbacks = callbacks.map(toCallback);
  }

  append(c: Callback | CallbackHooks): void {
    this.callbacks.push(toCallback(c));
  }

  setModel(model: TrainingModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }

  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  async onTrainBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin(logs);
  }

  async onTrainEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd(logs);
  }

  async onEpochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin(epoch, logs);
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd(epoch, logs);
  }

  async onBatchBegin(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin(batch, logs);
  }

  async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd(batch, logs);
  }
}

/**
 * Records the epoch logs: history.loss, history.val_loss, history.accuracy, ... hold
 * one value per epoch (fit() returns it, as Keras' History).
 */
export class History extends Callback {
  /** The epoch numbers, in order. */
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
