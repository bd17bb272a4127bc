import { full, rand, randn, tensor } from '../ops/creation.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';

export type FloatDType = 'float32' | 'float64';

/** What an initializer is, for serialization: its name and settings. */
export interface InitializerConfig {
  name: string;
  config: Record<string, number | string>;
}

/**
 * Makes the initial values of a parameter. Every random initializer draws from the
 * seeded generator (ng.seed), so one seed gives the same weights on every backend.
 */
export interface Initializer {
  readonly name: string;
  /** A new tensor of `shape` (float32 unless `dtype` says otherwise) on the current backend. */
  sample(shape: readonly number[], dtype?: FloatDType): Tensor;
  getConfig(): InitializerConfig;
}

/**
 * fanIn and fanOut of a weight, Keras' convention: dense [in, out] gives (in, out); a conv
 * kernel HWIO [kh, kw, in, out] gives (kh·kw·in, kh·kw·out); in general the leading dims are
 * the receptive field. A vector [n] gives (n, n); a scalar (1, 1).
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: receptive * shape.at(-2)!, fanOut: receptive * shape.at(-1)! };
}

function make(name: string, config: Record<string, number | string>,
  sample: (shape: readonly number[], dtype: FloatDType) => Tensor): Initializer {
  return {
    name,
    sample: (shape, dtype = 'float32') => {
      if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`${name}: dtype must be float32 or float64, got ${String(dtype)}`);
      return sample(shape, dtype);
    },
    getConfig: () => ({ name, config: { ...config } }),
  };
}

function finite(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${fn}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

function positive(fn: string, name: string, v: unknown): number {
  if (finite(fn, name, v) <= 0) throw new Error(`${fn}: ${name} must be > 0, got ${String(v)}`);
  return v as number;
}

/** All zeros (biases; as weights it cannot break symmetry). */
export function zeros(): Initializer {
  return make('zeros', {}, (shape, dtype) => full(shape, 0, dtype));
}

export function ones(): Initializer {
  return make('ones', {}, (shape, dtype) => full(shape, 1, dtype));
}

export function constant(value = 0): Initializer {
  finite('constant', 'value', value);
  return make('constant', { value }, (shape, dtype) => full(shape, value, dtype));
}

/** Normal samples with `mean` and `stddev` (Keras' default stddev 0.05; the course's randn·0.01 is stddev 0.01). */
export function randomNormal(options: { mean?: number; stddev?: number } = {}): Initializer {
  const mean = finite('randomNormal', 'mean', options.mean ?? 0);
  const stddev = finite('randomNormal', 'stddev', options.stddev ?? 0.05);
  if (stddev < 0) throw new Error(`randomNormal: stddev must be >= 0, got ${stddev}`);
  return make('randomNormal', { mean, stddev }, (shape, dtype) => randn(shape, { mean, std: stddev, dtype }));
}

/** Uniform samples in [minval, maxval) (Keras' default ±0.05). */
export function randomUniform(options: { minval?: number; maxval?: number } = {}): Initializer {
  const minval = finite('randomUniform', 'minval', options.minval ?? -0.05);
  const maxval = finite('randomUniform', 'maxval', options.maxval ?? 0.05);
  if (!(minval <= maxval)) throw new Error(`randomUniform: minval must be <= maxval, got ${minval} and ${maxval}`);
  return make('randomUniform', { minval, maxval }, (shape, dtype) => rand(shape, { lo: minval, hi: maxval, dtype }));
}

export interface VarianceScalingOptions {
  /** Target variance = scale / n (default 1). */
  scale?: number;
  /** n: fanIn (default), fanOut or their mean. */
  mode?: 'fanIn' | 'fanOut' | 'fanAvg';
  /** 'normal' draws N(0, scale/n); 'uniform' draws U(±√(3·scale/n)), of the same variance. */
  distribution?: 'normal' | 'uniform';
}

/**
 * Samples of variance scale/n, n from the fans (computeFans). The named schemes below are
 * instances. Normal variants are plain normals (Keras draws truncated normals).
 */
export function varianceScaling(options: VarianceScalingOptions = {}, name = 'varianceScaling'): Initializer {
  const scale = positive(name, 'scale', options.scale ?? 1);
  const mode = options.mode ?? 'fanIn';
  const distribution = options.distribution ?? 'normal';
  if (!['fanIn', 'fanOut', 'fanAvg'].includes(mode)) throw new Error(`${name}: mode must be fanIn, fanOut or fanAvg, got ${String(mode)}`);
  if (!['normal', 'uniform'].includes(distribution)) throw new Error(`${name}: distribution must be normal or uniform, got ${String(distribution)}`);
  const config: Record<string, number | string> = name === 'varianceScaling' ? { scale, mode, distribution } : {};
  return make(name, config, (shape, dtype) => {
    const { fanIn, fanOut } = computeFans(shape);
    const n = Math.max(1, mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    const variance = scale / n;
    return distribution === 'normal'
      ? randn(shape, { std: Math.sqrt(variance), dtype })
      : rand(shape, { lo: -Math.sqrt(3 * variance), hi: Math.sqrt(3 * variance), dtype });
  });
}

/** Glorot/Xavier normal: variance 2/(fanIn + fanOut). */
export const glorotNormal = (): Initializer => varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'normal' }, 'glorotNormal');
/** Glorot/Xavier uniform: U(±√(6/(fanIn + fanOut))), variance 2/(fanIn + fanOut). Linear's default kernel initializer. */
export const glorotUniform = (): Initializer => varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform' }, 'glorotUniform');
/** He normal: variance 2/fanIn (for ReLU layers; the course's randn·√(2/n[l−1])). */
export const heNormal = (): Initializer => varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' }, 'heNormal');
/** He uniform: U(±√(6/fanIn)), variance 2/fanIn. */
export const heUniform = (): Initializer => varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform' }, 'heUniform');
/** LeCun normal: variance 1/fanIn (the course's "Xavier" for tanh, randn·√(1/n[l−1])). */
export const lecunNormal = (): Initializer => varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'normal' }, 'lecunNormal');
/** LeCun uniform: U(±√(3/fanIn)), variance 1/fanIn. */
export const lecunUniform = (): Initializer => varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform' }, 'lecunUniform');
/** Aliases of glorotNormal / glorotUniform. */
export const xavierNormal = glorotNormal;
export const xavierUniform = glorotUniform;

/**
 * A (semi-)orthogonal matrix times gain: the shape is flattened to [prod(leading dims), last]
 * and its rows or columns, whichever are fewer, are orthonormal. Computed by Gram-Schmidt
 * (twice, for accuracy) on normal samples in float64, with signs fixed as in a QR
 * decomposition with positive diagonal, so the result is uniformly distributed.
 */
export function orthogonal(options: { gain?: number } = {}): Initializer {
  const gain = finite('orthogonal', 'gain', options.gain ?? 1);
  return make('orthogonal', { gain }, (shape, dtype) => {
    if (shape.length < 2) throw new Error(`orthogonal: needs a shape of at least 2 dims, got ${shapeString(shape)}`);
    const cols = shape.at(-1)!;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    // Orthonormalize the columns of a tall [m, k] matrix (m >= k), then transpose if wide.
    const m = Math.max(rows, cols);
    const k = Math.min(rows, cols);
    const g = randn([k, m], { dtype: 'float64' });
    const q = Float64Array.from(g.dataSync());  // row i of [k, m] is column i of the tall matrix
    g.dispose();
    orthonormalizeRows(q, k, m);
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < m; j++) {
        // tall: out[j, i] = q[i, j]; wide (rows < cols): out[i, j] = q[i, j]
        out[rows >= cols ? j * cols + i : i * cols + j] = gain * q[i * m + j]!;
      }
    }
    return tensor(out, shape, dtype);
  });
}

/**
 * Modified Gram-Schmidt over the k rows of a [k, m] matrix (k <= m), in place, twice
 * ("twice is enough"). The sign of each row is that of its projection before
 * normalization, which makes Q·R's R diagonal positive.
 */
function orthonormalizeRows(q: Float64Array, k: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < k; i++) {
      const ri = i * m;
      for (let p = 0; p < i; p++) {
        const rp = p * m;
        let dot = 0;
        for (let j = 0; j < m; j++) dot += q[ri + j]! * q[rp + j]!;
        for (let j = 0; j < m; j++) q[ri + j]! -= dot * q[rp + j]!;
      }
      let norm = 0;
      for (let j = 0; j < m; j++) norm += q[ri + j]! ** 2;
      norm = Math.sqrt(norm);
      if (norm === 0) throw new Error('orthogonal: degenerate normal samples (try another seed)');
      for (let j = 0; j < m; j++) q[ri + j] = q[ri + j]! / norm;
    }
  }
}

const BY_NAME: Record<string, () => Initializer> = {
  zeros, ones, constant, randomNormal, randomUniform, glorotNormal, glorotUniform, heNormal, heUniform,
  lecunNormal, lecunUniform, xavierNormal, xavierUniform, orthogonal, varianceScaling,
};

/** An initializer, its name ('heNormal', 'he_normal', 'glorotUniform', ...) or a serialized config. */
export type InitializerLike = Initializer | string | InitializerConfig;

/** Resolves an InitializerLike to an Initializer (names are case- and underscore-insensitive). */
export function getInitializer(init: InitializerLike): Initializer {
  if (typeof init === 'object' && init !== null && typeof (init as Initializer).sample === 'function') return init as Initializer;
  const name = typeof init === 'string' ? init : typeof init === 'object' && init !== null ? init.name : undefined;
  const key = typeof name === 'string' ? name.toLowerCase().replace(/_/g, '') : '';
  const entry = Object.entries(BY_NAME).find(([k]) => k.toLowerCase() === key);
  if (!entry) {
    throw new Error(`initializer: unknown initializer ${JSON.stringify(init)} (known: ${Object.keys(BY_NAME).join(', ')})`);
  }
  const config = typeof init === 'object' ? (init as InitializerConfig).config ?? {} : {};
  const factory = entry[1] as (options?: Record<string, unknown>) => Initializer;
  if (entry[0] === 'constant') return constant(typeof config.value === 'number' ? config.value : 0);
  return factory(config);
}
