// Seeded, counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC'11; the Random123 library).
//
// The same algorithm lives in lib/random/philox.ts and must give bit-identical results.
// Element i of every fill depends only on (seed, block, i): never on n, on the thread
// count or on how a call is split into ranges. The transcendental functions used for
// normals (rng_log, rng_sincos_turns) are written here with IEEE basic operations only,
// in the same order as in TypeScript, because libm and V8 do not agree to the last bit.
// Compile with -ffp-contract=off so that no multiply-add gets fused.
#pragma once

#include <cstdint>

namespace ng {

// Full Philox4x32-10 on a 4-word counter and a 2-word key (also used for the
// Random123 known-answer tests).
void philox4x32_10_words(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

// Counter words (c0,c1,c2,c3) = (low32(counter), high32(counter), 0, 0),
// key (k0,k1) = (low32(seed), high32(seed)).
void philox4x32_10(uint64_t seed, uint64_t counter, uint32_t out[4]);

// Fill out[0..n). `block` is the first Philox counter used; counters wrap modulo 2^64.
//
// uniform f32: element i = word (i % 4) of block (block + i/4), u = (w >> 8) * 2^-24 in
//   [0,1), value = float(lo + (hi - lo) * u) computed in double. When lo < hi a result
//   that rounds up to >= hi is replaced by the largest float below hi, so values are < hi.
// uniform f64: element i = words 2*(i%2), 2*(i%2)+1 of block (block + i/2),
//   u = ((w_a >> 5) * 2^26 + (w_b >> 6)) * 2^-53 in [0,1), value = lo + (hi - lo) * u;
//   clamped below hi the same way (lo + (hi-lo)*u can round to hi, e.g. lo=1, hi=2).
// normal: pair p = i/2 uses block (block + p); u1 = (53 bits of words 0,1 + 1) * 2^-53 in
//   (0,1], u2 = 53 bits of words 2,3 in [0,1), r = sqrt(-2 ln u1),
//   z = r*cos(2 pi u2) for even i, r*sin(2 pi u2) for odd i, value = mean + stddev*z in
//   double (rounded once to float for f32).
void random_uniform_f32(float* out, int64_t n, uint64_t seed, uint64_t block, double lo, double hi);
void random_uniform_f64(double* out, int64_t n, uint64_t seed, uint64_t block, double lo, double hi);
void random_normal_f32(float* out, int64_t n, uint64_t seed, uint64_t block, double mean, double stddev);
void random_normal_f64(double* out, int64_t n, uint64_t seed, uint64_t block, double mean, double stddev);

// Range variants for parallel callers: write only out[begin, end) of the full call (out is
// the base pointer of the whole output). Any split into ranges gives the full call's values.
void random_uniform_f32_range(float* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double lo, double hi);
void random_uniform_f64_range(double* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double lo, double hi);
void random_normal_f32_range(float* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double mean, double stddev);
void random_normal_f64_range(double* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double mean, double stddev);

// Number of Philox blocks (counters) a call with n elements consumes.
int64_t random_blocks_uniform_f32(int64_t n);  // 4 floats per block
int64_t random_blocks_uniform_f64(int64_t n);  // 2 doubles per block
int64_t random_blocks_normal(int64_t n);       // 2 normals per block (f32 and f64)

// Portable elementary functions, exposed for tests.
// Natural log for finite x > 0 (fdlibm's e_log.c algorithm, < 1 ulp).
double rng_log(double x);
// sin(2 pi u) and cos(2 pi u) for u in [0, 1).
void rng_sincos_turns(double u, double* sin_out, double* cos_out);

}  // namespace ng
