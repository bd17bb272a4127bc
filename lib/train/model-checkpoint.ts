import { formatTemplate } from './format.js';
import { type MonitorMode, MonitoringCallback, resolveMode } from './monitor.js';
import type { Logs, OutputStream } from './types.js';

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

