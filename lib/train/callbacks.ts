import { access, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import type { Tensor } from '../tensor.js';
import { Callback } from './callback.js';
import { formatTemplate } from './format.js';
import type { Logs, OutputStream } from './types.js';

export type MonitorMode = 'auto' | 'min' | 'max';

/**
 * Whether a monitored quantity improves downwards or upwards. 'auto' goes by the name,
 * as Keras: accuracies, AUC, precision, recall and F-scores go up; losses and errors down.
 */
export function resolveMode(op: string, monitor: string, mode: MonitorMode = 'auto'): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== 'auto') throw new Error(`${op}: mode must be 'auto', 'min' or 'max', got ${String(mode)}`);
  const base = monitor.replace(/^val_/, '');
  return /acc|auc|precision|recall|f1|fmeasure/i.test(base) ? 'max' : 'min';
}

function checkNumber(op: string, name: string, v: number, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Error(`${op}: ${name} must be a finite number >= ${min}, got ${v}`);
  return v;
}

function checkInteger(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

/** A callback with an output stream for its messages and a one-time warning for a missing monitor. */
abstract class MonitoringCallback extends Callback {
  protected readonly stream: OutputStream;
  private warned = false;

  constructor(stream: OutputStream | undefined) {
    super();
    this.stream = stream ?? process.stdout;
  }

  protected say(line: string): void {
    this.stream.write(`${line}\n`);
  }

  /** The monitored value, or undefined (with one warning per fit) when logs lack it. */
  protected monitored(op: string, monitor: string, logs: Logs): number | undefined {
    const v = logs[monitor];
    if (v === undefined && !this.warned) {
      this.warned = true;
      this.say(`Warning: ${op} monitors '${monitor}', which is not available; available: ${Object.keys(logs).join(', ') || 'none'}`);
    }
    return v;
  }

  protected resetWarning(): void {
    this.warned = false;
  }
}

export interface EarlyStoppingOptions {
  /** Quantity to watch (default 'val_loss'). */
  monitor?: string;
  /** Changes smaller than this do not count as improvements (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 'min', 'max' or 'auto' (from the name; default). */
  mode?: MonitorMode;
  /** Training stops unless the value beats this baseline (checked like an improvement). */
  baseline?: number | null;
  /** At the end of training, put back the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all (default 0). */
  startFromEpoch?: number;
  /** 1 prints a line when it stops and when it restores (default 0). */
  verbose?: 0 | 1;
  stream?: OutputStream;
}

/**
 * Stops training when the monitored quantity has stopped improving for `patience`
 * epochs (Keras EarlyStopping; restored weights are those of the best epoch, put back
 * at the end of training).
 */
export class EarlyStopping extends MonitoringCallback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: 0 | 1;
  wait = 0;
  best = Infinity;
  bestEpoch = 0;
  /** The epoch training stopped at (0 when it ran to the end). */
  stoppedEpoch = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super(options.stream);
    const op = 'EarlyStopping';
    this.monitor = options.monitor ?? 'val_loss';
    this.minDelta = Math.abs(checkNumber(op, 'minDelta', options.minDelta ?? 0));
    this.patience = checkInteger(op, 'patience', options.patience ?? 0);
    this.mode = resolveMode(op, this.monitor, options.mode);
    this.baseline = options.baseline === undefined || options.baseline === null ? null : checkNumber(op, 'baseline', options.baseline);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = checkInteger(op, 'startFromEpoch', options.startFromEpoch ?? 0);
    this.verbose = options.verbose ?? 0;
  }

  private isImprovement(value: number, reference: number): boolean {
    return this.mode === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  private keepWeights(): void {
    for (const t of this.bestWeights ?? []) t.dispose();
    this.bestWeights = this.requireModel().getWeights();
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = 0;
    for (const t of this.bestWeights ?? []) t.dispose();
    this.bestWeights = null;
    this.resetWarning();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitored('EarlyStopping', this.monitor, logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // Nothing better seen yet: the current weights are the best so far.
      this.keepWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.keepWeights();
      // Patience restarts only when the value beats both the best so far and the baseline;
      // improving while still short of the baseline uses patience up.
      if (this.baseline === null || this.isImprovement(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.requireModel().stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) this.say(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) this.say(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.requireModel().setWeights(this.bestWeights);
      this.bestWeights = null;  // handed to the model, which copies them; the GC reclaims ours
    }
  }
}

export interface ModelCheckpointOptions {
  /**
   * Directory to save to; may use logs as '{epoch:02d}' (1-based), '{val_loss:.4f}' or
   * '{batch}' to keep one checkpoint per epoch.
   */
  filepath: string;
  /** Quantity that decides what is best (default 'val_loss'). */
  monitor?: string;
  /** Save only when the monitored quantity improves on the best so far (default false). */
  saveBestOnly?: boolean;
  mode?: MonitorMode;
  /** 'epoch' (default) or a number of batches between saves. */
  saveFreq?: 'epoch' | number;
  /** 1 prints a line for each save (and each skipped one with saveBestOnly). */
  verbose?: 0 | 1;
  stream?: OutputStream;
}

/**
 * Saves the model after every epoch, or only when it improves (Keras ModelCheckpoint).
 * Saving goes through model.save(), which writes the directory atomically: an
 * interrupted save leaves the previous checkpoint intact.
 */
export class ModelCheckpoint extends MonitoringCallback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly saveFreq: 'epoch' | number;
  readonly verbose: 0 | 1;
  best = Infinity;
  /** Paths written, in order. */
  readonly saved: string[] = [];
  private epoch = 0;
  private batchesSinceSave = 0;

  constructor(options: ModelCheckpointOptions) {
    const op = 'ModelCheckpoint';
    super(options?.stream);
    if (!options || typeof options.filepath !== 'string' || options.filepath === '') throw new Error(`${op}: filepath is required`);
    this.filepath = options.filepath;
    this.monitor = options.monitor ?? 'val_loss';
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.mode = resolveMode(op, this.monitor, options.mode);
    const freq = options.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(Number.isInteger(freq) && freq > 0)) throw new Error(`${op}: saveFreq must be 'epoch' or a positive integer, got ${String(freq)}`);
    this.saveFreq = freq;
    this.verbose = options.verbose ?? 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  override onTrainBegin(): void {
    this.resetWarning();
    this.batchesSinceSave = 0;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch' || ++this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    await this.maybeSave(this.epoch, logs, batch);
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveFreq === 'epoch') await this.maybeSave(epoch, logs);
  }

  private async maybeSave(epoch: number, logs: Logs, batch?: number): Promise<void> {
    const path = formatTemplate('ModelCheckpoint', this.filepath, { ...logs, epoch: epoch + 1, ...(batch === undefined ? {} : { batch }) });
    if (this.saveBestOnly) {
      const current = this.monitored('ModelCheckpoint', this.monitor, logs);
      if (current === undefined) return;
      const better = this.mode === 'min' ? current < this.best : current > this.best;
      if (!better) {
        if (this.verbose > 0) this.say(`Epoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best}`);
        return;
      }
      if (this.verbose > 0) this.say(`Epoch ${epoch + 1}: ${this.monitor} improved from ${this.best} to ${current}, saving model to ${path}`);
      this.best = current;
    } else if (this.verbose > 0) {
      this.say(`Epoch ${epoch + 1}: saving model to ${path}`);
    }
    await this.requireModel().save(path);
    this.saved.push(path);
  }
}

/** (epoch, current lr) → new lr; may be async. */
export type Schedule = (epoch: number, lr: number) => number | Promise<number>;

/**
 * Sets the optimizer's learning rate at the start of every epoch from `schedule(epoch, lr)`
 * (Keras LearningRateScheduler); adds 'lr' to the epoch logs.
 */
export class LearningRateScheduler extends MonitoringCallback {
  readonly schedule: Schedule;
  readonly verbose: 0 | 1;

  constructor(schedule: Schedule, options: { verbose?: 0 | 1; stream?: OutputStream } = {}) {
    super(options.stream);
    if (typeof schedule !== 'function') throw new Error('LearningRateScheduler: schedule must be a function (epoch, lr) => lr');
    this.schedule = schedule;
    this.verbose = options.verbose ?? 0;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    const model = this.requireModel();
    const lr = await this.schedule(epoch, model.optimizer.lr);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new Error(`LearningRateScheduler: the schedule returned ${String(lr)} for epoch ${epoch}; expected a finite number >= 0`);
    }
    model.optimizer.lr = lr;
    if (this.verbose > 0) this.say(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    logs.lr = this.requireModel().optimizer.lr;
  }
}

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  /** New lr = lr * factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  mode?: MonitorMode;
  /** Threshold for a significant improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound on the learning rate (default 0). */
  minLr?: number;
  verbose?: 0 | 1;
  stream?: OutputStream;
}

/**
 * Multiplies the learning rate by `factor` when the monitored quantity has not improved
 * for `patience` epochs (Keras ReduceLROnPlateau); adds 'lr' to the epoch logs.
 */
export class ReduceLROnPlateau extends MonitoringCallback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: 0 | 1;
  best = Infinity;
  wait = 0;
  cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    super(options.stream);
    this.monitor = options.monitor ?? 'val_loss';
    this.factor = checkNumber(op, 'factor', options.factor ?? 0.1, 0);
    if (this.factor >= 1) throw new Error(`${op}: factor must be < 1 (it multiplies the learning rate), got ${this.factor}`);
    this.patience = checkInteger(op, 'patience', options.patience ?? 10);
    this.mode = resolveMode(op, this.monitor, options.mode);
    this.minDelta = Math.abs(checkNumber(op, 'minDelta', options.minDelta ?? 1e-4));
    this.cooldown = checkInteger(op, 'cooldown', options.cooldown ?? 0);
    this.minLr = checkNumber(op, 'minLr', options.minLr ?? 0, 0);
    this.verbose = options.verbose ?? 0;
  }

  private improves(current: number): boolean {
    return this.mode === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta;
  }

  override onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
    this.resetWarning();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const model = this.requireModel();
    logs.lr = model.optimizer.lr;
    const current = this.monitored('ReduceLROnPlateau', this.monitor, logs);
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.improves(current)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = model.optimizer.lr;
        if (old > this.minLr) {
          const lr = Math.max(old * this.factor, this.minLr);
          model.optimizer.lr = lr;
          if (this.verbose > 0) this.say(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

export interface CsvLoggerOptions {
  /** Column separator (default ','). */
  separator?: string;
  /** Append to an existing file instead of overwriting it (default false). */
  append?: boolean;
}

/**
 * Streams the epoch logs to a CSV file: a header 'epoch,<keys sorted>' and one row per
 * epoch, written as each epoch ends (Keras CSVLogger). Missing values are written 'NA'.
 */
export class CsvLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  private file: FileHandle | null = null;
  private keys: string[] | null = null;
  private headerNeeded = true;

  constructor(filename: string, options: CsvLoggerOptions = {}) {
    super();
    if (typeof filename !== 'string' || filename === '') throw new Error('CsvLogger: filename is required');
    this.filename = filename;
    this.separator = options.separator ?? ',';
    this.append = options.append ?? false;
  }

  override async onTrainBegin(): Promise<void> {
    await this.close();
    let exists = false;
    if (this.append) {
      try {
        await access(this.filename);
        exists = true;
      } catch {
        exists = false;
      }
    }
    this.file = await open(this.filename, this.append ? 'a' : 'w');
    this.headerNeeded = !(exists && (await this.file.stat()).size > 0);
    this.keys = null;
  }

  private cell(v: string | number | undefined): string {
    if (v === undefined) return 'NA';
    const s = String(v);
    return s.includes(this.separator) || s.includes('"') || s.includes('\n') ? `"${s.replaceAll('"', '""')}"` : s;
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.file) throw new Error('CsvLogger: onEpochEnd before onTrainBegin');
    this.keys ??= Object.keys(logs).sort();
    let text = '';
    if (this.headerNeeded) {
      text += `${['epoch', ...this.keys].map((k) => this.cell(k)).join(this.separator)}\n`;
      this.headerNeeded = false;
    }
    text += `${[epoch, ...this.keys.map((k) => logs[k])].map((v) => this.cell(v)).join(this.separator)}\n`;
    await this.file.write(text);
  }

  override async onTrainEnd(): Promise<void> {
    await this.close();
  }

  private async close(): Promise<void> {
    const f = this.file;
    this.file = null;
    await f?.close();
  }
}

/** Stops training as soon as a batch's loss is NaN or infinite (Keras TerminateOnNaN). */
export class TerminateOnNaN extends Callback {
  private readonly stream: OutputStream;

  constructor(options: { stream?: OutputStream } = {}) {
    super();
    this.stream = options.stream ?? process.stdout;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      this.stream.write(`Batch ${batch}: Invalid loss, terminating training\n`);
      this.requireModel().stopTraining = true;
    }
  }
}

/** Keras-style factories: ng.callbacks.earlyStopping({...}) = new EarlyStopping({...}). */
export const earlyStopping = (options?: EarlyStoppingOptions): EarlyStopping => new EarlyStopping(options);
export const modelCheckpoint = (options: ModelCheckpointOptions): ModelCheckpoint => new ModelCheckpoint(options);
export const learningRateScheduler = (schedule: Schedule, options?: { verbose?: 0 | 1; stream?: OutputStream }): LearningRateScheduler =>
  new LearningRateScheduler(schedule, options);
export const reduceLROnPlateau = (options?: ReduceLROnPlateauOptions): ReduceLROnPlateau => new ReduceLROnPlateau(options);
export const csvLogger = (filename: string, options?: CsvLoggerOptions): CsvLogger => new CsvLogger(filename, options);
export const terminateOnNaN = (options?: { stream?: OutputStream }): TerminateOnNaN => new TerminateOnNaN(options);
