// Standalone correctness test of native/kernels/conv/pool against a naive reference, for every
// path this binary and CPU can run, float32 and float64: random shapes (batch 1-3, sizes
// 1-14, channels 1-70 to cover every vector block and tail), pools 1-4, strides 1-4, random
// padding below the pool size (only windows with an input pixel); exact max, argmax and max
// gradient, averages to rounding; every dx element written; bitwise the same for 1, 2 and 3
// threads. Buffers are exactly sized, so the sanitizer run catches any access outside them.
//
//   g++ -std=c++17 -O2 -ffp-contract=off -fno-math-errno -pthread native/tests/pool_test.cpp
//       native/kernels/conv/pool*.cpp native/runtime/cpu.cpp native/runtime/checks.cpp
//       native/runtime/thread_pool.cpp -o /tmp/pool_test && /tmp/pool_test
//   (add -fsanitize=address,undefined -g for the sanitizer run)
// Options: --quick (fewer random cases).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../kernels/conv/pool.h"
#include "../runtime/isa.h"
#include "../runtime/thread_pool.h"

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
  int64_t uniform_int(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1)); }
};

int g_failures = 0;

void fail(const std::string& what) {
  if (++g_failures <= 20) std::printf("FAIL %s\n", what.c_str());
}

struct Problem {
  int64_t n, c;
  ng::Window2d w;
};

std::string describe(const Problem& p) {
  const ng::Window2d& w = p.w;
  char buf[200];
  std::snprintf(buf, sizeof buf, "[%lld,%lld,%lld,%lld] pool %lldx%lld stride %lldx%lld pad %lld,%lld",
                (long long)p.n, (long long)w.in_h, (long long)w.in_w, (long long)p.c, (long long)w.kh, (long long)w.kw,
                (long long)w.stride_h, (long long)w.stride_w, (long long)w.pad_top, (long long)w.pad_left);
  return buf;
}

// A random problem whose every window holds at least one input pixel.
Problem random_problem(Rng& r) {
  for (;;) {
    Problem p{};
    p.n = r.uniform_int(1, 3);
    p.c = r.uniform_int(1, 70);
    ng::Window2d& w = p.w;
    w.kh = r.uniform_int(1, 4);
    w.kw = r.uniform_int(1, 4);
    w.in_h = r.uniform_int(1, 14);
    w.in_w = r.uniform_int(1, 14);
    w.stride_h = r.uniform_int(1, 4);
    w.stride_w = r.uniform_int(1, 4);
    w.dilation_h = w.dilation_w = 1;
    w.pad_top = r.uniform_int(0, w.kh - 1);
    w.pad_left = r.uniform_int(0, w.kw - 1);
    const int64_t pad_bottom = r.uniform_int(0, w.kh - 1), pad_right = r.uniform_int(0, w.kw - 1);
    const int64_t ph = w.in_h + w.pad_top + pad_bottom, pw = w.in_w + w.pad_left + pad_right;
    if (ph < w.kh || pw < w.kw) continue;
    w.out_h = (ph - w.kh) / w.stride_h + 1;
    w.out_w = (pw - w.kw) / w.stride_w + 1;
    if ((w.out_h - 1) * w.stride_h - w.pad_top >= w.in_h || (w.out_w - 1) * w.stride_w - w.pad_left >= w.in_w) continue;
    return p;
  }
}

// The naive reference in double: out, argmax (first maximum in tap order, NaN wins), and
// both gradients by scattering dy.
struct Reference {
  std::vector<double> max, avg, dx_max, dx_avg;
  std::vector<int32_t> arg;
};

Reference reference(const Problem& p, const std::vector<double>& x, const std::vector<double>& dy) {
  const ng::Window2d& w = p.w;
  Reference ref;
  const size_t out_size = static_cast<size_t>(p.n * w.out_h * w.out_w * p.c);
  ref.max.resize(out_size);
  ref.avg.resize(out_size);
  ref.arg.resize(out_size);
  ref.dx_max.assign(x.size(), 0);
  ref.dx_avg.assign(x.size(), 0);
  for (int64_t b = 0; b < p.n; ++b)
    for (int64_t oh = 0; oh < w.out_h; ++oh)
      for (int64_t ow = 0; ow < w.out_w; ++ow)
        for (int64_t ch = 0; ch < p.c; ++ch) {
          const size_t o = static_cast<size_t>(((b * w.out_h + oh) * w.out_w + ow) * p.c + ch);
          double best = -INFINITY, sum = 0;
          int32_t best_tap = -1;
          size_t best_at = 0;
          std::vector<size_t> inside;
          for (int64_t ky = 0; ky < w.kh; ++ky)
            for (int64_t kx = 0; kx < w.kw; ++kx) {
              const int64_t ih = oh * w.stride_h - w.pad_top + ky, iw = ow * w.stride_w - w.pad_left + kx;
              if (ih < 0 || ih >= w.in_h || iw < 0 || iw >= w.in_w) continue;
              const size_t at = static_cast<size_t>(((b * w.in_h + ih) * w.in_w + iw) * p.c + ch);
              const double v = x[at];
              if (best_tap < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
                best = v;
                best_tap = static_cast<int32_t>(ky * w.kw + kx);
                best_at = at;
              }
              sum += v;
              inside.push_back(at);
            }
          ref.max[o] = best;
          ref.arg[o] = best_tap;
          ref.avg[o] = sum / static_cast<double>(inside.size());
          ref.dx_max[best_at] += dy[o];
          for (const size_t at : inside) ref.dx_avg[at] += dy[o] / static_cast<double>(inside.size());
        }
  return ref;
}

template <class T>
struct Run {
  std::vector<T> max, max_noarg, avg, dx_max, dx_avg;
  std::vector<int32_t> arg;
};

template <class T>
Run<T> run(ng::Isa isa, const Problem& p, const std::vector<T>& x, const std::vector<T>& dy) {
  const ng::DType dt = sizeof(T) == 4 ? ng::DType::Float32 : ng::DType::Float64;
  Run<T> r;
  r.max.assign(dy.size(), T(5));
  r.max_noarg.assign(dy.size(), T(5));
  r.avg.assign(dy.size(), T(5));
  r.arg.assign(dy.size(), 12345);
  r.dx_max.assign(x.size(), T(7));  // garbage: the gradients must overwrite every element
  r.dx_avg.assign(x.size(), T(7));
  ng::max_pool2d(isa, dt, x.data(), r.max.data(), r.arg.data(), p.n, p.c, p.w);
  ng::max_pool2d(isa, dt, x.data(), r.max_noarg.data(), nullptr, p.n, p.c, p.w);
  ng::avg_pool2d(isa, dt, x.data(), r.avg.data(), p.n, p.c, p.w);
  ng::max_pool2d_grad(isa, dt, dy.data(), r.arg.data(), r.dx_max.data(), p.n, p.c, p.w);
  ng::avg_pool2d_grad(isa, dt, dy.data(), r.dx_avg.data(), p.n, p.c, p.w);
  return r;
}

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

template <class T>
void compare(const char* what, const std::string& where, const std::vector<T>& got, const std::vector<double>& want,
             double tol) {
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], e = static_cast<T>(want[i]);
    if (same_value(g, e)) continue;
    if (tol > 0 && std::fabs(g - e) <= tol * std::max(1.0, std::fabs(e))) continue;
    fail(std::string(what) + " at " + std::to_string(i) + ": " + std::to_string(g) + " vs " + std::to_string(e) + ", " + where);
    return;
  }
}

template <class T>
bool bitwise_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T>
void check_case(ng::Isa isa, const Problem& p, Rng& r, bool threads) {
  const ng::Window2d& w = p.w;
  const int64_t in_size = p.n * w.in_h * w.in_w * p.c, out_size = p.n * w.out_h * w.out_w * p.c;
  std::vector<T> x(static_cast<size_t>(in_size)), dy(static_cast<size_t>(out_size));
  const int mode = static_cast<int>(r.uniform_int(0, 2));  // 0 random, 1 ties, 2 NaN / inf mixed in
  for (auto& v : x) {
    const int64_t k = r.uniform_int(0, 999);
    v = mode == 1 ? T(k % 3) : mode == 2 && k < 60 ? (k < 20 ? T(NAN) : k < 40 ? T(INFINITY) : T(-INFINITY))
                                                   : T((k - 500) / 64.0);
  }
  for (auto& v : dy) v = T((r.uniform_int(0, 999) - 500) / 128.0);
  const std::vector<double> xd(x.begin(), x.end()), dyd(dy.begin(), dy.end());
  const Reference ref = reference(p, xd, dyd);
  const Run<T> got = run(isa, p, x, dy);
  const std::string where = std::string(ng::isa_name(isa)) + (sizeof(T) == 4 ? " f32 " : " f64 ") + describe(p);
  const double tol = sizeof(T) == 4 ? 1e-5 : 1e-13;
  compare("max", where, got.max, ref.max, 0);
  compare("max without argmax", where, got.max_noarg, ref.max, 0);
  compare("max grad", where, got.dx_max, ref.dx_max, 0);
  compare("avg", where, got.avg, ref.avg, tol);
  compare("avg grad", where, got.dx_avg, ref.dx_avg, tol);
  if (got.arg != ref.arg) fail("argmax, " + where);
  if (!threads) return;
  for (int t : {1, 3}) {
    ng::set_num_threads(t);
    const Run<T> again = run(isa, p, x, dy);
    if (!bitwise_equal(again.max, got.max) || !bitwise_equal(again.avg, got.avg) || again.arg != got.arg ||
        !bitwise_equal(again.dx_max, got.dx_max) || !bitwise_equal(again.dx_avg, got.dx_avg))
      fail(std::to_string(t) + " threads differ from 2, " + where);
  }
  ng::set_num_threads(2);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int cases = quick ? 150 : 1000;
  ng::set_num_threads(2);
  int paths = 0;
  for (const ng::Isa isa : {ng::Isa::Scalar, ng::Isa::Avx2, ng::Isa::Avx512, ng::Isa::Simd128, ng::Isa::Neon}) {
    if (!ng::isa_supported(isa)) continue;
    ++paths;
    Rng r(42);
    for (int i = 0; i < cases; ++i) {
      const Problem p = random_problem(r);
      check_case<float>(isa, p, r, false);
      check_case<double>(isa, p, r, false);
    }
    // big enough for several tasks per call
    Problem big{3, 37, {41, 39, 3, 3, 1, 2, 1, 1, 1, 1, 41, 20}};
    check_case<float>(isa, big, r, true);
    check_case<double>(isa, big, r, true);
    Problem global{2, 70, {17, 19, 17, 19, 1, 1, 1, 1, 0, 0, 1, 1}};
    check_case<float>(isa, global, r, true);
  }
  std::printf("pool_test: %d paths, %d random cases each: %s\n", paths, cases, g_failures ? "FAILED" : "ok");
  return g_failures ? 1 : 0;
}
