import { describe, it, expect } from 'vitest';
import {
  philox4x32_10, philox4x32_10Words, randomUniformF32, randomUniformF64, randomNormalF32,
  randomNormalF64, randomBlocksUniformF32, randomBlocksUniformF64, randomBlocksNormal, rngLog,
  rngSinCosTurns,
} from '../lib/random/philox.js';

const hex32 = (a: Float32Array | Uint32Array): string[] =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b) => '0x' + b.toString(16).padStart(8, '0'));
const hex64 = (a: Float64Array): string[] =>
  Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (b) => '0x' + b.toString(16).padStart(16, '0'));

// FNV-1a-style hash, one step per 32-bit word (same as the C++ driver that made the goldens).
function fnv(a: Float32Array | Float64Array): string {
  let h = 0x811c9dc5;
  for (const w of new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4)) h = Math.imul(h ^ w, 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function moments(a: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += ((a[i] as number) - mean) ** 2;
  return { mean, variance: v / (a.length - 1) };
}

describe('philox4x32_10', () => {
  it('reproduces the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    const kat: [number[], number[], string[]][] = [
      [[0, 0, 0, 0], [0, 0], ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']],
      [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff],
        ['0x408f276d', '0x41c83b0e', '0xa20bc7c6', '0x6d5451fd']],
      [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0],
        ['0xd16cfe09', '0x94fdcceb', '0x5001e420', '0x24126ea1']],
    ];
    for (const [c, k, want] of kat) {
      philox4x32_10Words(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out);
      expect(hex32(out)).toEqual(want);
    }
  });

  it('maps (seed, counter) to key and counter words like the C++ kernel', () => {
    const out = new Uint32Array(4);
    philox4x32_10(42, 0, out);
    expect(hex32(out)).toEqual(['0x9ceaf053', '0x77f5493b', '0x12bf50ad', '0x5742b3d7']);
    philox4x32_10(2 ** 53 - 1, 2 ** 40 + 3, out);
    expect(hex32(out)).toEqual(['0xca885bb4', '0x89d1adf7', '0x0a0e7c1d', '0x5ecc3ad2']);
    const words = new Uint32Array(4);
    philox4x32_10Words(3, 2 ** 8, 0, 0, 42 + 7, 1, words);
    philox4x32_10(2 ** 32 + 49, 2 ** 40 + 3, out);
    expect(out).toEqual(words);
  });

  it('rejects seeds and counters that are not integers in [0, 2^53-1]', () => {
    const out = new Uint32Array(4);
    for (const bad of [-1, 0.5, 2 ** 53, NaN, Infinity]) {
      expect(() => philox4x32_10(bad, 0, out)).toThrow(RangeError);
      expect(() => randomUniformF32(new Float32Array(4), bad, 0, 0, 1)).toThrow(/randomUniformF32: seed/);
      expect(() => randomNormalF64(new Float64Array(4), 0, bad, 0, 1)).toThrow(/randomNormalF64: block/);
    }
    expect(() => randomUniformF64(new Float64Array(4), 0, 0, 0, 1, 3, 2)).toThrow(RangeError);
    expect(() => randomNormalF32(new Float32Array(4), 0, 0, 0, 1, 0, 5)).toThrow(RangeError);
  });
});

// Golden bits printed by a C++ driver built from native/kernels/random (g++ -O3
// -ffp-contract=off, with and without -mavx2 -mfma, and em++ -msimd128): pins this file to
// the kernels.
describe('golden values from the C++ kernels', () => {
  it('uniform f32', () => {
    const a = new Float32Array(9);
    randomUniformF32(a, 42, 0, -1, 1);
    expect(hex32(a)).toEqual(['0x3e675780', '0xbd80ab70', '0xbf5a8160', '0xbea2f534', '0x3f79b642',
      '0xbeb11650', '0x3ce3d680', '0xbdbb1fa0', '0x3f26d804']);
  });
  it('uniform f64', () => {
    const a = new Float64Array(5);
    randomUniformF64(a, 2 ** 32 + 7, 2 ** 40 + 3, -3, 7.5);
    expect(hex64(a)).toEqual(['0x3fe81b4ce106ea28', '0xbfafaace3fbbcf00', '0x40169272240b33e8',
      '0x40123a8d6d0fd89b', '0xc006d046b4007d28']);
  });
  it('normal f32 (counter crossing 2^32)', () => {
    const a = new Float32Array(7);
    randomNormalF32(a, 1, 2 ** 32 - 1, 0, 1);
    expect(hex32(a)).toEqual(['0x405e2f7f', '0xbf3b6ed9', '0x3f4058d0', '0x3f60dfda', '0x3e5069e1',
      '0x3e122550', '0xbe740f98']);
  });
  it('normal f64', () => {
    const a = new Float64Array(5);
    randomNormalF64(a, 2 ** 53 - 1, 12345, 2.5, 0.3);
    expect(hex64(a)).toEqual(['0x4002a95070ae33fa', '0x40071be68a24c5f4', '0x3ffe56af3c0f1c5c',
      '0x4007848ade2f9cec', '0x400302dcf092a6b0']);
  });
  it('checksums of 100003-element fills and of log/sincos sweeps', () => {
    const n = 100003;
    const f = new Float32Array(n);
    const d = new Float64Array(n);
    randomUniformF32(f, 42, 1, -1, 1);
    expect(fnv(f)).toBe('3d0983ff');
    randomUniformF64(d, 42, 1, -1, 1);
    expect(fnv(d)).toBe('45302ac0');
    randomNormalF32(f, 42, 1, 0.25, 1.5);
    expect(fnv(f)).toBe('e3ec15b0');
    randomNormalF64(d, 42, 1, 0.25, 1.5);
    expect(fnv(d)).toBe('ed1af0d1');
    const logs = new Float64Array(n);
    const sc = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const x = (i + 0.5) / n;
      logs[i] = rngLog(x * x * x);
      [sc[2 * i], sc[2 * i + 1]] = rngSinCosTurns(x);
    }
    expect(fnv(logs)).toBe('4c95de3b');
    expect(fnv(sc)).toBe('b1e6c524');
  });
  it('log and sincos', () => {
    expect(rngSinCosTurns(0.1)).toEqual([0.58778525229247314, 0.80901699437494745]);
    expect(rngLog(0.1)).toBe(-2.3025850929940455);
  });
});

describe('mapping from Philox words', () => {
  it('uses word i % 4 of block + i / 4 for uniform f32, past the 2^53 counter', () => {
    const a = new Float32Array(8);
    const seed = 2 ** 32 * 5 + 9;
    randomUniformF32(a, seed, 2 ** 53 - 1, 0, 1);
    const w = new Uint32Array(4);
    philox4x32_10Words(0, 2 ** 21, 0, 0, 9, 5, w); // counter 2^53
    for (let j = 0; j < 4; j++) expect(a[4 + j]).toBe((w[j]! >>> 8) * 2 ** -24);
  });

  it('consumes the documented number of blocks', () => {
    expect([0, 1, 4, 5, 9].map(randomBlocksUniformF32)).toEqual([0, 1, 1, 2, 3]);
    expect([0, 1, 2, 3, 5].map(randomBlocksUniformF64)).toEqual([0, 1, 1, 2, 3]);
    expect([0, 1, 2, 3, 7].map(randomBlocksNormal)).toEqual([0, 1, 1, 2, 4]);
    // Two calls advancing the block by the blocks used equal one longer call.
    const whole = new Float64Array(12);
    randomNormalF64(whole, 7, 100, 0, 1);
    const first = new Float64Array(6);
    const second = new Float64Array(6);
    randomNormalF64(first, 7, 100, 0, 1);
    randomNormalF64(second, 7, 100 + randomBlocksNormal(6), 0, 1);
    expect([...first, ...second]).toEqual([...whole]);
  });

  it('keeps uniform values below hi, also where rounding reaches hi', () => {
    const f = new Float32Array(4096);
    for (const [lo, hi] of [[1e8 - 64, 1e8], [0.0999999, 0.1], [-1e-3, 0]] as const) {
      randomUniformF32(f, 3, 0, lo, hi);
      expect(Math.max(...f)).toBeLessThan(hi);
    }
    randomUniformF32(f, 3, 0, 1e8 - 64, 1e8);
    expect(Math.max(...f)).toBe(99999992); // largest float below 1e8, reached by clamping
    const d = new Float64Array(4096);
    randomUniformF64(d, 3, 0, 2 ** 53 - 8, 2 ** 53);
    expect(Math.max(...d)).toBe(2 ** 53 - 1);
  });
});

describe('ranges', () => {
  const n = 203;
  const fills = [
    ['uniformF32', (o: Float32Array | Float64Array, b?: number, e?: number) =>
      randomUniformF32(o as Float32Array, 11, 2 ** 32 - 3, -2, 5, b, e), Float32Array],
    ['uniformF64', (o: Float32Array | Float64Array, b?: number, e?: number) =>
      randomUniformF64(o as Float64Array, 11, 2 ** 32 - 3, -2, 5, b, e), Float64Array],
    ['normalF32', (o: Float32Array | Float64Array, b?: number, e?: number) =>
      randomNormalF32(o as Float32Array, 11, 2 ** 32 - 3, 1, 2, b, e), Float32Array],
    ['normalF64', (o: Float32Array | Float64Array, b?: number, e?: number) =>
      randomNormalF64(o as Float64Array, 11, 2 ** 32 - 3, 1, 2, b, e), Float64Array],
  ] as const;

  for (const [name, fill, Ctor] of fills) {
    it(`${name}: any split into [begin, end) ranges gives the full call`, () => {
      const full = new Ctor(n);
      fill(full);
      for (let begin = 0; begin <= n; begin += 1 + (begin >> 2)) {
        for (let end = begin; end <= n; end += 1 + ((end - begin) >> 1)) {
          const part = new Ctor(n).fill(-999);
          fill(part, begin, end);
          expect(part.subarray(begin, end)).toEqual(full.subarray(begin, end));
          expect(part.subarray(0, begin).every((v) => v === -999)).toBe(true);
          expect(part.subarray(end).every((v) => v === -999)).toBe(true);
        }
      }
    });

    it(`${name}: element i does not depend on n`, () => {
      const full = new Ctor(n);
      fill(full);
      for (const m of [0, 1, 2, 3, 5, 8, 100]) {
        const short = new Ctor(m);
        fill(short);
        expect(short).toEqual(full.subarray(0, m));
      }
    });
  }
});

describe('statistics', () => {
  const n = 1_000_000;
  it('normal f64 and f32 have the requested mean and variance', () => {
    const a = new Float64Array(n);
    randomNormalF64(a, 42, 0, 0, 1);
    let m = moments(a);
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(0.01);
    let within1 = 0;
    for (const v of a) if (Math.abs(v) < 1) within1++;
    expect(Math.abs(within1 / n - 0.6826894921)).toBeLessThan(0.003);

    const b = new Float32Array(n);
    randomNormalF32(b, 7, 123, 2.5, 0.3);
    m = moments(b);
    expect(Math.abs(m.mean - 2.5)).toBeLessThan(5 * 0.3 / Math.sqrt(n));
    expect(Math.abs(m.variance / 0.09 - 1)).toBeLessThan(0.01);
  });

  it('uniform f32 and f64 have the requested mean and variance', () => {
    const a = new Float32Array(n);
    randomUniformF32(a, 42, 0, 0, 1);
    let m = moments(a);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(m.variance * 12 - 1)).toBeLessThan(0.01);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);

    const b = new Float64Array(n);
    randomUniformF64(b, 2 ** 53 - 1, 2 ** 40 + 3, -3, 7.5);
    m = moments(b);
    expect(Math.abs(m.mean - 2.25)).toBeLessThan(5 * Math.sqrt(10.5 ** 2 / 12 / n));
    expect(Math.abs(m.variance / (10.5 ** 2 / 12) - 1)).toBeLessThan(0.01);
  });
});

describe('portable log and sincos', () => {
  it('rngLog matches Math.log to ~1e-16 relative', () => {
    let worst = 0;
    for (let i = 1; i <= 200000; i++) {
      // Sweep (0, 1] densely, plus large and tiny arguments.
      for (const x of [i / 200000, (i * 0.618033988749895) % 1 || 1, i * 1e5, i * 1e-300]) {
        const want = Math.log(x);
        worst = Math.max(worst, Math.abs(rngLog(x) - want) / Math.max(Math.abs(want), 1e-300));
      }
    }
    expect(worst).toBeLessThan(1e-15);
    expect(rngLog(1)).toBe(0);
    expect(rngLog(2 ** -53)).toBe(-53 * Math.LN2);
    expect(rngLog(0)).toBe(-Infinity);
    expect(rngLog(-1)).toBeNaN();
    expect(rngLog(5e-324)).toBeCloseTo(-744.44007192138126, 12);
  });

  it('rngSinCosTurns matches Math.sin/cos(2 pi u) to ~1e-16', () => {
    let worst = 0;
    let worstNorm = 0;
    for (let i = 0; i < 400000; i++) {
      const u = ((i * 0.618033988749895) % 1 + i / 400000) % 1;
      const [s, c] = rngSinCosTurns(u);
      worst = Math.max(worst, Math.abs(s - Math.sin(2 * Math.PI * u)), Math.abs(c - Math.cos(2 * Math.PI * u)));
      worstNorm = Math.max(worstNorm, Math.abs(s * s + c * c - 1));
    }
    // Math.sin(2 * Math.PI * u) itself carries the rounding of 2 pi u (up to ~4.4e-16).
    expect(worst).toBeLessThan(1e-15);
    expect(worstNorm).toBeLessThan(1e-15);
    expect(rngSinCosTurns(0)).toEqual([0, 1]);
    expect(rngSinCosTurns(0.25)).toEqual([1, -0]);
    expect(rngSinCosTurns(0.5)).toEqual([-0, -1]);
    expect(rngSinCosTurns(0.75)).toEqual([-1, 0]);
    const [s8, c8] = rngSinCosTurns(0.125);
    expect(Math.abs(s8 - Math.SQRT1_2)).toBeLessThanOrEqual(2 ** -53);
    expect(Math.abs(c8 - Math.SQRT1_2)).toBeLessThanOrEqual(2 ** -53);
  });
});
