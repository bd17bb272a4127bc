// Standalone test of native/kernels/conv (standard and depthwise; forward, input gradient,
// filter gradient) against a float64 direct-sum reference, on every path this binary and CPU
// can run, float32 and float64, with random geometry (batch, sizes, kernels, strides,
// dilations, explicit paddings, 1–33 channels, so that every kernel variant is reached);
// that 1 and 3 threads give the same bits; that conv2d_backward gives the bits of the two
// separate gradient passes (including 1×1 shapes where it fuses them); that the L2 size the
// filter gradient's prefetch rule reads comes back in bytes; and a fuzz of random
// metas accepted by parse_conv2d run on buffers of exactly the implied sizes (run it under
// ASan/UBSan, as scripts/test-cpp.sh does, to catch any access outside them).
//
//   g++ -std=c++17 -O2 -ffp-contract=off -fno-math-errno -pthread native/tests/conv_test.cpp
//       native/kernels/conv/*.cpp native/kernels/gemm/*.cpp native/runtime/*.cpp -o /tmp/conv_test
// Options: --quick (fewer cases), --seed N.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../kernels/conv/conv2d.h"
#include "../kernels/conv/conv2d_direct.h"
#include "../kernels/conv/depthwise.h"
#include "../kernels/conv/winograd.h"
#include "../runtime/cpu_cache.h"
#include "../runtime/isa.h"
#include "../runtime/thread_pool.h"

using ng::Activation;
using ng::Conv2dShape;
using ng::DType;
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
  int64_t uniform_int(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % uint64_t(hi - lo + 1)); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * ((next() >> 11) * 0x1.0p-53); }
  template <typename T>
  T pick(std::initializer_list<T> xs) {
    return *(xs.begin() + uniform_int(0, int64_t(xs.size()) - 1));
  }
};

struct Problem {
  Conv2dShape s;
  bool depthwise;
  int64_t nx, nf, ny;
};

// Output channel o of a depthwise conv reads input channel o / mult.
double reference_tap(const Problem& p, const std::vector<double>& x, const std::vector<double>& f, int64_t n,
                     int64_t oh, int64_t ow, int64_t o) {
  const auto& g = p.s.win;
  const int64_t cin = p.s.in_c, cout = p.s.out_c;
  double acc = 0;
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j) {
      const int64_t ih = oh * g.stride_h - g.pad_top + i * g.dilation_h;
      const int64_t iw = ow * g.stride_w - g.pad_left + j * g.dilation_w;
      if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
      const double* xp = &x[((n * g.in_h + ih) * g.in_w + iw) * cin];
      if (p.depthwise) {
        acc += xp[o / (cout / cin)] * f[(i * g.kw + j) * cout + o];
      } else {
        for (int64_t c = 0; c < cin; ++c) acc += xp[c] * f[((i * g.kw + j) * cin + c) * cout + o];
      }
    }
  return acc;
}

// y, and by the adjoint identities dx and df, in float64.
void reference(const Problem& p, const std::vector<double>& x, const std::vector<double>& f,
               const std::vector<double>& dy, std::vector<double>* y, std::vector<double>* dx, std::vector<double>* df) {
  const auto& g = p.s.win;
  const int64_t cin = p.s.in_c, cout = p.s.out_c;
  y->assign(p.ny, 0);
  dx->assign(p.nx, 0);
  df->assign(p.nf, 0);
  for (int64_t n = 0; n < p.s.batch; ++n)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        for (int64_t o = 0; o < cout; ++o) {
          const int64_t yi = ((n * g.out_h + oh) * g.out_w + ow) * cout + o;
          (*y)[yi] = reference_tap(p, x, f, n, oh, ow, o);
          for (int64_t i = 0; i < g.kh; ++i)
            for (int64_t j = 0; j < g.kw; ++j) {
              const int64_t ih = oh * g.stride_h - g.pad_top + i * g.dilation_h;
              const int64_t iw = ow * g.stride_w - g.pad_left + j * g.dilation_w;
              if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
              const int64_t xb = ((n * g.in_h + ih) * g.in_w + iw) * cin;
              if (p.depthwise) {
                const int64_t c = o / (cout / cin), fi = (i * g.kw + j) * cout + o;
                (*dx)[xb + c] += dy[yi] * f[fi];
                (*df)[fi] += x[xb + c] * dy[yi];
              } else {
                for (int64_t c = 0; c < cin; ++c) {
                  const int64_t fi = ((i * g.kw + j) * cin + c) * cout + o;
                  (*dx)[xb + c] += dy[yi] * f[fi];
                  (*df)[fi] += x[xb + c] * dy[yi];
                }
              }
            }
        }
}

// A random, consistent geometry (explicit paddings, the output size they imply). winograd:
// the shapes of its paths (winograd.h): 3×3, stride 1, undilated, 16 channels or more.
bool random_problem(Rng& r, Problem* p, bool winograd = false) {
  Conv2dShape& s = p->s;
  p->depthwise = r.uniform_int(0, 3) == 0;
  // Now and then two vectors of images or more: the input gradient vectorised over images.
  s.batch = r.uniform_int(0, 4) == 0 ? r.uniform_int(16, 19) : r.uniform_int(1, 3);
  s.in_c = r.pick<int64_t>({1, 2, 3, 5, 8, 17, 33});
  s.out_c = p->depthwise ? s.in_c * r.uniform_int(1, 3) : r.pick<int64_t>({1, 2, 4, 6, 9, 16, 24, 40});
  auto& g = s.win;
  g.in_h = r.uniform_int(1, 13);
  g.in_w = r.uniform_int(1, 13);
  g.kh = r.pick<int64_t>({1, 1, 2, 3, 3, 5});
  g.kw = r.pick<int64_t>({1, 1, 2, 3, 3, 5});
  g.stride_h = r.uniform_int(1, 3);
  g.stride_w = r.uniform_int(1, 3);
  g.dilation_h = r.uniform_int(1, 2);
  g.dilation_w = r.uniform_int(1, 2);
  if (winograd) {  // at least 32 tiles of 2×2 outputs: batch 4 or 5, 8 to 14 pixels a side
    p->depthwise = false;
    s.batch = r.uniform_int(4, 5);
    g.in_h = r.uniform_int(8, 14);
    g.in_w = r.uniform_int(8, 14);
    s.in_c = r.pick<int64_t>({16, 17, 33, 40});
    s.out_c = r.pick<int64_t>({16, 32, 33, 48});
    g.kh = g.kw = 3;
    g.stride_h = g.stride_w = g.dilation_h = g.dilation_w = 1;
  }
  g.pad_top = r.uniform_int(0, g.kh);
  g.pad_left = r.uniform_int(0, g.kw);
  const int64_t pad_bottom = r.uniform_int(0, g.kh), pad_right = r.uniform_int(0, g.kw);
  const int64_t span_h = (g.kh - 1) * g.dilation_h + 1, span_w = (g.kw - 1) * g.dilation_w + 1;
  const int64_t ph = g.in_h + g.pad_top + pad_bottom, pw = g.in_w + g.pad_left + pad_right;
  if (span_h > ph || span_w > pw) return false;
  g.out_h = (ph - span_h) / g.stride_h + 1;
  g.out_w = (pw - span_w) / g.stride_w + 1;
  p->nx = s.batch * g.in_h * g.in_w * s.in_c;
  p->nf = g.kh * g.kw * (p->depthwise ? 1 : s.in_c) * s.out_c;
  p->ny = s.batch * g.out_h * g.out_w * s.out_c;
  return true;
}

template <typename T>
std::vector<T> cast(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

struct Outputs {
  std::vector<double> y, dx, df;
  // The few-input-channel input gradient called directly, at any stride (the conv op only
  // routes stride-1 layers to it); empty where it declines the shape.
  std::vector<double> dx_dot;
  // conv2d_backward's dx, and whether its df is bitwise the separate pass's, and its dx too
  // except where it runs Winograd's fused backward (conv2d_winograd_backward_applies), whose
  // dx takes another form than the input gradient alone.
  std::vector<double> dx_both;
  bool both_same = true;
};

template <typename T>
Outputs run(Isa isa, const Problem& p, const std::vector<double>& x, const std::vector<double>& f,
            const std::vector<double>& dy) {
  const DType dt = sizeof(T) == 8 ? DType::Float64 : DType::Float32;
  const auto xt = cast<T>(x), ft = cast<T>(f), dyt = cast<T>(dy);
  std::vector<T> y(p.ny), dx(p.nx), df(p.nf);
  if (p.depthwise) {
    ng::depthwise_conv2d_forward(isa, dt, p.s, xt.data(), ft.data(), nullptr, Activation::None, y.data());
    ng::depthwise_conv2d_backward_input(isa, dt, p.s, dyt.data(), ft.data(), dx.data());
    ng::depthwise_conv2d_backward_filter(isa, dt, p.s, xt.data(), dyt.data(), df.data());
  } else {
    ng::conv2d_forward(isa, dt, p.s, xt.data(), ft.data(), nullptr, Activation::None, y.data());
    ng::conv2d_backward_input(isa, dt, p.s, dyt.data(), ft.data(), dx.data());
    ng::conv2d_backward_filter(isa, dt, p.s, xt.data(), dyt.data(), df.data());
  }
  Outputs out{std::vector<double>(y.begin(), y.end()), std::vector<double>(dx.begin(), dx.end()),
              std::vector<double>(df.begin(), df.end()), {}, {}};
  if (!p.depthwise) {
    std::vector<T> dx2(p.nx, T(NAN)), df2(p.nf, T(NAN));
    ng::conv2d_backward(isa, dt, p.s, xt.data(), dyt.data(), ft.data(), dx2.data(), df2.data());
    out.dx_both.assign(dx2.begin(), dx2.end());
    out.both_same = (ng::conv2d_winograd_backward_applies(isa, dt, p.s) ||
                     std::memcmp(dx2.data(), dx.data(), dx.size() * sizeof(T)) == 0) &&
                    std::memcmp(df2.data(), df.data(), df.size() * sizeof(T)) == 0;
    std::vector<T> dxd(p.nx, T(NAN));
    if (ng::conv2d_direct_backward_input(isa, dt, p.s, dyt.data(), ft.data(), dxd.data()))
      out.dx_dot.assign(dxd.begin(), dxd.end());
  }
  return out;
}

// Largest |got − want| / (tolerance scaled by the number of summed terms).
double worst(const std::vector<double>& got, const std::vector<double>& want, double eps, int64_t terms) {
  double w = 0;
  for (size_t i = 0; i < want.size(); ++i)
    w = std::max(w, std::fabs(got[i] - want[i]) / (eps * double(terms + 4) * (1 + std::fabs(want[i]))));
  return w;
}

std::string describe(const Problem& p) {
  const auto& g = p.s.win;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s n%lld %lldx%lldx%lld k%lldx%lld s%lld,%lld d%lld,%lld p%lld,%lld -> %lldx%lldx%lld",
                p.depthwise ? "depthwise" : "conv", (long long)p.s.batch, (long long)g.in_h, (long long)g.in_w,
                (long long)p.s.in_c, (long long)g.kh, (long long)g.kw, (long long)g.stride_h, (long long)g.stride_w,
                (long long)g.dilation_h, (long long)g.dilation_w, (long long)g.pad_top, (long long)g.pad_left,
                (long long)g.out_h, (long long)g.out_w, (long long)p.s.out_c);
  return buf;
}

// Random x, f and dy for p (each value representable in T) and their float64 reference
// results; eps the unit of T's error bounds.
struct Case {
  std::vector<double> x, f, dy, y, dx, df;
};

template <typename T>
Case random_case(const Problem& p, Rng& r) {
  Case c{std::vector<double>(p.nx), std::vector<double>(p.nf), std::vector<double>(p.ny), {}, {}, {}};
  for (auto* v : {&c.x, &c.f, &c.dy})
    for (auto& e : *v) e = double(T(r.uniform(-1, 1)));
  reference(p, c.x, c.f, c.dy, &c.y, &c.dx, &c.df);
  return c;
}

template <typename T>
constexpr double kEps = sizeof(T) == 8 ? 1e-15 : 1e-7;

template <typename T>
int check_path(Isa isa, int cases, uint64_t seed, bool winograd = false) {
  Rng r(seed);
  int failed = 0, done = 0, dot_cases = 0;
  while (done < cases) {
    Problem p;
    if (!random_problem(r, &p, winograd)) continue;
    ++done;
    const auto [x, f, dy, y, dx, df] = random_case<T>(p, r);
    ng::set_num_threads(1);
    const Outputs one = run<T>(isa, p, x, f, dy);
    ng::set_num_threads(3);
    const Outputs three = run<T>(isa, p, x, f, dy);
    const double eps = kEps<T>;
    const int64_t field = p.s.win.kh * p.s.win.kw * (p.depthwise ? 1 : p.s.in_c);
    const double e[3] = {worst(one.y, y, eps, field), worst(one.dx, dx, eps, field * p.s.out_c),
                         worst(one.df, df, eps, p.ny)};
    const double e_dot = one.dx_dot.empty() ? 0 : worst(one.dx_dot, dx, eps, field * p.s.out_c);
    const double e_both = one.dx_both.empty() ? 0 : worst(one.dx_both, dx, eps, field * p.s.out_c);
    dot_cases += one.dx_dot.empty() ? 0 : 1;
    const bool same = one.y == three.y && one.dx == three.dx && one.df == three.df && one.dx_dot == three.dx_dot &&
                      one.dx_both == three.dx_both;
    const bool both = one.both_same && three.both_same;
    if (e[0] > 1 || e[1] > 1 || e[2] > 1 || e_dot > 1 || e_both > 1 || !same || !both) {
      if (++failed <= 5)
        std::printf("  FAIL %s: err/tol y %.2f dx %.2f df %.2f dx(dot) %.2f dx(both) %.2f%s%s\n", describe(p).c_str(),
                    e[0], e[1], e[2], e_dot, e_both, same ? "" : ", results differ between 1 and 3 threads",
                    both ? "" : ", conv2d_backward differs from the separate passes");
    }
  }
  std::printf("%s/%s: %d %scases (%d through the dot-product input gradient), %d failed\n", ng::isa_name(isa),
              sizeof(T) == 8 ? "f64" : "f32", cases, winograd ? "Winograd " : "", dot_cases, failed);
  return failed;
}

// 1×1 convolutions whose dy spans several filter-gradient tiles, where conv2d_backward runs
// dx and df in one pass over them: against the reference, and bitwise the separate passes
// at 1 and 3 threads.
template <typename T>
int check_fused_backward(Isa isa, uint64_t seed) {
  const int64_t shapes[][4] = {{3, 10, 11, 8}, {4, 24, 24, 32}, {2, 17, 5, 3}};  // batch, h, w, in_c
  const int64_t outs[] = {512, 512, 1024};  // float32: 2, 16 (8 groups) and 2 tiles
  int failed = 0;
  Rng r(seed);
  for (int i = 0; i < 3; ++i) {
    Problem p;
    const int64_t* d = shapes[i];
    p.s = Conv2dShape{d[0], d[3], outs[i], ng::Window2d{d[1], d[2], 1, 1, 1, 1, 1, 1, 0, 0, d[1], d[2]}};
    p.depthwise = false;
    p.nx = d[0] * d[1] * d[2] * d[3];
    p.nf = d[3] * outs[i];
    p.ny = d[0] * d[1] * d[2] * outs[i];
    const auto [x, f, dy, y, dx, df] = random_case<T>(p, r);
    const double eps = kEps<T>;
    for (const int threads : {1, 3}) {
      ng::set_num_threads(threads);
      const Outputs o = run<T>(isa, p, x, f, dy);
      const double e_dx = worst(o.dx, dx, eps, p.s.out_c), e_df = worst(o.df, df, eps, p.ny);
      if (e_dx > 1 || e_df > 1 || !o.both_same) {
        ++failed;
        std::printf("  FAIL fused backward %s, %d threads: err/tol dx %.2f df %.2f%s\n", describe(p).c_str(), threads,
                    e_dx, e_df, o.both_same ? "" : ", conv2d_backward differs from the separate passes");
      }
    }
  }
  std::printf("%s/%s: fused 1×1 backward, %d failed\n", ng::isa_name(isa), sizeof(T) == 8 ? "f64" : "f32", failed);
  return failed;
}

// A 3×3 stride-1 problem from {batch, h, w, in_c, out_c, pad top and left, pad bottom and right}.
Problem winograd_problem(const int64_t (&d)[7]) {
  Problem p;
  const int64_t oh = d[1] + d[5] + d[6] - 2, ow = d[2] + d[5] + d[6] - 2;
  p.s = Conv2dShape{d[0], d[3], d[4], ng::Window2d{d[1], d[2], 3, 3, 1, 1, 1, 1, d[5], d[5], oh, ow}};
  p.depthwise = false;
  p.nx = d[0] * d[1] * d[2] * d[3];
  p.nf = 9 * d[3] * d[4];
  p.ny = d[0] * oh * ow * d[4];
  return p;
}

// Winograd's fused backward over enough tiles for several task groups, some starting inside
// an image (their first rows of dx written aside and added after): against the reference,
// the same at 1 and 3 threads, df bitwise the separate pass's.
template <typename T>
int check_winograd_backward(Isa isa, uint64_t seed) {
  // batch, h, w, in_c, out_c, pad top/left, pad bottom/right
  const int64_t shapes[][7] = {
      {2, 38, 38, 16, 16, 1, 1}, {1, 70, 30, 16, 20, 2, 3}, {3, 23, 45, 17, 33, 0, 0}, {1, 60, 26, 32, 40, 1, 1}};
  int failed = 0, fused = 0;
  Rng r(seed);
  for (const auto& d : shapes) {
    const Problem p = winograd_problem(d);
    fused += ng::conv2d_winograd_backward_applies(isa, sizeof(T) == 8 ? DType::Float64 : DType::Float32, p.s);
    const auto [x, f, dy, y, dx, df] = random_case<T>(p, r);
    const double eps = kEps<T>;
    std::vector<double> first;
    for (const int threads : {1, 3}) {
      ng::set_num_threads(threads);
      const Outputs o = run<T>(isa, p, x, f, dy);
      const double e_dx = worst(o.dx_both, dx, eps, 9 * p.s.in_c * p.s.out_c), e_df = worst(o.df, df, eps, p.ny);
      const bool same = first.empty() || first == o.dx_both;
      if (first.empty()) first = o.dx_both;
      if (e_dx > 1 || e_df > 1 || !o.both_same || !same) {
        ++failed;
        std::printf("  FAIL Winograd backward %s, %d threads: err/tol dx %.2f df %.2f%s%s\n", describe(p).c_str(),
                    threads, e_dx, e_df, o.both_same ? "" : ", df differs from the separate pass",
                    same ? "" : ", dx differs from 1 thread's");
      }
    }
  }
  std::printf("%s/%s: Winograd backward, %d of 4 shapes fused, %d failed\n", ng::isa_name(isa),
              sizeof(T) == 8 ? "f64" : "f32", fused, failed);
  return failed;
}

// One shape of a path called directly (check_winograd_filter4, check_winograd4): `direct`
// and `routed` (the public entry point) each fill n outputs, on 1 and then 3 threads;
// `error` gives a result's error over its bound. Fails where that exceeds `tolerance`, where
// the two thread counts give different bits, or where the routed result is bitwise the
// direct one other than exactly where `applies`. Returns the failures; *most the largest error.
template <typename T, typename Direct, typename Routed, typename Error>
int check_direct_path(const char* what, const char* misrouted, const Problem& p, int64_t n, bool applies,
                      double tolerance, double* most, const Direct& direct, const Routed& routed, const Error& error) {
  int failed = 0;
  std::vector<T> first;
  for (const int threads : {1, 3}) {
    ng::set_num_threads(threads);
    std::vector<T> got(n, T(NAN)), via(n, T(NAN));
    direct(got.data());
    routed(via.data());
    const double e = error(std::vector<double>(got.begin(), got.end()));
    *most = std::max(*most, e);
    const bool same = first.empty() || first == got;
    if (first.empty()) first = got;
    const bool route_ok = applies == (via == got);
    if (e > tolerance || !same || !route_ok) {
      ++failed;
      std::printf("  FAIL %s %s, %d threads: err/bound %.3f%s%s%s\n", what, describe(p).c_str(), threads, e,
                  same ? "" : ", differs from 1 thread's", route_ok ? "" : ", ", route_ok ? "" : misrouted);
    }
  }
  return failed;
}

// The filter gradient over 4×4 tiles of dy (conv2d_winograd_filter4), called directly so that
// shapes the routing gives to other paths run too: partial tiles, channel tails, padding 0 and
// uneven, several task groups. Held to the bound of a direct sum over its batch·out_h·out_w
// terms (tighter than check_path's), bitwise the same on 1 and 3 threads, and against the
// routing: conv2d_backward_filter takes it exactly where conv2d_winograd_filter4_applies.
template <typename T>
int check_winograd_filter4(Isa isa, uint64_t seed) {
  // batch, h, w, in_c, out_c, pad top/left, pad bottom/right
  const int64_t shapes[][7] = {{3, 40, 40, 16, 16, 1, 1}, {2, 23, 45, 17, 33, 0, 0}, {1, 70, 30, 16, 20, 2, 3},
                               {4, 7, 9, 32, 16, 1, 1},   {1, 61, 53, 24, 40, 1, 1}, {2, 32, 32, 16, 24, 1, 1}};
  const DType dt = sizeof(T) == 8 ? DType::Float64 : DType::Float32;
  int failed = 0, routed = 0;
  double most = 0;
  Rng r(seed);
  for (const auto& d : shapes) {
    const Problem p = winograd_problem(d);
    const int64_t oh = p.s.win.out_h, ow = p.s.win.out_w;
    const auto [x, f, dy, y, dx, df] = random_case<T>(p, r);
    const std::vector<T> xt(x.begin(), x.end()), dyt(dy.begin(), dy.end());
    const double eps = kEps<T>;
    const bool applies = ng::conv2d_winograd_filter4_applies(isa, dt, p.s);
    routed += applies;
    failed += check_direct_path<T>(
        "Winograd F(3x3, 4x4) filter gradient", "conv2d_backward_filter's routing disagrees with filter4_applies", p,
        p.nf, applies, 1, &most,
        [&](T* out) { ng::conv2d_winograd_filter4(isa, dt, p.s, xt.data(), dyt.data(), out); },
        [&](T* out) { ng::conv2d_backward_filter(isa, dt, p.s, xt.data(), dyt.data(), out); },
        [&](const std::vector<double>& got) { return worst(got, df, eps, d[0] * oh * ow); });
  }
  std::printf("%s/%s: Winograd F(3x3, 4x4) filter gradient, %d of 6 shapes routed to it, largest err/bound %.3f, %d failed\n",
              ng::isa_name(isa), sizeof(T) == 8 ? "f64" : "f32", routed, most, failed);
  return failed;
}

// The input gradient over 4×4 tiles, F(4×4, 3×3) (conv2d_winograd4), called directly on the
// convolution conv2d.cpp turns a stride-1 input gradient into (dy with the flipped filter), so
// that shapes the routing gives to other paths run too: partial tiles, channel tails, 'valid'
// (dx padded by 2) and uneven padding. Held to twice the bound of a direct sum over dx's
// 9·out_c terms (its float32 error exceeds that bound by up to 1.1× on random data: winograd.h,
// Accuracy), bitwise the same on 1 and 3 threads, and against the routing:
// conv2d_backward_input gives the same bits exactly where conv2d_winograd4_applies.
template <typename T>
int check_winograd4(Isa isa, uint64_t seed) {
  constexpr double kTolerance = 2;
  // batch, h, w, in_c, out_c, pad top/left, pad bottom/right
  const int64_t shapes[][7] = {{2, 20, 19, 24, 72, 1, 1}, {2, 24, 24, 16, 64, 0, 0}, {1, 28, 28, 32, 64, 1, 1},
                               {1, 30, 26, 17, 65, 2, 1}, {3, 12, 16, 40, 96, 1, 1}, {2, 7, 9, 16, 64, 1, 1}};
  const DType dt = sizeof(T) == 8 ? DType::Float64 : DType::Float32;
  int failed = 0, routed = 0;
  double most = 0;
  Rng r(seed);
  for (const auto& d : shapes) {
    const Problem p = winograd_problem(d);
    Conv2dShape t;  // dy's convolution with the flipped filter
    ng::conv2d_input_gradient_as_conv(p.s, &t);
    const auto [x, f, dy, y, dx, df] = random_case<T>(p, r);
    const std::vector<T> dyt(dy.begin(), dy.end());
    std::vector<T> flipped(p.nf);  // flipped[tap][o][c] = f[8 − tap][c][o]
    for (int64_t tap = 0; tap < 9; ++tap)
      for (int64_t c = 0; c < p.s.in_c; ++c)
        for (int64_t o = 0; o < p.s.out_c; ++o)
          flipped[(tap * p.s.out_c + o) * p.s.in_c + c] = T(f[((8 - tap) * p.s.in_c + c) * p.s.out_c + o]);
    const bool applies = ng::conv2d_winograd4_applies(isa, dt, t);
    routed += applies;
    const std::vector<T> ft(f.begin(), f.end());
    failed += check_direct_path<T>(
        "Winograd F(4x4, 3x3) input gradient", "conv2d_backward_input's routing disagrees with winograd4_applies", p,
        p.nx, applies, kTolerance, &most,
        [&](T* out) { ng::conv2d_winograd4(isa, dt, t, dyt.data(), flipped.data(), out); },
        [&](T* out) { ng::conv2d_backward_input(isa, dt, p.s, dyt.data(), ft.data(), out); },
        [&](const std::vector<double>& got) { return worst(got, dx, kEps<T>, 9 * p.s.out_c); });
  }
  // Both gradients of layers whose input gradient takes it run as two passes from 20M
  // pixel-channel pairs on (winograd.cpp), one F(2×2, 3×3) pass below.
  const int64_t small[7] = {1, 28, 28, 128, 128, 1, 1}, large[7] = {4, 28, 28, 64, 128, 1, 1};  // 13M, 26M
  if (!ng::conv2d_winograd_backward_applies(isa, dt, winograd_problem(small).s) ||
      ng::conv2d_winograd_backward_applies(isa, dt, winograd_problem(large).s)) {
    ++failed;
    std::printf("  FAIL conv2d_winograd_backward_applies: one pass expected for 28x28 128 -> 128 at batch 1 only, "
                "not 64 -> 128 at batch 4\n");
  }
  std::printf("%s/%s: Winograd F(4x4, 3x3) input gradient, %d of 6 shapes routed to it, largest err/bound %.3f, %d failed\n",
              ng::isa_name(isa), sizeof(T) == 8 ? "f64" : "f32", routed, most, failed);
  return failed;
}

// Random metas as the bindings would accept them, run on exactly-sized buffers.
int fuzz(int trials, uint64_t seed) {
  Rng r(seed);
  int ran = 0;
  for (int t = 0; t < trials; ++t) {
    auto v = [&] { return r.pick<int64_t>({0, 1, 1, 2, 2, 3, 5, int64_t(1) << 31, int64_t(1) << 40}); };
    auto step = [&] { return r.pick<int64_t>({1, 1, 1, 2, 3, int64_t(1) << 31}); };
    auto pad = [&] { return r.pick<int64_t>({0, 0, 1, 2, int64_t(1) << 31}); };
    const std::vector<int64_t> meta = {v(), v(), v(), v(), v(), v(), v(), step(), step(), step(), step(),
                                       pad(), pad(), v(), v(), r.uniform_int(0, 4)};
    const bool depthwise = r.uniform_int(0, 1) == 1;
    Conv2dShape s;
    ng::Conv2dSizes z;
    Activation act;
    if (!ng::parse_conv2d("fuzz", meta.data(), meta.size(), depthwise, &s, &z, &act).empty()) continue;
    if (z.x > 100000 || z.filter > 100000 || z.y > 100000) continue;
    std::vector<float> x(z.x, 1.0f), f(z.filter, 0.5f), y(z.y, 2.0f);
    std::vector<float> bias(static_cast<size_t>(std::min<int64_t>(s.out_c, 100000)), 0.25f);
    const float* b = s.out_c <= 100000 ? bias.data() : nullptr;
    const int pass = int(r.uniform_int(0, depthwise ? 2 : 3));
    const Isa isa = ng::active_isa();
    if (depthwise) {
      if (pass == 0) ng::depthwise_conv2d_forward(isa, DType::Float32, s, x.data(), f.data(), b, act, y.data());
      if (pass == 1) ng::depthwise_conv2d_backward_input(isa, DType::Float32, s, y.data(), f.data(), x.data());
      if (pass == 2) ng::depthwise_conv2d_backward_filter(isa, DType::Float32, s, x.data(), y.data(), f.data());
    } else {
      if (pass == 0) ng::conv2d_forward(isa, DType::Float32, s, x.data(), f.data(), b, act, y.data());
      if (pass == 1) ng::conv2d_backward_input(isa, DType::Float32, s, y.data(), f.data(), x.data());
      if (pass == 2) ng::conv2d_backward_filter(isa, DType::Float32, s, x.data(), y.data(), f.data());
      if (pass == 3) {
        std::vector<float> dx(z.x), df(z.filter);
        ng::conv2d_backward(isa, DType::Float32, s, x.data(), y.data(), f.data(), dx.data(), df.data());
      }
    }
    ++ran;
  }
  std::printf("fuzz: %d random metas accepted and run of %d\n", ran, trials);
  return ran > 0 ? 0 : 1;
}

}  // namespace

// The filter gradient decides whether to prefetch from the L2 size: where sysfs gives one
// (Linux), it must come back in bytes ("2048K" is 2 MiB, not 2048).
int check_cache_size() {
  std::FILE* f = std::fopen("/sys/devices/system/cpu/cpu0/cache/index2/size", "r");
  if (!f) {
    std::printf("l2_cache_bytes: no sysfs cache description here (%zu), skipped\n", ng::l2_cache_bytes());
    return 0;
  }
  std::fclose(f);
  const std::size_t l2 = ng::l2_cache_bytes();
  const bool ok = l2 >= (std::size_t(64) << 10) && l2 <= (std::size_t(1) << 30) && l2 % 1024 == 0;
  std::printf("l2_cache_bytes: %zu %s\n", l2, ok ? "ok" : "FAILED (expected 64 KiB .. 1 GiB, whole KiB)");
  return ok ? 0 : 1;
}

// The indirect filter gradient where every pixel's filter rows lie inside the image (no
// padding rows): one set of pointers, shifted per filter row (conv2d.cpp's TapLayout). Valid
// windows with dilated and strided rows, a last image row no window reaches, and padding rows
// (per-row pointers) for contrast: against the reference under check_path's bound, and the
// same on 1 and 3 threads.
template <typename T>
int check_filter_rows(Isa isa, uint64_t seed) {
  // batch, h, w, in_c, out_c, kh, kw, stride h, dilation h, pad top, pad bottom
  const int64_t shapes[][11] = {{3, 14, 14, 6, 16, 5, 5, 1, 1, 0, 0}, {2, 13, 11, 6, 16, 3, 3, 1, 2, 0, 0},
                                {2, 16, 12, 5, 24, 3, 3, 2, 1, 0, 0}, {2, 17, 10, 7, 16, 3, 2, 2, 2, 0, 0},
                                {2, 10, 10, 6, 16, 3, 3, 1, 1, 0, 2}, {2, 10, 10, 6, 16, 3, 3, 1, 1, 1, 0}};
  int failed = 0;
  Rng r(seed);
  for (const auto& d : shapes) {
    Problem p;
    const int64_t span = (d[5] - 1) * d[8] + 1, oh = (d[1] + d[9] + d[10] - span) / d[7] + 1, ow = d[2] - d[6] + 1;
    p.s = Conv2dShape{d[0], d[3], d[4], ng::Window2d{d[1], d[2], d[5], d[6], d[7], 1, d[8], 1, d[9], 0, oh, ow}};
    p.depthwise = false;
    p.nx = d[0] * d[1] * d[2] * d[3];
    p.nf = d[5] * d[6] * d[3] * d[4];
    p.ny = d[0] * oh * ow * d[4];
    const auto [x, f, dy, y, dx, df] = random_case<T>(p, r);
    const std::vector<T> xt(x.begin(), x.end()), dyt(dy.begin(), dy.end());
    const double eps = kEps<T>;
    std::vector<T> first;
    for (const int threads : {1, 3}) {
      ng::set_num_threads(threads);
      std::vector<T> got(p.nf, T(NAN));
      ng::conv2d_backward_filter(isa, sizeof(T) == 8 ? DType::Float64 : DType::Float32, p.s, xt.data(), dyt.data(),
                                 got.data());
      const double e = worst(std::vector<double>(got.begin(), got.end()), df, eps, p.ny);
      const bool same = first.empty() || first == got;
      if (first.empty()) first = got;
      if (e > 1 || !same) {
        ++failed;
        std::printf("  FAIL filter gradient over valid rows %s, %d threads: err/tol %.3f%s\n", describe(p).c_str(),
                    threads, e, same ? "" : ", differs from 1 thread's");
      }
    }
  }
  std::printf("%s/%s: filter gradient over valid rows, %d failed\n", ng::isa_name(isa),
              sizeof(T) == 8 ? "f64" : "f32", failed);
  return failed;
}

int main(int argc, char** argv) {
  bool quick = false;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
  }
  int failed = check_cache_size();
  const Isa paths[] = {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Simd128, Isa::Neon};
  for (const Isa isa : paths) {
    if (!ng::isa_supported(isa)) {
      std::printf("%s: not available here, skipped\n", ng::isa_name(isa));
      continue;
    }
    failed += check_path<float>(isa, quick ? 300 : 2000, seed);
    failed += check_path<double>(isa, quick ? 100 : 600, seed + 1);
    failed += check_path<float>(isa, quick ? 60 : 300, seed + 5, true);
    failed += check_path<double>(isa, quick ? 20 : 100, seed + 6, true);
    failed += check_fused_backward<float>(isa, seed + 3);
    failed += check_fused_backward<double>(isa, seed + 4);
    failed += check_winograd_backward<float>(isa, seed + 7);
    failed += check_winograd_backward<double>(isa, seed + 8);
    failed += check_winograd_filter4<float>(isa, seed + 9);
    failed += check_winograd_filter4<double>(isa, seed + 10);
    failed += check_winograd4<float>(isa, seed + 13);
    failed += check_winograd4<double>(isa, seed + 14);
    failed += check_filter_rows<float>(isa, seed + 11);
    failed += check_filter_rows<double>(isa, seed + 12);
  }
  failed += fuzz(quick ? 20000 : 100000, seed + 2);
  std::printf(failed ? "conv_test: FAILED\n" : "conv_test: OK\n");
  return failed ? 1 : 0;
}
