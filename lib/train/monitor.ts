import { Callback } from './callback.js';
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

export function checkNumber(op: string, name: string, v: number, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Error(`${op}: ${name} must be a finite number >= ${min}, got ${v}`);
  return v;
}

export function checkInteger(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

/** A callback with an output stream for its messages and a one-time warning for a missing monitor. */
export abstract class MonitoringCallback extends Callback {
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
