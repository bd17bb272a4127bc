import type { Tensor } from '../tensor.js';
import { type MonitorMode, MonitoringCallback, checkInteger, checkNumber, resolveMode } from './monitor.js';
import type { Logs, OutputStream } from './types.js';

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
