// Timing helpers shared by the benchmarks: calibrated repetitions, medians or fastest
// samples, because these machines are shared and noisy. Benchmarks print ratios from one run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface SampleOptions { samples?: number; minSampleMs?: number; maxTotalMs?: number; warmupMs?: number }

/** Milliseconds per call of fn in each sample; a sample repeats fn for at least minSampleMs. */
function sampleMs(fn: () => void, { samples = 5, minSampleMs = 40, maxTotalMs = 4000, warmupMs = 100 }: SampleOptions): number[] {
  // Warm up for a while, not once: V8 optimizes the op layer only after many calls, and a
  // small kernel measured cold runs 3-4x slower than it does in a training loop.
  const warmEnd = performance.now() + warmupMs;
  do fn(); while (performance.now() < warmEnd);
  let reps = 1;
  let t0 = performance.now();
  fn();
  let one = performance.now() - t0;
  if (one < minSampleMs) {
    reps = Math.max(1, Math.ceil(minSampleMs / Math.max(one, 1e-3)));
  }
  samples = Math.max(1, Math.min(samples, Math.floor(maxTotalMs / Math.max(one * reps, 1e-3))));
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    one = (performance.now() - t0) / reps;
    times.push(one);
  }
  return times.sort((a, b) => a - b);
}

/** Median milliseconds per call of fn: each sample repeats fn for at least minSampleMs. */
export function medianMs(fn: () => void, options: SampleOptions = {}): number {
  const times = sampleMs(fn, options);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * The fastest sample's milliseconds per call of fn. On a shared machine other processes take
 * a core away at random moments, which inflates medians by up to 2× from one run to the next;
 * the fastest sample is the stable estimate of what the code itself does, for every
 * contender alike.
 */
export function fastestMs(fn: () => void, options: SampleOptions = {}): number {
  return sampleMs(fn, options)[0]!;
}

/** Formats a table with right-aligned columns. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => String(c ?? '').padStart(widths[i]!)).join('  ')).join('\n');
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Builds (once) and returns the OpenBLAS reference driver, or undefined without libopenblas-dev. */
export function openblasDriver(root: string): string | undefined {
  const out = join(root, 'build', 'bench', 'openblas-sgemm');
  const src = join(root, 'bench/openblas/sgemm.c');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out;
  try {
    mkdirSync(join(root, 'build', 'bench'), { recursive: true });
    execFileSync('cc', ['-O3', src, '-lopenblas', '-o', out], { stdio: 'pipe' });
    return out;
  } catch {
    return undefined;
  }
}

export function runDriver(driver: string, args: (string | number)[]): number {
  try {
    return Number(execFileSync(driver, args.map(String), { encoding: 'utf8' }).trim());
  } catch {
    return NaN;
  }
}

/** n float32 values uniform in [lo, lo + 8) from a seeded LCG (bench data, independent of ng.seed). */
export function randomData(n: number, seed: number, lo = -4): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32) * 8 + lo;
  }
  return x;
}
