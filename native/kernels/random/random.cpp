// Philox4x32-10 fills; see philox.h. Every floating-point expression here has a twin in
// lib/random/philox.ts with the same operations in the same order: change both together.
#include "philox.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ng {
namespace {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

inline void philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1,
                   uint32_t out[4]) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    const uint64_t p0 = uint64_t(kM0) * c0;
    const uint64_t p1 = uint64_t(kM1) * c2;
    const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
    c1 = uint32_t(p1);
    c3 = uint32_t(p0);
    c0 = n0;
    c2 = n2;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

inline void philox_block(uint64_t seed, uint64_t counter, uint32_t out[4]) {
  philox(uint32_t(counter), uint32_t(counter >> 32), 0, 0, uint32_t(seed), uint32_t(seed >> 32), out);
}

// [0,1) with 24 bits.
inline double u24(uint32_t w) { return double(w >> 8) * 0x1p-24; }
// [0,1) with 53 bits; the sum is an integer below 2^53, so every step is exact.
inline double u53(uint32_t a, uint32_t b) { return (double(a >> 5) * 67108864.0 + double(b >> 6)) * 0x1p-53; }
// (0,1] with 53 bits: never 0, so the log stays finite.
inline double u53_open0(uint32_t a, uint32_t b) {
  return (double(a >> 5) * 67108864.0 + double(b >> 6) + 1.0) * 0x1p-53;
}

// Largest float (double) strictly below hi. Only called with hi > lo, so hi > -inf.
float float_below(double hi) {
  float g = static_cast<float>(hi);
  if (double(g) >= hi) g = std::nextafter(g, -std::numeric_limits<float>::infinity());
  return g;
}
double double_below(double hi) { return std::nextafter(hi, -std::numeric_limits<double>::infinity()); }

inline uint64_t bits_of(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
inline double double_of(uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

template <typename T>
void uniform_range(T* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double lo, double hi) {
  if (begin >= end) return;
  constexpr int kPerBlock = sizeof(T) == 4 ? 4 : 2;
  const double span = hi - lo;
  const bool clamp = lo < hi;
  T below = 0;
  if (clamp) {
    if constexpr (sizeof(T) == 4) below = float_below(hi);
    else below = double_below(hi);
  }
  uint32_t w[4];
  for (int64_t b = begin / kPerBlock; b <= (end - 1) / kPerBlock; ++b) {
    philox_block(seed, block + uint64_t(b), w);
    const int64_t first = b * kPerBlock;
    const int64_t i0 = std::max(begin, first), i1 = std::min(end, first + kPerBlock);
    for (int64_t i = i0; i < i1; ++i) {
      const int j = int(i - first);
      double u;
      if constexpr (kPerBlock == 4) u = u24(w[j]);
      else u = u53(w[2 * j], w[2 * j + 1]);
      T v = static_cast<T>(lo + span * u);
      if (clamp && double(v) >= hi) v = below;
      out[i] = v;
    }
  }
}

template <typename T>
void normal_range(T* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double mean, double stddev) {
  if (begin >= end) return;
  uint32_t w[4];
  for (int64_t p = begin / 2; p <= (end - 1) / 2; ++p) {
    philox_block(seed, block + uint64_t(p), w);
    const double r = std::sqrt(-2.0 * rng_log(u53_open0(w[0], w[1])));
    double s, c;
    rng_sincos_turns(u53(w[2], w[3]), &s, &c);
    if (2 * p >= begin) out[2 * p] = static_cast<T>(mean + stddev * (r * c));
    if (2 * p + 1 < end) out[2 * p + 1] = static_cast<T>(mean + stddev * (r * s));
  }
}

}  // namespace

void philox4x32_10_words(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  philox(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out);
}

void philox4x32_10(uint64_t seed, uint64_t counter, uint32_t out[4]) { philox_block(seed, counter, out); }

double rng_log(double x) {
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
  constexpr double ln2_lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                   Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                   Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  uint64_t bits = bits_of(x);
  int32_t hx = int32_t(uint32_t(bits >> 32));
  const uint32_t lx = uint32_t(bits);
  int32_t k = 0;
  if (hx < 0x00100000) {  // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) == 0) return -std::numeric_limits<double>::infinity();
    if (hx < 0) return std::numeric_limits<double>::quiet_NaN();
    k -= 54;
    x *= 18014398509481984.0;  // 2^54
    bits = bits_of(x);
    hx = int32_t(uint32_t(bits >> 32));
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const int32_t i = (hx + 0x95f64) & 0x100000;
  // Put the mantissa in [sqrt(2)/2, sqrt(2)) by rewriting the exponent bits.
  x = double_of((uint64_t(uint32_t(hx | (i ^ 0x3ff00000))) << 32) | (bits & 0xffffffffu));
  k += i >> 20;
  const double f = x - 1.0;
  const double dk = double(k);
  if ((0x000fffff & (2 + hx)) < 3) {  // -2^-20 <= f < 2^-20
    if (f == 0.0) return k == 0 ? 0.0 : dk * ln2_hi + dk * ln2_lo;
    const double R = (f * f) * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - R : dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double R = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const double hfsq = (0.5 * f) * f;
    return k == 0 ? f - (hfsq - s * (hfsq + R)) : dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  return k == 0 ? f - s * (f - R) : dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

void rng_sincos_turns(double u, double* sin_out, double* cos_out) {
  // 2*pi*u = (q + r) * pi/2 with r in [-1/2, 1/2]: scaling by 4 and taking off the integer
  // part are exact, so the only rounding is in the polynomials below.
  const double t = 4.0 * u;
  int q = int(t);
  double r = t - double(q);
  if (r > 0.5) {
    r -= 1.0;
    q += 1;
  }
  // Taylor series of sin(pi/2 r) and cos(pi/2 r) in r; truncation error < 1e-19 on |r| <= 1/2.
  const double z = r * r;
  const double s =
      r * 1.5707963267948966 +
      (r * z) * (-0.6459640975062463 +
                 z * (0.07969262624616705 +
                      z * (-0.004681754135318688 +
                           z * (0.00016044118478735983 +
                                z * (-3.598843235212085e-06 +
                                     z * (5.692172921967927e-08 + z * (-6.688035109811468e-10 + z * 6.0669357311061955e-12)))))));
  const double c =
      1.0 +
      z * (-1.2337005501361697 +
           z * (0.25366950790104803 +
                z * (-0.02086348076335296 +
                     z * (0.0009192602748394266 +
                          z * (-2.5202042373060607e-05 +
                               z * (4.710874778818172e-07 +
                                    z * (-6.386603083791852e-09 + z * (6.565963114979473e-11 + z * -5.294400200734623e-13))))))));
  switch (q & 3) {
    case 0: *sin_out = s;  *cos_out = c;  break;
    case 1: *sin_out = c;  *cos_out = -s; break;
    case 2: *sin_out = -s; *cos_out = -c; break;
    default: *sin_out = -c; *cos_out = s; break;
  }
}

void random_uniform_f32_range(float* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double lo, double hi) {
  uniform_range(out, begin, end, seed, block, lo, hi);
}
void random_uniform_f64_range(double* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double lo, double hi) {
  uniform_range(out, begin, end, seed, block, lo, hi);
}
void random_normal_f32_range(float* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double mean, double stddev) {
  normal_range(out, begin, end, seed, block, mean, stddev);
}
void random_normal_f64_range(double* out, int64_t begin, int64_t end, uint64_t seed, uint64_t block, double mean, double stddev) {
  normal_range(out, begin, end, seed, block, mean, stddev);
}

void random_uniform_f32(float* out, int64_t n, uint64_t seed, uint64_t block, double lo, double hi) {
  uniform_range(out, 0, n, seed, block, lo, hi);
}
void random_uniform_f64(double* out, int64_t n, uint64_t seed, uint64_t block, double lo, double hi) {
  uniform_range(out, 0, n, seed, block, lo, hi);
}
void random_normal_f32(float* out, int64_t n, uint64_t seed, uint64_t block, double mean, double stddev) {
  normal_range(out, 0, n, seed, block, mean, stddev);
}
void random_normal_f64(double* out, int64_t n, uint64_t seed, uint64_t block, double mean, double stddev) {
  normal_range(out, 0, n, seed, block, mean, stddev);
}

int64_t random_blocks_uniform_f32(int64_t n) { return n > 0 ? (n + 3) / 4 : 0; }
int64_t random_blocks_uniform_f64(int64_t n) { return n > 0 ? (n + 1) / 2 : 0; }
int64_t random_blocks_normal(int64_t n) { return n > 0 ? (n + 1) / 2 : 0; }

}  // namespace ng
