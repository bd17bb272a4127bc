// Seeded, counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11; Random123).
//
// Twin of native/kernels/random/{philox.h,random.cpp}: every fill must give the same bits
// as the C++ kernel, so each floating-point expression below mirrors one there, operation
// for operation. log and sin/cos are our own (Math.log/Math.cos may differ from libm in
// the last bit). Element i depends only on (seed, block, i); see philox.h for the mapping.

const TWO32 = 4294967296;
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const M0_HI = M0 >>> 16;
const M0_LO = M0 & 0xffff;
const M1_HI = M1 >>> 16;
const M1_LO = M1 & 0xffff;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

// High 32 bits of the 64-bit product a * (mh * 2^16 + ml), from 16x16-bit partial
// products; everything stays int32, which V8 keeps unboxed (uint32 above 2^31 would not).
function mulhi(a: number, mh: number, ml: number): number {
  const ah = a >>> 16;
  const al = a & 0xffff;
  const lh = Math.imul(al, mh) >>> 0;
  const hl = Math.imul(ah, ml) >>> 0;
  const carry = ((Math.imul(al, ml) >>> 16) + (lh & 0xffff) + (hl & 0xffff)) >>> 16;
  return (Math.imul(ah, mh) + (lh >>> 16) + (hl >>> 16) + carry) | 0;
}

// Output of the last philox() call. Scratch typed arrays (here and below) keep results
// unboxed: module-level `let` numbers would allocate a heap number on most stores.
const W = new Uint32Array(4);

// Words are carried as int32 (same bits as the uint32 words).
function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  c0 |= 0; c1 |= 0; c2 |= 0; c3 |= 0; k0 |= 0; k1 |= 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(c0, M0_HI, M0_LO);
    const hi1 = mulhi(c2, M1_HI, M1_LO);
    const lo0 = Math.imul(M0, c0);
    const lo1 = Math.imul(M1, c2);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 = (k0 + W0) | 0;
    k1 = (k1 + W1) | 0;
  }
  W[0] = c0;
  W[1] = c1;
  W[2] = c2;
  W[3] = c3;
}

/** Philox4x32-10 on a full 4-word counter and 2-word key (uint32 values). */
export function philox4x32_10Words(
  c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array,
): void {
  philox(c0, c1, c2, c3, k0, k1);
  out.set(W);
}

/** Counter words (low32(counter), high32(counter), 0, 0), key (low32(seed), high32(seed)). */
export function philox4x32_10(seed: number, counter: number, out: Uint32Array): void {
  checkU53('philox4x32_10', 'seed', seed);
  checkU53('philox4x32_10', 'counter', counter);
  philox4x32_10Words(counter % TWO32, Math.floor(counter / TWO32), 0, 0, seed % TWO32, Math.floor(seed / TWO32), out);
}

export function randomBlocksUniformF32(n: number): number {
  return n > 0 ? Math.floor((n + 3) / 4) : 0;
}
export function randomBlocksUniformF64(n: number): number {
  return n > 0 ? Math.floor((n + 1) / 2) : 0;
}
export function randomBlocksNormal(n: number): number {
  return n > 0 ? Math.floor((n + 1) / 2) : 0;
}

// Scratch for reading and writing the bits of a float / double (little-endian layout:
// the high word of a double is at byte 4).
const BITS = new DataView(new ArrayBuffer(8));

/** Natural log for finite x > 0: fdlibm's e_log.c, identical to ng::rng_log. */
export function rngLog(x: number): number {
  const ln2_hi = 6.93147180369123816490e-01;
  const ln2_lo = 1.90821492927058770002e-10;
  const Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
    Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
    Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
    Lg7 = 1.479819860511658591e-01;
  BITS.setFloat64(0, x, true);
  let hx = BITS.getInt32(4, true);
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | BITS.getInt32(0, true)) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= 18014398509481984; // 2^54
    BITS.setFloat64(0, x, true);
    hx = BITS.getInt32(4, true);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  // Put the mantissa in [sqrt(2)/2, sqrt(2)) by rewriting the exponent bits (low word kept).
  BITS.setInt32(4, hx | (i ^ 0x3ff00000), true);
  x = BITS.getFloat64(0, true);
  k += i >> 20;
  const f = x - 1.0;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f === 0) return k === 0 ? 0 : dk * ln2_hi + dk * ln2_lo;
    const R = (f * f) * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - R : dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const R = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = (0.5 * f) * f;
    return k === 0 ? f - (hfsq - s * (hfsq + R)) : dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  return k === 0 ? f - s * (f - R) : dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

// Results of sincosTurns: [sin, cos].
const SC = new Float64Array(2);
function sincos(j: number): number {
  return SC[j] as number;
}

// sin(2 pi u), cos(2 pi u) for u in [0, 1); identical to ng::rng_sincos_turns.
function sincosTurns(u: number): void {
  // 2 pi u = (q + r) pi/2 with r in [-1/2, 1/2]; 4u and 4u - q are exact.
  const t = 4.0 * u;
  let q = t | 0;
  let r = t - q;
  if (r > 0.5) {
    r -= 1.0;
    q += 1;
  }
  const z = r * r;
  const s =
    r * 1.5707963267948966 +
    (r * z) * (-0.6459640975062463 +
      z * (0.07969262624616705 +
        z * (-0.004681754135318688 +
          z * (0.00016044118478735983 +
            z * (-3.598843235212085e-06 +
              z * (5.692172921967927e-08 + z * (-6.688035109811468e-10 + z * 6.0669357311061955e-12)))))));
  const c =
    1.0 +
    z * (-1.2337005501361697 +
      z * (0.25366950790104803 +
        z * (-0.02086348076335296 +
          z * (0.0009192602748394266 +
            z * (-2.5202042373060607e-05 +
              z * (4.710874778818172e-07 +
                z * (-6.386603083791852e-09 + z * (6.565963114979473e-11 + z * -5.294400200734623e-13))))))));
  switch (q & 3) {
    case 0: SC[0] = s; SC[1] = c; break;
    case 1: SC[0] = c; SC[1] = -s; break;
    case 2: SC[0] = -s; SC[1] = -c; break;
    default: SC[0] = -c; SC[1] = s; break;
  }
}

/** [sin(2 pi u), cos(2 pi u)] for u in [0, 1), identical to ng::rng_sincos_turns. */
export function rngSinCosTurns(u: number): [number, number] {
  sincosTurns(u);
  return [sincos(0), sincos(1)];
}

function checkU53(op: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${op}: ${name} must be an integer in [0, 2^53-1], received ${String(v)}`);
  }
}

function checkRange(op: string, n: number, begin: number, end: number): void {
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin || end > n) {
    throw new RangeError(`${op}: expected 0 <= begin <= end <= ${n}, received begin=${begin}, end=${end}`);
  }
}

// Low and high words (int32) of the counter block + offset modulo 2^64, like the C++
// uint64_t: block + offset may exceed 2^53, so it is never formed as one number. The
// fill loops then step (lo, hi) with carry.
function counterLo(block: number, offset: number): number {
  return ((block % TWO32) + (offset % TWO32)) | 0;
}
function counterHi(block: number, offset: number): number {
  const carry = (block % TWO32) + (offset % TWO32) >= TWO32 ? 1 : 0;
  return (Math.floor(block / TWO32) + Math.floor(offset / TWO32) + carry) | 0;
}

// Words of the last philox() call, as uint32.
function word(j: number): number {
  return W[j] as number;
}

function floatBelow(hi: number): number {
  let g = Math.fround(hi);
  if (g >= hi) {
    BITS.setFloat32(0, g, true);
    const bits = BITS.getUint32(0, true);
    BITS.setUint32(0, g === 0 ? 0x80000001 : g > 0 ? bits - 1 : bits + 1, true);
    g = BITS.getFloat32(0, true);
  }
  return g;
}

function doubleBelow(hi: number): number {
  if (hi === 0) return -Number.MIN_VALUE;
  BITS.setFloat64(0, hi, true);
  // Step the 64-bit pattern one unit toward -infinity (down in magnitude for hi > 0).
  const step = hi > 0 ? -1 : 1;
  const lo = BITS.getUint32(0, true) + step;
  BITS.setUint32(0, lo >>> 0, true);
  if (lo < 0 || lo >= TWO32) BITS.setUint32(4, BITS.getUint32(4, true) + step, true);
  return BITS.getFloat64(0, true);
}

/** Fill out[begin, end) of the uniform f32 call on out (default: all of it). See philox.h. */
export function randomUniformF32(
  out: Float32Array, seed: number, block: number, lo: number, hi: number,
  begin = 0, end = out.length,
): void {
  const op = 'randomUniformF32';
  checkU53(op, 'seed', seed);
  checkU53(op, 'block', block);
  checkRange(op, out.length, begin, end);
  if (begin >= end) return;
  const k0 = seed | 0;
  const k1 = Math.floor(seed / TWO32) | 0;
  const span = hi - lo;
  const clamp = lo < hi;
  const below = clamp ? floatBelow(hi) : 0;
  const b0 = Math.floor(begin / 4);
  let c0 = counterLo(block, b0);
  let c1 = counterHi(block, b0);
  for (let first = b0 * 4; first < end; first += 4) {
    philox(c0, c1, 0, 0, k0, k1);
    c0 = (c0 + 1) | 0;
    if (c0 === 0) c1 = (c1 + 1) | 0;
    const i0 = first < begin ? begin : first;
    const i1 = first + 4 < end ? first + 4 : end;
    for (let i = i0; i < i1; i++) {
      let v = Math.fround(lo + span * ((word(i - first) >>> 8) * 5.9604644775390625e-8)); // 2^-24
      if (clamp && v >= hi) v = below;
      out[i] = v;
    }
  }
}

// [0,1) from 53 bits of two words; the integer sum is below 2^53, so this is exact.
function u53(a: number, b: number): number {
  return ((a >>> 5) * 67108864 + (b >>> 6)) * 1.1102230246251565e-16; // 2^-53
}

/** Fill out[begin, end) of the uniform f64 call on out (default: all of it). See philox.h. */
export function randomUniformF64(
  out: Float64Array, seed: number, block: number, lo: number, hi: number,
  begin = 0, end = out.length,
): void {
  const op = 'randomUniformF64';
  checkU53(op, 'seed', seed);
  checkU53(op, 'block', block);
  checkRange(op, out.length, begin, end);
  if (begin >= end) return;
  const k0 = seed | 0;
  const k1 = Math.floor(seed / TWO32) | 0;
  const span = hi - lo;
  const clamp = lo < hi;
  const below = clamp ? doubleBelow(hi) : 0;
  const b0 = Math.floor(begin / 2);
  let c0 = counterLo(block, b0);
  let c1 = counterHi(block, b0);
  for (let first = b0 * 2; first < end; first += 2) {
    philox(c0, c1, 0, 0, k0, k1);
    c0 = (c0 + 1) | 0;
    if (c0 === 0) c1 = (c1 + 1) | 0;
    if (first >= begin) {
      let v = lo + span * u53(word(0), word(1));
      if (clamp && v >= hi) v = below;
      out[first] = v;
    }
    if (first + 1 < end) {
      let v = lo + span * u53(word(2), word(3));
      if (clamp && v >= hi) v = below;
      out[first + 1] = v;
    }
  }
}

function normalFill(
  op: string, out: Float32Array | Float64Array, seed: number, block: number,
  mean: number, stddev: number, begin: number, end: number,
): void {
  checkU53(op, 'seed', seed);
  checkU53(op, 'block', block);
  checkRange(op, out.length, begin, end);
  if (begin >= end) return;
  const k0 = seed | 0;
  const k1 = Math.floor(seed / TWO32) | 0;
  const b0 = Math.floor(begin / 2);
  let c0 = counterLo(block, b0);
  let c1 = counterHi(block, b0);
  for (let first = b0 * 2; first < end; first += 2) {
    philox(c0, c1, 0, 0, k0, k1);
    c0 = (c0 + 1) | 0;
    if (c0 === 0) c1 = (c1 + 1) | 0;
    // u1 in (0, 1]: never 0, so the log is finite.
    const u1 = ((word(0) >>> 5) * 67108864 + (word(1) >>> 6) + 1) * 1.1102230246251565e-16;
    const r = Math.sqrt(-2.0 * rngLog(u1));
    sincosTurns(u53(word(2), word(3)));
    // A Float32Array store rounds to nearest float, like the C++ static_cast<float>.
    if (first >= begin) out[first] = mean + stddev * (r * sincos(1));
    if (first + 1 < end) out[first + 1] = mean + stddev * (r * sincos(0));
  }
}

/** Fill out[begin, end) of the normal f32 call on out (default: all of it). See philox.h. */
export function randomNormalF32(
  out: Float32Array, seed: number, block: number, mean: number, stddev: number,
  begin = 0, end = out.length,
): void {
  normalFill('randomNormalF32', out, seed, block, mean, stddev, begin, end);
}

/** Fill out[begin, end) of the normal f64 call on out (default: all of it). See philox.h. */
export function randomNormalF64(
  out: Float64Array, seed: number, block: number, mean: number, stddev: number,
  begin = 0, end = out.length,
): void {
  normalFill('randomNormalF64', out, seed, block, mean, stddev, begin, end);
}
