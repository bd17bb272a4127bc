// Standalone correctness test of native/kernels/gemm against a float64 triple loop.
// Exit code 0 on success. Checks, for every GEMM path this binary and CPU can run,
// float32 and float64: random shapes (m, n, k in 0..67) with all four transpose
// combinations, padded leading dimensions, alpha/beta (beta = 0 with NaN in C), every
// epilogue; large shapes spanning several k/row/column blocks; that nothing outside the
// m x n part of C is written; that results are bitwise identical for 1, 2 and 3 threads;
// that sgemm_packed equals sgemm bitwise; that the indirect GEMM (rows read through
// segment pointers) equals sgemm_packed on the same rows bitwise, and its transposed form
// (sgemm_indirect_t_rows, over bands of rows) equals sgemm with op(A) = Aᵀ bitwise.
//
// Native (run from the repository root):
//   g++ -std=c++17 -O2 -ffp-contract=off -fno-math-errno -pthread
//       native/tests/gemm_test.cpp native/kernels/gemm/*.cpp native/runtime/cpu.cpp
//       native/runtime/thread_pool.cpp native/runtime/scratch.cpp -o /tmp/gemm_test && /tmp/gemm_test
//   (add -fsanitize=address,undefined -g for the sanitizer run)
// WebAssembly (SIMD128 path):
//   em++ -std=c++17 -O3 -msimd128 -ffp-contract=off native/tests/gemm_test.cpp
//       native/kernels/gemm/*.cpp native/runtime/cpu.cpp native/runtime/thread_pool.cpp native/runtime/scratch.cpp
//       -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 -o /tmp/gemm-wasm/t.js
//   node --no-experimental-fetch /tmp/gemm-wasm/t.js
// Options: --quick (fewer random cases), --seed N, --isa NAME (that path only, so that a
// slow sanitized run can be split over processes).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../kernels/gemm/gemm.h"
#include "../runtime/isa.h"
#include "../runtime/thread_pool.h"

using ng::Activation;
using ng::Isa;

namespace {

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t uniform_int(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * ((next() >> 11) * 0x1.0p-53); }
};

struct Case {
  bool ta = false, tb = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t pad_a = 0, pad_b = 0, pad_c = 0;
  double alpha = 1, beta = 0;
  bool bias = false;
  Activation act = Activation::None;
  double leaky = 0.01;
};

const char* act_name(Activation a) {
  switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::LeakyRelu: return "leaky";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
  }
  return "?";
}

std::string describe(const Case& c) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "m=%lld n=%lld k=%lld ta=%d tb=%d pads=%lld/%lld/%lld alpha=%g beta=%g bias=%d act=%s",
                (long long)c.m, (long long)c.n, (long long)c.k, c.ta, c.tb, (long long)c.pad_a,
                (long long)c.pad_b, (long long)c.pad_c, c.alpha, c.beta, c.bias, act_name(c.act));
  return buf;
}

double act_ref(double x, Activation a, double leaky) {
  switch (a) {
    case Activation::None: return x;
    case Activation::Relu: return x > 0 ? x : 0;
    case Activation::LeakyRelu: return x > 0 ? x : leaky * x;
    case Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::Tanh: return std::tanh(x);
  }
  return x;
}

template <typename T>
void call_gemm(Isa isa, const Case& c, const T* a, int64_t lda, const T* b, int64_t ldb, T* cm,
               int64_t ldc, const ng::GemmEpilogue<T>& ep);
template <>
void call_gemm<float>(Isa isa, const Case& c, const float* a, int64_t lda, const float* b,
                      int64_t ldb, float* cm, int64_t ldc, const ng::GemmEpilogue<float>& ep) {
  ng::sgemm(isa, c.ta, c.tb, c.m, c.n, c.k, float(c.alpha), a, lda, b, ldb, float(c.beta), cm,
            ldc, ep);
}
template <>
void call_gemm<double>(Isa isa, const Case& c, const double* a, int64_t lda, const double* b,
                       int64_t ldb, double* cm, int64_t ldc, const ng::GemmEpilogue<double>& ep) {
  ng::dgemm(isa, c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc, ep);
}

template <typename T>
void call_gemm_packed(Isa isa, const Case& c, const T* a, int64_t lda, const T* b, int64_t ldb,
                      T* cm, int64_t ldc, const ng::GemmEpilogue<T>& ep) {
  ng::PackedMatrix<T> p(isa, c.tb, c.k, c.n, b, ldb);
  if constexpr (sizeof(T) == 4) {
    ng::sgemm_packed(isa, c.ta, c.m, a, lda, p, float(c.alpha), float(c.beta), cm, ldc, ep);
  } else {
    ng::dgemm_packed(isa, c.ta, c.m, a, lda, p, c.alpha, c.beta, cm, ldc, ep);
  }
}

struct Stats {
  long cases = 0, failures = 0;
  double worst_ratio = 0;  // max |err| / tol seen
};

// Buffers with the operands laid out as the case says, plus the untouched reference.
template <typename T>
struct Operands {
  int64_t lda, ldb, ldc;
  std::vector<T> a, b, c0, bias;
};

constexpr double kSentinel = -12345.0;  // fills C's padding; must survive every call

template <typename T>
Operands<T> make_operands(const Case& c, Rng& rng) {
  Operands<T> o;
  const int64_t a_rows = c.ta ? c.k : c.m, a_cols = c.ta ? c.m : c.k;
  const int64_t b_rows = c.tb ? c.n : c.k, b_cols = c.tb ? c.k : c.n;
  o.lda = a_cols + c.pad_a;
  o.ldb = b_cols + c.pad_b;
  o.ldc = c.n + c.pad_c;
  // At least one element so that data() is never null even for empty matrices.
  o.a.assign(std::max<int64_t>(1, a_rows * o.lda), T(0));
  o.b.assign(std::max<int64_t>(1, b_rows * o.ldb), T(0));
  o.c0.assign(std::max<int64_t>(1, c.m * o.ldc), T(kSentinel));
  for (int64_t i = 0; i < a_rows; ++i)
    for (int64_t j = 0; j < a_cols; ++j) o.a[i * o.lda + j] = T(rng.uniform(-1, 1));
  for (int64_t i = 0; i < b_rows; ++i)
    for (int64_t j = 0; j < b_cols; ++j) o.b[i * o.ldb + j] = T(rng.uniform(-1, 1));
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j)
      o.c0[i * o.ldc + j] =
          c.beta == 0 ? std::numeric_limits<T>::quiet_NaN() : T(rng.uniform(-1, 1));
  if (c.bias) {
    o.bias.resize(std::max<int64_t>(1, c.n));
    for (auto& v : o.bias) v = T(rng.uniform(-1, 1));
  }
  return o;
}

template <typename T>
ng::GemmEpilogue<T> epilogue(const Case& c, const Operands<T>& o) {
  ng::GemmEpilogue<T> ep;
  ep.bias = c.bias ? o.bias.data() : nullptr;
  ep.act = c.act;
  ep.leaky_alpha = T(c.leaky);
  return ep;
}

// Compares `got` with the float64 reference; also checks that C's padding columns kept
// the sentinel. Returns the number of bad elements (prints the first few).
template <typename T>
long check(const Case& c, const Operands<T>& o, const std::vector<T>& got, Stats& st,
           const std::string& what) {
  const double eps = std::numeric_limits<T>::epsilon();
  long bad = 0;
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < o.ldc; ++j) {
      const double g = got[i * o.ldc + j];
      if (j >= c.n) {
        if (g != kSentinel) {
          if (bad++ < 3)
            std::printf("  FAIL %s [%s]: padding C(%lld,%lld) overwritten: %g\n", what.c_str(),
                        describe(c).c_str(), (long long)i, (long long)j, g);
        }
        continue;
      }
      double sum = 0, mag = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        const double av = c.ta ? o.a[p * o.lda + i] : o.a[i * o.lda + p];
        const double bv = c.tb ? o.b[j * o.ldb + p] : o.b[p * o.ldb + j];
        sum += av * bv;
        mag += std::fabs(av * bv);
      }
      double pre = c.alpha * sum, bound = std::fabs(c.alpha) * mag;
      if (c.k == 0 || c.alpha == 0) pre = 0, bound = 0;
      if (c.beta != 0) {
        const double cv = o.c0[i * o.ldc + j];
        pre += c.beta * cv;
        bound += std::fabs(c.beta * cv);
      }
      if (c.bias) {
        pre += o.bias[j];
        bound += std::fabs(double(o.bias[j]));
      }
      const double ref = act_ref(pre, c.act, c.leaky);
      // Rounding of a k-term dot product (FMA or mul+add) plus alpha/beta/bias steps,
      // plus a few ulps for the activation itself. The activations are 1-Lipschitz.
      const double tol = 2.0 * double(c.k + 8) * eps * bound + 16.0 * eps * (1.0 + std::fabs(ref));
      const double err = std::fabs(g - ref);
      if (!(err <= tol)) {  // also catches NaN
        if (bad++ < 3)
          std::printf("  FAIL %s [%s]: C(%lld,%lld) = %.9g, expected %.9g (tol %.3g)\n",
                      what.c_str(), describe(c).c_str(), (long long)i, (long long)j, g, ref, tol);
      } else if (tol > 0 && err / tol > st.worst_ratio) {
        st.worst_ratio = err / tol;
      }
    }
  }
  return bad;
}

template <typename T>
std::vector<T> run(Isa isa, const Case& c, const Operands<T>& o, bool packed) {
  std::vector<T> cm = o.c0;
  const auto ep = epilogue(c, o);
  if (packed) {
    call_gemm_packed<T>(isa, c, o.a.data(), o.lda, o.b.data(), o.ldb, cm.data(), o.ldc, ep);
  } else {
    call_gemm<T>(isa, c, o.a.data(), o.lda, o.b.data(), o.ldb, cm.data(), o.ldc, ep);
  }
  return cm;
}

bool bitwise_equal(const void* x, const void* y, size_t bytes) {
  return std::memcmp(x, y, bytes) == 0;
}

const char* tname(float) { return "f32"; }
const char* tname(double) { return "f64"; }

Case random_case(Rng& rng, int64_t max_dim) {
  Case c;
  c.m = rng.uniform_int(0, max_dim);
  c.n = rng.uniform_int(0, max_dim);
  c.k = rng.uniform_int(0, max_dim);
  c.ta = rng.next() & 1;
  c.tb = rng.next() & 1;
  c.pad_a = rng.uniform_int(0, 3) == 0 ? 0 : rng.uniform_int(1, 9);
  c.pad_b = rng.uniform_int(0, 3) == 0 ? 0 : rng.uniform_int(1, 9);
  c.pad_c = rng.uniform_int(0, 3) == 0 ? 0 : rng.uniform_int(1, 9);
  static const double alphas[] = {1.0, 1.0, -0.5, 2.25, 0.0};
  static const double betas[] = {0.0, 0.0, 1.0, -1.5, 0.5};
  c.alpha = alphas[rng.uniform_int(0, 4)];
  c.beta = betas[rng.uniform_int(0, 4)];
  c.bias = rng.next() & 1;
  c.act = static_cast<Activation>(rng.uniform_int(0, 4));
  c.leaky = rng.next() & 1 ? 0.01 : 0.2;
  return c;
}

// One case on one path: correctness; optionally thread-count and packed-B invariance.
template <typename T>
void test_case(Isa isa, const Case& c, Rng& rng, Stats& st, bool check_threads) {
  const Operands<T> o = make_operands<T>(c, rng);
  const std::string tag = std::string(ng::isa_name(isa)) + "/" + tname(T());
  ++st.cases;
  ng::set_num_threads(1);
  const std::vector<T> r1 = run<T>(isa, c, o, false);
  long bad = check<T>(c, o, r1, st, tag);
  const std::vector<T> rp = run<T>(isa, c, o, true);
  if (!bitwise_equal(r1.data(), rp.data(), r1.size() * sizeof(T))) {
    std::printf("  FAIL %s [%s]: sgemm_packed differs from sgemm\n", tag.c_str(),
                describe(c).c_str());
    ++bad;
  }
  if (check_threads) {
    for (int threads : {2, 3}) {
      ng::set_num_threads(threads);
      const std::vector<T> rt = run<T>(isa, c, o, false);
      const std::vector<T> rtp = run<T>(isa, c, o, true);
      if (!bitwise_equal(r1.data(), rt.data(), r1.size() * sizeof(T)) ||
          !bitwise_equal(r1.data(), rtp.data(), r1.size() * sizeof(T))) {
        std::printf("  FAIL %s [%s]: %d threads differ from 1 thread\n", tag.c_str(),
                    describe(c).c_str(), threads);
        ++bad;
      }
    }
    ng::set_num_threads(1);
  }
  if (bad) ++st.failures;
}

// A row of C must not depend on how many rows are computed with it: predicting one
// example (m = 1, B read in place or pre-packed) gives bitwise the batch's row. Checks every
// row-block size 1..MR+1 at several offsets, both layouts of A, every epilogue, 1 and 2
// threads, with k spanning several k-blocks and n ending in a partial panel.
template <typename T>
long test_row_invariance(Isa isa, Rng& rng, const std::string& tag) {
  const ng::GemmBlocking bl = ng::gemm_blocking(isa, sizeof(T) == 8);
  long bad = 0;
  for (int variant = 0; variant < 10; ++variant) {
    Case c;
    c.m = (variant % 4 == 0 ? 4 : 2) * bl.mr + 3;  // 4: a narrow product (n below) computed swapped
    // nr/2 - 3: AVX-512's narrow kernels; 5: the dot kernels (variant 2, op(A) = A, deep k);
    // mr + 3 (variant 4, op(A) = Aᵀ): swapped beyond one row panel where the tiles are wide
    c.n = variant % 2 ? 4 * bl.nr * 3 + 5 : variant == 2 ? 5 : variant == 4 ? bl.mr + 3 : variant % 4 == 0 ? bl.nr / 2 - 3 : bl.nr - 3;
    c.k = variant < 5 ? 2 * bl.kc + 17 : 37;
    c.ta = variant % 3 == 1;
    c.pad_a = 3;
    c.pad_c = 2;
    c.alpha = variant % 4 == 3 ? 0.5 : 1.0;
    c.beta = variant % 4 == 2 ? 0.75 : 0.0;
    c.bias = variant % 3 != 2;
    c.act = static_cast<Activation>(variant % 5);
    const Operands<T> o = make_operands<T>(c, rng);
    ng::set_num_threads(1);
    const std::vector<T> whole = run<T>(isa, c, o, false);
    for (int threads : {1, 2}) {
      ng::set_num_threads(threads);
      for (int64_t rows = 1; rows <= bl.mr + 1; ++rows) {
        for (int64_t i0 = 0; i0 + rows <= c.m; i0 += rows + 1) {
          std::vector<T> part = o.c0;  // same starting C (beta != 0 reads it)
          const int64_t lda = o.lda;
          const T* a = c.ta ? o.a.data() + i0 : o.a.data() + i0 * lda;
          Case sub = c;
          sub.m = rows;
          std::vector<T> packed_part = o.c0;
          call_gemm<T>(isa, sub, a, lda, o.b.data(), o.ldb, part.data() + i0 * o.ldc, o.ldc,
                       epilogue(c, o));
          call_gemm_packed<T>(isa, sub, a, lda, o.b.data(), o.ldb, packed_part.data() + i0 * o.ldc,
                              o.ldc, epilogue(c, o));
          const size_t off = size_t(i0 * o.ldc), len = size_t(rows * o.ldc);
          for (const std::vector<T>* got : {&part, &packed_part}) {
            if (!bitwise_equal(whole.data() + off, got->data() + off, len * sizeof(T))) {
              std::printf("  FAIL %s [%s]: rows %lld..%lld computed alone differ (%s B, %d threads)\n",
                          tag.c_str(), describe(c).c_str(), (long long)i0,
                          (long long)(i0 + rows - 1), got == &part ? "unpacked" : "packed", threads);
              ++bad;
            }
          }
        }
      }
    }
  }
  ng::set_num_threads(1);
  return bad;
}

// The packed product with op(A) = Aᵀ (at: k x m, row stride lda) and the indirect one, per
// element type. op(A) = Aᵀ: a product of few columns with op(A) = A would take the dot
// kernels, which the indirect GEMM does not have.
void packed_rows(int64_t m, const float* at, int64_t lda, const ng::PackedMatrixF32& p, float* c,
                 int64_t ldc, const ng::GemmEpilogue<float>& ep) {
  ng::sgemm_packed(p.isa(), true, m, at, lda, p, 1.0f, 0.0f, c, ldc, ep);
}
void packed_rows(int64_t m, const double* at, int64_t lda, const ng::PackedMatrixF64& p, double* c,
                 int64_t ldc, const ng::GemmEpilogue<double>& ep) {
  ng::dgemm_packed(p.isa(), true, m, at, lda, p, 1.0, 0.0, c, ldc, ep);
}
void indirect_rows(int64_t m, int64_t run, const float* const* ptrs, int64_t ptr_ld,
                   const ng::PackedMatrixF32& p, float* c, int64_t ldc, const ng::GemmEpilogue<float>& ep) {
  ng::sgemm_indirect(m, run, ptrs, ptr_ld, p, c, ldc, ep);
}
void indirect_rows(int64_t m, int64_t run, const double* const* ptrs, int64_t ptr_ld,
                   const ng::PackedMatrixF64& p, double* c, int64_t ldc, const ng::GemmEpilogue<double>& ep) {
  ng::dgemm_indirect(m, run, ptrs, ptr_ld, p, c, ldc, ep);
}

// The indirect GEMM against sgemm_packed on the rows its pointers describe (given as Aᵀ), bitwise: the
// segments of each row lie scattered in a pool (as a convolution's taps do), some are a
// shared run of zeros (padding); m covers partial row panels, k spans several k-blocks
// with block edges inside segments, n ends in a partial panel; every epilogue.
template <typename T>
long test_indirect(Isa isa, Rng& rng, const std::string& tag) {
  const ng::GemmBlocking bl = ng::gemm_blocking(isa, sizeof(T) == 8);
  struct Shape { int64_t m, run, segs, n; };
  const Shape shapes[] = {{1, 5, 3, 7},
                          {bl.mr - 1 > 0 ? bl.mr - 1 : 1, 1, 9, bl.nr},
                          {bl.mr, 3, 9, bl.nr - 3},
                          {2 * bl.mr + 3, 7, 25, 3 * bl.nr + 5},
                          {37, (bl.kc * 2) / 9 + 3, 9, 2 * bl.nr},
                          {100, 16, 2 * (bl.kc / 16) + 3, 11}};
  long bad = 0;
  int variant = 0;
  for (const Shape& sh : shapes) {
    for (int tries = 0; tries < 2; ++tries, ++variant) {
      const int64_t m = sh.m, k = sh.run * sh.segs, n = sh.n, ld = m + 2;
      std::vector<T> zeros(static_cast<size_t>(sh.run), T(0));
      std::vector<T> pool(static_cast<size_t>(m * sh.segs * sh.run));
      for (T& v : pool) v = T(rng.uniform(-1, 1));
      std::vector<const T*> ptrs(static_cast<size_t>(sh.segs * ld), nullptr);
      std::vector<T> a(static_cast<size_t>(m * k));  // the same rows, explicit
      for (int64_t i = 0; i < m; ++i)
        for (int64_t sg = 0; sg < sh.segs; ++sg) {
          const int64_t slot = (sg * m + i) * 7919 % (m * sh.segs);  // scattered
          const bool pad = rng.uniform(0, 1) < 0.15;
          const T* src = pad ? zeros.data() : pool.data() + slot * sh.run;
          ptrs[size_t(sg * ld + i)] = src;
          std::copy(src, src + sh.run, a.begin() + i * k + sg * sh.run);
        }
      std::vector<T> b(static_cast<size_t>(k * n)), bias(static_cast<size_t>(n));
      for (T& v : b) v = T(rng.uniform(-1, 1));
      for (T& v : bias) v = T(rng.uniform(-1, 1));
      ng::GemmEpilogue<T> ep;
      ep.bias = variant % 2 ? bias.data() : nullptr;
      ep.act = static_cast<Activation>(variant % 5);
      const ng::PackedMatrix<T> packed(isa, false, k, n, b.data(), n);
      const int64_t ldc = n + 1;
      std::vector<T> want(static_cast<size_t>(m * ldc), T(-7)), got = want;
      std::vector<T> at(static_cast<size_t>(k * m));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) at[size_t(p * m + i)] = a[size_t(i * k + p)];
      packed_rows(m, at.data(), m, packed, want.data(), ldc, ep);
      indirect_rows(m, sh.run, ptrs.data(), ld, packed, got.data(), ldc, ep);
      if (!bitwise_equal(want.data(), got.data(), want.size() * sizeof(T))) {
        std::printf("  FAIL %s: indirect m %lld run %lld segments %lld n %lld act %s differs from packed\n",
                    tag.c_str(), (long long)m, (long long)sh.run, (long long)sh.segs, (long long)n,
                    act_name(ep.act));
        ++bad;
      }
    }
  }
  return bad;
}

void plain_gemm(Isa isa, bool ta, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  ng::sgemm(isa, ta, false, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
void plain_gemm(Isa isa, bool ta, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
                const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  ng::dgemm(isa, ta, false, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}
size_t indirect_t_packed_size(Isa isa, int64_t k, int64_t n, float) { return ng::sgemm_indirect_t_packed_size(isa, k, n); }
size_t indirect_t_packed_size(Isa isa, int64_t k, int64_t n, double) { return ng::dgemm_indirect_t_packed_size(isa, k, n); }
void indirect_t_pack(Isa isa, int64_t k, int64_t n, const float* b, int64_t ldb, float* dst) {
  ng::sgemm_indirect_t_pack(isa, k, n, b, ldb, dst);
}
void indirect_t_pack(Isa isa, int64_t k, int64_t n, const double* b, int64_t ldb, double* dst) {
  ng::dgemm_indirect_t_pack(isa, k, n, b, ldb, dst);
}
bool indirect_t_packed_in_place(Isa isa, int64_t n, float) { return ng::sgemm_indirect_t_packed_in_place(isa, n, n); }
bool indirect_t_packed_in_place(Isa isa, int64_t n, double) { return ng::dgemm_indirect_t_packed_in_place(isa, n, n); }
void indirect_t_rows(Isa isa, int64_t rows, int64_t k, const float* const* cols, int64_t off, const float* bp,
                     int64_t n, float beta, float* c, int64_t ldc, bool prefetch) {
  ng::sgemm_indirect_t_rows(isa, rows, k, cols, off, bp, n, beta, c, ldc, prefetch);
}
void indirect_t_rows(Isa isa, int64_t rows, int64_t k, const double* const* cols, int64_t off, const double* bp,
                     int64_t n, double beta, double* c, int64_t ldc, bool prefetch) {
  ng::dgemm_indirect_t_rows(isa, rows, k, cols, off, bp, n, beta, c, ldc, prefetch);
}

// sgemm_indirect_t_rows (C = Aᵀ·B + beta·C over a band of rows, A's rows read through
// segment pointers: a convolution's filter gradient) against sgemm with op(A) = Aᵀ on the
// explicit A, bitwise: runs that are not a multiple of MR, each segment whole and cut into
// two bands at an odd row, k over several k-blocks, n ending in a partial panel, with and
// without prefetching through the pointers, beta 0 (NaN in C ignored) and 1. Where B is its
// own packed form (sgemm_indirect_t_packed_in_place), the packing must copy it unchanged and
// the product reads B itself; some shape must be such on every instruction set.
template <typename T>
long test_indirect_t(Isa isa, Rng& rng, const std::string& tag) {
  const ng::GemmBlocking bl = ng::gemm_blocking(isa, sizeof(T) == 8);
  struct Shape { int64_t segs, run, k, n; };
  const Shape shapes[] = {{1, 1, 1, 1},
                          {3, 5, 40, bl.nr},
                          {9, 32, 2 * bl.kc + 7, 2 * bl.nr + 3},
                          {5, 30, 300, 16},
                          {2, bl.mr * 3 + 1, bl.kc + 1, bl.nr - 1},
                          {2, 200, bl.kc + 40, bl.nr + 1}};
  long bad = 0;
  int variant = 0, in_place_shapes = 0;
  for (const Shape& sh : shapes) {
    for (int tries = 0; tries < 2; ++tries, ++variant) {
      const int64_t m = sh.segs * sh.run, k = sh.k, n = sh.n, ld = k + 3, ldc = n + 2;
      const T beta = variant % 2 ? T(1) : T(0);
      std::vector<T> zeros(static_cast<size_t>(sh.run), T(0));
      std::vector<T> pool(static_cast<size_t>(k * sh.segs * sh.run));
      for (T& v : pool) v = T(rng.uniform(-1, 1));
      std::vector<const T*> ptrs(static_cast<size_t>(sh.segs * ld + ng::kIndirectPtrSlack), nullptr);
      std::vector<T> a(static_cast<size_t>(k * m));  // k x m, row p = pixel p's segments
      for (int64_t p = 0; p < k; ++p)
        for (int64_t sg = 0; sg < sh.segs; ++sg) {
          const int64_t slot = (sg * k + p) * 7919 % (k * sh.segs);
          const T* src = rng.uniform(0, 1) < 0.15 ? zeros.data() : pool.data() + slot * sh.run;
          ptrs[size_t(sg * ld + p)] = src;
          std::copy(src, src + sh.run, a.begin() + p * m + sg * sh.run);
        }
      std::vector<T> b(static_cast<size_t>(k * n));
      for (T& v : b) v = T(rng.uniform(-1, 1));
      std::vector<T> c0(static_cast<size_t>(m * ldc));
      for (T& v : c0) v = beta == T(0) ? std::numeric_limits<T>::quiet_NaN() : T(rng.uniform(-1, 1));
      std::vector<T> want = c0;
      plain_gemm(isa, true, m, n, k, a.data(), m, b.data(), n, beta, want.data(), ldc);
      std::vector<T> bp(indirect_t_packed_size(isa, k, n, T()));
      indirect_t_pack(isa, k, n, b.data(), n, bp.data());
      const bool in_place = indirect_t_packed_in_place(isa, n, T());
      if (in_place) {
        in_place_shapes += tries == 0;
        if (bp.size() != b.size() || !bitwise_equal(bp.data(), b.data(), b.size() * sizeof(T))) {
          std::printf("  FAIL %s: B of k %lld n %lld is said to be its own packed form but packs otherwise\n",
                      tag.c_str(), (long long)k, (long long)n);
          ++bad;
        }
      }
      const T* packed = in_place ? b.data() : bp.data();
      for (int split = 0; split < 2; ++split) {
        std::vector<T> got = c0;
        const bool prefetch = (variant + split) % 2 == 1;
        for (int64_t sg = 0; sg < sh.segs; ++sg) {
          const int64_t cut = split ? std::min<int64_t>(sh.run, 1 + 2 * (sh.run / 4)) : sh.run;
          T* crow = got.data() + sg * sh.run * ldc;
          indirect_t_rows(isa, cut, k, ptrs.data() + sg * ld, 0, packed, n, beta, crow, ldc, prefetch);
          indirect_t_rows(isa, sh.run - cut, k, ptrs.data() + sg * ld, cut, packed, n, beta, crow + cut * ldc,
                          ldc, prefetch);
        }
        // Bits, padding columns included (with beta 0 they hold NaN, which must stay untouched).
        if (!bitwise_equal(want.data(), got.data(), want.size() * sizeof(T))) {
          std::printf("  FAIL %s: indirect_t_rows segments %lld run %lld k %lld n %lld beta %g (split %d) differs from gemm\n",
                      tag.c_str(), (long long)sh.segs, (long long)sh.run, (long long)k, (long long)n,
                      double(beta), split);
          ++bad;
        }
      }
    }
  }
  if (in_place_shapes == 0) {
    std::printf("  FAIL %s: no shape had B as its own packed form\n", tag.c_str());
    ++bad;
  }
  return bad;
}

template <typename T>
bool test_path(Isa isa, int n_random, uint64_t seed) {
  Rng rng(seed);
  Stats st;
  const std::string tag = std::string(ng::isa_name(isa)) + "/" + tname(T());
  const ng::GemmBlocking bl = ng::gemm_blocking(isa, sizeof(T) == 8);
  std::printf("%s: tile %dx%d, MC %d, KC %d\n", tag.c_str(), bl.mr, bl.nr, bl.mc, bl.kc);

  // Exhaustive-ish small shapes: random m, n, k in 0..67 and random everything else.
  for (int t = 0; t < n_random; ++t) {
    const Case c = random_case(rng, 67);
    test_case<T>(isa, c, rng, st, (t % 16) == 0);
  }
  // Medium shapes (several row blocks / column panels / k-blocks, packed and in-place A).
  for (int t = 0; t < n_random / 20; ++t) {
    Case c = random_case(rng, 300);
    if (t % 3 == 0) c.n = rng.uniform_int(1, 80);  // the in-place A path (small n)
    test_case<T>(isa, c, rng, st, (t % 4) == 0);
  }
  // Degenerate shapes and special scalars on every transpose combination.
  for (int tr = 0; tr < 4; ++tr) {
    for (int64_t dims : {0, 1, 2, 3}) {
      Case c;
      c.ta = tr & 1;
      c.tb = tr >> 1;
      c.m = dims == 1 ? 0 : 5;
      c.n = dims == 2 ? 0 : 7;
      c.k = dims == 3 ? 0 : 9;
      c.beta = 0.5;
      c.bias = true;
      c.act = Activation::Sigmoid;
      test_case<T>(isa, c, rng, st, false);
      c.alpha = 0;
      c.beta = 0;
      test_case<T>(isa, c, rng, st, false);
    }
  }
  // Larger shapes spanning several k-blocks, row blocks, column panels and tasks; every
  // transpose combination, checked against the reference and across thread counts.
  struct Big { int64_t m, n, k; };
  const Big bigs[] = {{300, 517, 1029}, {157, 99, 700}, {1, 300, 513}, {450, 7, 260},
                      {96, 256, 256},   {128, 10, 784}, {130, 64, 800}, {5, 1000, 40},
                      {301, 131, 1100},   // packed A with a row tail and k-blocks of 550
                      {150, 1025, 1024},  // B's k-panel over kWideBBytes: row blocks of 2·MC
                      // few columns, deep k (the dot kernels where op(A) = A): k tails,
                      // partial row tiles, uneven column groups, threads
                      {77, 3, 200}, {33, 9, 129}, {2000, 1, 1000}, {130, 2, 128}, {61, 12, 300},
                      // few row panels, B in place in L2, over kSerialFlops: column groups on
                      // the threads (on every path for the second)
                      {40, 200, 600}, {18, 100, 1200}};
  int idx = 0;
  for (const Big& bg : bigs) {
    for (int tr = 0; tr < 4; ++tr, ++idx) {
      Case c;
      c.m = bg.m;
      c.n = bg.n;
      c.k = bg.k;
      c.ta = tr & 1;
      c.tb = tr >> 1;
      c.pad_a = (idx % 3) * 5;
      c.pad_b = (idx % 2) * 3;
      c.pad_c = (idx % 3) * 2;
      c.alpha = idx % 2 ? 1.0 : -0.75;
      c.beta = idx % 3 == 0 ? 0.0 : 1.25;
      c.bias = idx % 2 == 0;
      c.act = static_cast<Activation>(idx % 5);
      test_case<T>(isa, c, rng, st, true);
    }
  }
  st.failures += test_row_invariance<T>(isa, rng, tag);
  st.failures += test_indirect<T>(isa, rng, tag);
  st.failures += test_indirect_t<T>(isa, rng, tag);
  std::printf("%s: %ld cases, %ld failed, worst err/tol %.3f\n", tag.c_str(), st.cases,
              st.failures, st.worst_ratio);
  return st.failures == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int n_random = 3000;
  uint64_t seed = 1234;
  const char* only = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) n_random = 300;
    if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = std::strtoull(argv[++i], 0, 10);
    if (std::strcmp(argv[i], "--isa") == 0 && i + 1 < argc) only = argv[++i];
  }
  std::printf("gemm_test: active isa %s, %d threads available\n", ng::isa_name(ng::active_isa()),
              ng::num_threads());
  const int saved_threads = ng::num_threads();
  bool ok = true;
  int paths = 0;
  bool named = only == nullptr;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Simd128, Isa::Neon}) {
    if (only && std::strcmp(only, ng::isa_name(isa)) != 0) continue;
    named = true;
    if (!ng::gemm_isa_available(isa)) {
      std::printf("%s: not available here, skipped\n", ng::isa_name(isa));
      continue;
    }
    ++paths;
    ok = test_path<float>(isa, n_random, seed) && ok;
    ok = test_path<double>(isa, n_random, seed + 1) && ok;
  }
  // Unavailable paths must fall back to one that runs (never execute foreign code).
  for (Isa isa : {Isa::Avx512, Isa::Neon, Isa::Simd128}) {
    const Isa r = ng::gemm_resolve_isa(isa);
    if (!ng::isa_supported(r)) {
      std::printf("FAIL: gemm_resolve_isa(%s) -> unsupported %s\n", ng::isa_name(isa),
                  ng::isa_name(r));
      ok = false;
    }
  }
  if (!named) {
    std::printf("FAIL: --isa %s names no path (scalar, avx2, avx512, simd128, neon)\n", only);
    ok = false;
  }
  ng::set_num_threads(saved_threads);
  std::printf("%s (%d paths)\n", ok ? "gemm_test: OK" : "gemm_test: FAILED", paths);
  return ok ? 0 : 1;
}
