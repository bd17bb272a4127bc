import { type MonitorMode, MonitoringCallback, checkInteger, checkNumber, resolveMode } from './monitor.js';
import type { Logs, OutputStream } from './types.js';

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
