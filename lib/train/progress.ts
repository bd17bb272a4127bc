import { Callback } from './callback.js';
import { formatEta, formatLogs, formatPerStep, formatRate } from './format.js';
import type { Logs, OutputStream, TrainingParams, Verbosity } from './types.js';

export interface ProgressBarOptions {
  /** 0: silent; 1 (default): a bar redrawn in place on a TTY, plain lines otherwise; 2: one line per epoch. */
  verbose?: Verbosity;
  /** Default process.stdout. Its isTTY decides between the bar and plain lines. */
  stream?: OutputStream;
  /** Characters inside the bar (default 30). */
  width?: number;
  /** Least time between two redraws of the bar, in ms (default 50). */
  intervalMs?: number;
  /** Clock in ms (default performance.now); tests pass a fake one. */
  now?: () => number;
}

/**
 * Prints training progress as Keras' ProgbarLogger: 'Epoch 3/10', then on a terminal a
 * bar redrawn in place with the ETA, throughput and running loss and metrics; at the end
 * of the epoch a final line with the time, time per step, samples/s and the epoch logs
 * (validation included). Off a terminal, or with verbose 2, only that final line.
 * Batch logs may carry 'size' (samples in the batch; default params.batchSize).
 */
export class ProgressBar extends Callback {
  readonly verbose: Verbosity;
  private readonly stream: OutputStream;
  private readonly width: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private epochStart = 0;
  private lastDraw = -Infinity;
  private seen = 0;
  private batches = 0;
  private lastLineLength = 0;
  private lastBatchLogs: Logs = {};

  constructor(options: ProgressBarOptions = {}) {
    super();
    const v = options.verbose ?? 1;
    if (v !== 0 && v !== 1 && v !== 2) throw new Error(`ProgressBar: verbose must be 0, 1 or 2, got ${String(v)}`);
    this.verbose = v;
    this.stream = options.stream ?? process.stdout;
    this.width = options.width ?? 30;
    this.intervalMs = options.intervalMs ?? 50;
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether the bar is redrawn in place (verbose 1 on a TTY). */
  get live(): boolean {
    return this.verbose === 1 && this.stream.isTTY === true;
  }

  private get p(): TrainingParams {
    return this.params ?? { epochs: 1 };
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = this.now();
    this.lastDraw = -Infinity;
    this.seen = 0;
    this.batches = 0;
    this.lastLineLength = 0;
    this.lastBatchLogs = {};
    if (this.verbose > 0) this.stream.write(`Epoch ${epoch + 1}/${this.p.epochs}\n`);
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const size = logs.size ?? this.p.batchSize ?? 0;
    this.seen += size;
    if (this.p.samples !== undefined) this.seen = Math.min(this.seen, this.p.samples);
    this.batches = batch + 1;
    this.lastBatchLogs = { ...logs };
    if (!this.live) return;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.redraw(this.liveLine(t));
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    if (this.verbose === 0) return;
    const t = this.now();
    const elapsed = (t - this.epochStart) / 1000;
    const steps = this.p.steps ?? this.batches;
    const perStep = this.batches > 0 ? elapsed / this.batches : 0;
    const timing = `${Math.round(elapsed)}s ${formatPerStep(perStep)} - ${formatRate(this.seen / elapsed)}`;
    const merged = { ...this.lastBatchLogs, ...logs };
    if (this.live) {
      this.redraw(`${this.counter(steps, steps)} ${this.bar(1)} - ${timing}${formatLogs(merged)}`);
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.counter(this.batches, steps)} - ${timing}${formatLogs(merged)}\n`);
    }
  }

  private counter(done: number, steps: number | undefined): string {
    if (steps === undefined) return `${done}/Unknown`;
    return `${String(done).padStart(String(steps).length)}/${steps}`;
  }

  private bar(fraction: number): string {
    const f = Math.min(1, Math.max(0, fraction));
    const filled = Math.floor(f * this.width);
    const head = f < 1 && filled < this.width ? '>' : '';
    return `[${'='.repeat(filled)}${head}${'.'.repeat(this.width - filled - head.length)}]`;
  }

  private liveLine(t: number): string {
    const elapsed = (t - this.epochStart) / 1000;
    const steps = this.p.steps;
    const rate = formatRate(this.seen / elapsed);
    if (steps === undefined) return `${this.counter(this.batches, undefined)} - ${Math.round(elapsed)}s - ${rate}${formatLogs(this.lastBatchLogs)}`;
    const eta = (elapsed / this.batches) * (steps - this.batches);
    return `${this.counter(this.batches, steps)} ${this.bar(this.batches / steps)} - ETA: ${formatEta(eta)} - ${rate}${formatLogs(this.lastBatchLogs)}`;
  }

  /** Rewrites the current terminal line, blanking what a longer previous line left. */
  private redraw(line: string): void {
    const pad = Math.max(0, this.lastLineLength - line.length);
    this.stream.write(`\r${line}${' '.repeat(pad)}`);
    this.lastLineLength = line.length;
  }
}

export const progressBar = (options?: ProgressBarOptions): ProgressBar => new ProgressBar(options);
