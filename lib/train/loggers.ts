import { access, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import { Callback } from './callback.js';
import type { Logs, OutputStream } from './types.js';

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
