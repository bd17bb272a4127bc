// Test parametrization: every backend, and every native ISA path this CPU can run.
import * as ng from '../lib/index.js';
import { backendNamed } from '../lib/backend/registry.js';
import type { BackendName } from '../lib/backend/backend.js';

export interface Config {
  /** e.g. 'native/avx2', 'wasm/simd128', 'js' */
  label: string;
  backend: BackendName;
  isa: string;
}

function nativeIsas(): string[] {
  try {
    return [...backendNamed('native').supportedIsas];
  } catch {
    return [];
  }
}

export const NATIVE_ISAS = nativeIsas();

/** Every configuration to run a kernel test on. CI fails if native or wasm is missing. */
export const CONFIGS: Config[] = [
  ...NATIVE_ISAS.map((isa) => ({ label: `native/${isa}`, backend: 'native' as const, isa })),
  { label: 'wasm/simd128', backend: 'wasm', isa: 'simd128' },
  { label: 'js', backend: 'js', isa: 'js' },
];

/** Switches to `config` (backend and ISA path). */
export function use(config: Config): void {
  ng.setBackend(config.backend);
  ng.setIsa(config.isa);
}

/** Deterministic pseudo-random numbers for test data (independent of the library's RNG). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function randomArray(n: number, rnd: () => number, dtype: ng.DType = 'float32'): ng.TypedArray {
  const a = dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = dtype === 'int32' ? Math.floor(rnd() * 200 - 100) : rnd() * 4 - 2;
  return a;
}

/** The same values as a tensor on the js backend (the oracle), then back on `config`. */
export function onJs<T>(config: Config, fn: () => T): T {
  ng.setBackend('js');
  try {
    return fn();
  } finally {
    use(config);
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
    if (x === y) continue;
    m = Math.max(m, Math.abs(x - y) / Math.max(1, Math.abs(y)));
  }
  return m;
}
