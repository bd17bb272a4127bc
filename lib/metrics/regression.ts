import type { Tensor } from '../tensor.js';
import { type Direction, Metric, checkSameShape, read } from './metric.js';

/** Mean of an elementwise error over every element seen. */
abstract class MeanError extends Metric {
  readonly direction: Direction = 'min';
  private total = 0;
  private count = 0;

  protected abstract error(d: number): number;

  update(yTrue: Tensor, yPred: Tensor): void {
    checkSameShape(this.name, yTrue, yPred);
    const t = read(this.name, yTrue, 'yTrue');
    const p = read(this.name, yPred, 'yPred');
    let s = 0;
    for (let i = 0; i < p.length; i++) s += this.error(p[i]! - t[i]!);
    this.total += s;
    this.count += p.length;
  }

  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
  }

  getConfig() { return { name: this.name }; }
}

/** Mean of (yPred - yTrue)² (Keras MeanSquaredError). */
export class MeanSquaredError extends MeanError {
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'mean_squared_error');
  }

  protected error(d: number): number { return d * d; }
  clone(): MeanSquaredError { return new MeanSquaredError(this.getConfig()); }
}

/** Mean of |yPred - yTrue| (Keras MeanAbsoluteError). */
export class MeanAbsoluteError extends MeanError {
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'mean_absolute_error');
  }

  protected error(d: number): number { return Math.abs(d); }
  clone(): MeanAbsoluteError { return new MeanAbsoluteError(this.getConfig()); }
}
