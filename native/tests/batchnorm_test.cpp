// Standalone test of native/kernels/norm against a float64 two-pass reference, meant to
// run plain and under AddressSanitizer + UndefinedBehaviorSanitizer (scripts/test-cpp.sh):
// every ISA path this CPU runs, float32 and float64, shapes that take each split of the
// kernels (short rows, row blocks, wide channel tiles with a tail, a single row), with and
// without γ/β and dx; exact buffer sizes (guard values after each output must survive);
// bitwise equality across 1, 2 and 3 threads and across ISA paths. Exit code 0 on success.
//
//   g++ -std=c++17 -O2 -ffp-contract=off -fno-math-errno -pthread native/tests/batchnorm_test.cpp
//       native/kernels/norm/*.cpp native/runtime/cpu.cpp native/runtime/thread_pool.cpp
//       -o /tmp/batchnorm_test && /tmp/batchnorm_test
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../kernels/norm/batchnorm.h"
#include "../runtime/isa.h"
#include "../runtime/thread_pool.h"

namespace {

int failures = 0;

void check(bool ok, const char* what, int64_t outer, int64_t c, const char* isa, int dtype_bytes) {
  if (ok) return;
  if (++failures <= 20)
    std::printf("FAIL %s: [%ld, %ld] %s float%d\n", what, static_cast<long>(outer), static_cast<long>(c), isa,
                dtype_bytes * 8);
}

constexpr double kGuard = 12345.0;

// A buffer with `n` elements followed by guard elements that must stay untouched.
template <typename T>
struct Guarded {
  std::vector<T> v;
  int64_t n;
  explicit Guarded(int64_t size) : v(static_cast<size_t>(size) + 4, static_cast<T>(kGuard)), n(size) {}
  T* data() { return v.data(); }
  bool intact() const {
    for (size_t i = static_cast<size_t>(n); i < v.size(); ++i)
      if (v[i] != static_cast<T>(kGuard)) return false;
    return true;
  }
};

struct Outputs {
  std::vector<double> all;  // every output, concatenated, as doubles
};

template <typename T>
Outputs run(ng::Isa isa, const std::vector<T>& x, const std::vector<T>& dy, const std::vector<T>& gamma,
            const std::vector<T>& beta, int64_t outer, int64_t c, bool affine, bool with_dx, bool* guards_ok) {
  constexpr ng::DType dt = sizeof(T) == 4 ? ng::DType::Float32 : ng::DType::Float64;
  const int64_t n = outer * c;
  Guarded<T> y(n), mean(c), var(c), dx(n), dg(c), db(c), yi(n), dxi(n), dgi(c), dbi(c);
  const T* g = affine ? gamma.data() : nullptr;
  const T* b = affine ? beta.data() : nullptr;
  ng::batch_norm_train(isa, dt, x.data(), g, b, y.data(), mean.data(), var.data(), outer, c, 1e-3);
  ng::batch_norm_backward(isa, dt, x.data(), dy.data(), mean.data(), var.data(), g, with_dx ? dx.data() : nullptr,
                          dg.data(), db.data(), outer, c, 1e-3, true);
  ng::batch_norm_infer(isa, dt, x.data(), g, b, mean.data(), var.data(), yi.data(), outer, c, 1e-3);
  ng::batch_norm_backward(isa, dt, x.data(), dy.data(), mean.data(), var.data(), g, with_dx ? dxi.data() : nullptr,
                          dgi.data(), dbi.data(), outer, c, 1e-3, false);
  *guards_ok = y.intact() && mean.intact() && var.intact() && dx.intact() && dg.intact() && db.intact() &&
               yi.intact() && dxi.intact() && dgi.intact() && dbi.intact();
  Outputs o;
  for (auto* buf : {&y, &mean, &var, &dx, &dg, &db, &yi, &dxi, &dgi, &dbi})
    for (int64_t i = 0; i < buf->n; ++i) o.all.push_back(static_cast<double>(buf->v[i]));
  return o;
}

// The float64 reference of the training forward (y, mean, var) and its backward (dx, dγ, dβ).
template <typename T>
double reference_error(const Outputs& got, const std::vector<T>& x, const std::vector<T>& dy,
                       const std::vector<T>& gamma, const std::vector<T>& beta, int64_t outer, int64_t c, bool affine,
                       bool with_dx) {
  std::vector<double> mean(c, 0), var(c, 0), s0(c, 0), s1(c, 0);
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t j = 0; j < c; ++j) mean[j] += static_cast<double>(x[r * c + j]);
  for (int64_t j = 0; j < c; ++j) mean[j] /= static_cast<double>(outer);
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t j = 0; j < c; ++j) var[j] += std::pow(static_cast<double>(x[r * c + j]) - mean[j], 2);
  for (int64_t j = 0; j < c; ++j) var[j] /= static_cast<double>(outer);
  double err = 0;
  const auto cmp = [&](double a, double b, double scale) { err = std::max(err, std::fabs(a - b) / scale); };
  const int64_t n = outer * c;
  for (int64_t r = 0; r < outer; ++r) {
    for (int64_t j = 0; j < c; ++j) {
      const double is = 1 / std::sqrt(var[j] + 1e-3), g = affine ? static_cast<double>(gamma[j]) : 1;
      const double xh = (static_cast<double>(x[r * c + j]) - mean[j]) * is;
      cmp(got.all[r * c + j], xh * g + (affine ? static_cast<double>(beta[j]) : 0), 1 + std::fabs(g) * 3);
      s0[j] += static_cast<double>(dy[r * c + j]);
      s1[j] += static_cast<double>(dy[r * c + j]) * xh;
    }
  }
  for (int64_t j = 0; j < c; ++j) {
    cmp(got.all[n + j], mean[j], 1 + std::fabs(mean[j]));
    cmp(got.all[n + c + j], var[j], 1 + var[j]);
    cmp(got.all[2 * n + 2 * c + j], s1[j], 1 + static_cast<double>(outer));
    cmp(got.all[2 * n + 3 * c + j], s0[j], 1 + static_cast<double>(outer));
  }
  if (with_dx) {
    for (int64_t r = 0; r < outer; ++r) {
      for (int64_t j = 0; j < c; ++j) {
        const double is = 1 / std::sqrt(var[j] + 1e-3), g = affine ? static_cast<double>(gamma[j]) : 1;
        const double xh = (static_cast<double>(x[r * c + j]) - mean[j]) * is;
        const double want = g * is * (static_cast<double>(dy[r * c + j]) - s0[j] / outer - xh * s1[j] / outer);
        cmp(got.all[2 * n + 2 * c + r * c + j - n], want, 1 + std::fabs(g * is) * 4);  // dx sits after var
      }
    }
  }
  return err;
}

template <typename T>
void test_shape(int64_t outer, int64_t c, uint32_t seed) {
  std::vector<T> x(outer * c), dy(outer * c), gamma(c), beta(c);
  uint32_t s = seed;
  const auto rnd = [&] {
    s = s * 1664525u + 1013904223u;
    return static_cast<double>(s) / 4294967296.0;
  };
  for (int64_t j = 0; j < c; ++j) {
    gamma[j] = static_cast<T>(0.5 + rnd());
    beta[j] = static_cast<T>(rnd() - 0.5);
  }
  for (auto& v : x) v = static_cast<T>(50 * (rnd() - 0.5) + rnd());
  for (auto& v : dy) v = static_cast<T>(rnd() * 2 - 1);
  const double tol = sizeof(T) == 4 ? 2e-5 : 1e-10;
  std::vector<double> first;
  for (const ng::Isa isa : {ng::Isa::Scalar, ng::Isa::Avx2, ng::Isa::Avx512}) {
    if (!ng::isa_supported(isa)) continue;
    for (const bool affine : {true, false}) {
      for (const bool with_dx : {true, false}) {
        std::vector<std::vector<double>> by_threads;
        for (const int threads : {1, 2, 3}) {
          ng::set_num_threads(threads);
          bool guards = false;
          const Outputs o = run<T>(isa, x, dy, gamma, beta, outer, c, affine, with_dx, &guards);
          check(guards, "guard values after an output were overwritten", outer, c, ng::isa_name(isa), sizeof(T));
          by_threads.push_back(o.all);
          if (threads == 1) {
            const double err = reference_error(o, x, dy, gamma, beta, outer, c, affine, with_dx);
            check(err < tol, "differs from the float64 reference", outer, c, ng::isa_name(isa), sizeof(T));
          }
        }
        for (const auto& other : by_threads)
          check(std::memcmp(other.data(), by_threads[0].data(), other.size() * sizeof(double)) == 0,
                "results depend on the thread count", outer, c, ng::isa_name(isa), sizeof(T));
        if (affine && with_dx) {
          if (first.empty()) first = by_threads[0];
          check(std::memcmp(first.data(), by_threads[0].data(), first.size() * sizeof(double)) == 0,
                "ISA paths differ", outer, c, ng::isa_name(isa), sizeof(T));
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  // [outer, c]: a single row; short rows with a partial span; spans and row blocks; the
  // channel-tile split with a tail tile; a large c with one row per block.
  const int64_t shapes[][2] = {{1, 1}, {1, 9}, {2, 3}, {7, 5}, {33, 13}, {1500, 21}, {20000, 1}, {300, 64},
                               {40, 600}, {9, 1100}, {3, 17000}};
  uint32_t seed = 1;
  for (const auto& sh : shapes) {
    if (quick && sh[0] * sh[1] > 100000) continue;
    test_shape<float>(sh[0], sh[1], seed++);
    test_shape<double>(sh[0], sh[1], seed++);
  }
  ng::set_num_threads(2);
  std::printf("batchnorm_test: %s (%d failures)\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
