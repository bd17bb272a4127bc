// GEMM benchmark: nodegrad sgemm (every path this CPU runs, 1 thread and all threads)
// side by side with OpenBLAS cblas_sgemm and the measured FP32 FMA peak of one core.
// GFLOP/s = 2mnk / time, median of several repetitions. Per shape, our configurations
// run first (interleaved repetitions), then OpenBLAS's, then a pause: OpenBLAS's idle
// worker threads spin for a while after its calls and would steal a core from ours.
// Run with OPENBLAS_THREAD_TIMEOUT=4 to make them go to sleep at once (recommended:
// without it, the multi-threaded columns of ours can read up to 2x too low).
//
// Build (from the repository root; drop -DHAVE_OPENBLAS ... -lopenblas without OpenBLAS):
//   g++ -std=c++17 -O3 -ffp-contract=off -fno-math-errno -pthread -DHAVE_OPENBLAS
//       bench/native/gemm_bench.cpp native/kernels/gemm/*.cpp native/runtime/cpu.cpp
//       native/runtime/thread_pool.cpp native/runtime/scratch.cpp -lopenblas -o /tmp/gemm_bench
// Run:
//   /tmp/gemm_bench [--reps N] [--isa avx2,scalar] [--shapes square|mlp|conv|all]
//                   [--threads N]   (all threads = N; default: hardware threads)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#ifdef HAVE_OPENBLAS
#include <cblas.h>
#endif

#include "../../native/kernels/gemm/gemm.h"
#include "../../native/runtime/isa.h"
#include "../../native/runtime/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// ---- measured FMA peak of one core ----
#if defined(__x86_64__) || defined(_M_X64)
// Written in assembly so that the 12 (16) independent accumulator chains surely stay in
// registers: more chains than FMA ports x latency (2 x 4 on Zen 3 / Skylake).
__attribute__((target("avx2,fma"), noinline)) void fma_loop_avx2(int64_t iters) {
  __asm__ volatile(
      "vxorps %%ymm12, %%ymm12, %%ymm12\n\t"
      "vxorps %%ymm13, %%ymm13, %%ymm13\n\t"
      "1:\n\t"
      "vfmadd231ps %%ymm12, %%ymm13, %%ymm0\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm1\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm2\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm3\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm4\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm5\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm6\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm7\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm8\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm9\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm10\n\tvfmadd231ps %%ymm12, %%ymm13, %%ymm11\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      : "+r"(iters)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
        "xmm10", "xmm11", "xmm12", "xmm13");
  __asm__ volatile("vzeroupper" ::: "memory");
}
__attribute__((target("avx512f"), noinline)) void fma_loop_avx512(int64_t iters) {
  __asm__ volatile(
      "vxorps %%zmm16, %%zmm16, %%zmm16\n\t"
      "vxorps %%zmm17, %%zmm17, %%zmm17\n\t"
      "1:\n\t"
      "vfmadd231ps %%zmm16, %%zmm17, %%zmm0\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm1\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm2\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm3\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm4\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm5\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm6\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm7\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm8\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm9\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm10\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm11\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm12\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm13\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm14\n\tvfmadd231ps %%zmm16, %%zmm17, %%zmm15\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      : "+r"(iters)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17");
  __asm__ volatile("vzeroupper" ::: "memory");
}
#endif

// GFLOP/s of one core running FMAs only (median of 7 runs of ~50 ms).
double measure_peak(ng::Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (!ng::isa_supported(isa)) return 0;
  const int lanes = isa == ng::Isa::Avx512 ? 16 : 8, chains = isa == ng::Isa::Avx512 ? 16 : 12;
  auto run = [&](int64_t iters) {
    if (isa == ng::Isa::Avx512) fma_loop_avx512(iters);
    else fma_loop_avx2(iters);
  };
  int64_t iters = 1 << 16;
  for (;;) {  // calibrate to ~50 ms
    const auto t0 = Clock::now();
    run(iters);
    if (seconds_since(t0) > 0.05) break;
    iters *= 2;
  }
  std::vector<double> g;
  for (int r = 0; r < 7; ++r) {
    const auto t0 = Clock::now();
    run(iters);
    g.push_back(2.0 * lanes * chains * double(iters) / seconds_since(t0) * 1e-9);
  }
  return median(g);
#else
  (void)isa;
  return 0;
#endif
}

struct Shape {
  const char* name;
  int64_t m, n, k;  // op(A) m x k, op(B) k x n
  bool ta, tb;
};

struct Config {
  std::string name;
  std::function<void()> fn;
  std::vector<double> gflops;
};

struct Buffers {
  std::vector<float> a, b, c;
};

}  // namespace

int main(int argc, char** argv) {
  int reps = 7;
  int all_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string isa_filter, shape_set = "all";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--isa") && i + 1 < argc) isa_filter = argv[++i];
    else if (!std::strcmp(argv[i], "--shapes") && i + 1 < argc) shape_set = argv[++i];
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) all_threads = std::atoi(argv[++i]);
  }

  std::vector<ng::Isa> isas;
  for (ng::Isa isa : {ng::Isa::Avx512, ng::Isa::Avx2, ng::Isa::Neon, ng::Isa::Simd128,
                      ng::Isa::Scalar}) {
    if (!ng::gemm_isa_available(isa)) continue;
    if (!isa_filter.empty() && isa_filter.find(ng::isa_name(isa)) == std::string::npos) continue;
    isas.push_back(isa);
  }

  std::printf("nodegrad gemm benchmark: %d threads for the multi-threaded columns, median of %d reps\n",
              all_threads, reps);
  double peak = 0;
  ng::Isa peak_isa = ng::Isa::Scalar;
  for (ng::Isa isa : {ng::Isa::Avx2, ng::Isa::Avx512}) {
    const double p = measure_peak(isa);
    if (p > 0) {
      std::printf("measured FP32 FMA peak, 1 core, %s: %.1f GFLOP/s\n", ng::isa_name(isa), p);
      if (p > peak) peak = p, peak_isa = isa;
    }
  }
  for (ng::Isa isa : isas) {
    const ng::GemmBlocking b = ng::gemm_blocking(isa, false);
    std::printf("path %s: sgemm tile %dx%d, MC %d, KC %d\n", ng::isa_name(isa), b.mr, b.nr, b.mc,
                b.kc);
  }

  std::vector<Shape> shapes;
  if (shape_set == "all" || shape_set == "square") {
    for (int64_t s : {64, 128, 256, 512, 1024, 2048})
      shapes.push_back({"square", s, s, s, false, false});
  }
  if (shape_set == "all" || shape_set == "mlp") {
    // MNIST MLP 784-512-512-10, batch 128. Forward: Y = X W (m x k x n = 128 x in x out).
    shapes.push_back({"mlp fwd L1", 128, 512, 784, false, false});
    shapes.push_back({"mlp fwd L2", 128, 512, 512, false, false});
    shapes.push_back({"mlp fwd L3", 128, 10, 512, false, false});
    // Backward: dW = X^T dY (in x batch x out, trans_a), dX = dY W^T (batch x out x in, trans_b).
    shapes.push_back({"mlp dW1 X^T.dY", 784, 512, 128, true, false});
    shapes.push_back({"mlp dW2 X^T.dY", 512, 512, 128, true, false});
    shapes.push_back({"mlp dW3 X^T.dY", 512, 10, 128, true, false});
    shapes.push_back({"mlp dX1 dY.W^T", 128, 784, 512, false, true});
    shapes.push_back({"mlp dX2 dY.W^T", 128, 512, 512, false, true});
    shapes.push_back({"mlp dX3 dY.W^T", 128, 512, 10, false, true});
  }
  if (shape_set == "all" || shape_set == "conv") {
    shapes.push_back({"conv im2col", 50176, 64, 288, false, false});
  }

  std::printf("\n%-15s %5s %5s %5s %2s | ", "shape", "m", "k", "n", "tr");
  for (ng::Isa isa : isas) std::printf("%8s-1T %8s-%dT ", ng::isa_name(isa), ng::isa_name(isa), all_threads);
#ifdef HAVE_OPENBLAS
  std::printf("%9s %9s | ours/OB 1T  ours/OB %dT  %%peak 1T", "OB-1T", "OB-allT", all_threads);
#else
  std::printf("| %%peak 1T");
#endif
  std::printf("\n");

  for (const Shape& s : shapes) {
    const double flops = 2.0 * double(s.m) * double(s.n) * double(s.k);
    Buffers buf;
    const int64_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n, ldc = s.n;
    buf.a.resize(size_t(s.m * s.k));
    buf.b.resize(size_t(s.k * s.n));
    buf.c.assign(size_t(s.m * s.n), 0.0f);
    uint32_t x = 12345;
    for (auto* v : {&buf.a, &buf.b})
      for (float& f : *v) f = float((x = x * 1664525u + 1013904223u) >> 8) * 0x1.0p-24f - 0.5f;

    std::vector<Config> cfgs;
    for (ng::Isa isa : isas) {
      for (int th : {1, all_threads}) {
        cfgs.push_back({std::string(ng::isa_name(isa)) + "-" + std::to_string(th), [&, isa, th] {
                          ng::set_num_threads(th);
                          ng::sgemm(isa, s.ta, s.tb, s.m, s.n, s.k, 1.0f, buf.a.data(), lda,
                                    buf.b.data(), ldb, 0.0f, buf.c.data(), ldc);
                        }, {}});
      }
    }
#ifdef HAVE_OPENBLAS
    for (int th : {1, all_threads}) {
      cfgs.push_back({"openblas-" + std::to_string(th), [&, th] {
                        openblas_set_num_threads(th);
                        cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans,
                                    s.tb ? CblasTrans : CblasNoTrans, int(s.m), int(s.n), int(s.k),
                                    1.0f, buf.a.data(), int(lda), buf.b.data(), int(ldb), 0.0f,
                                    buf.c.data(), int(ldc));
                      }, {}});
    }
#endif
    // Iterations per timed sample: enough for ~20 ms (at least 1).
    std::vector<int64_t> iters(cfgs.size(), 1);
    for (size_t i = 0; i < cfgs.size(); ++i) {
      cfgs[i].fn();  // warm-up (thread pool, buffers, page faults)
      const auto t0 = Clock::now();
      cfgs[i].fn();
      const double t = seconds_since(t0);
      iters[i] = std::max<int64_t>(1, static_cast<int64_t>(0.02 / std::max(t, 1e-9)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // Our configurations first (interleaved 1T / all threads), then OpenBLAS's; then a
    // pause. OpenBLAS's idle worker threads keep spinning (sched_yield) for a while after
    // its calls and take a core from whatever runs next in this process, so ours must not
    // run right after them.
    const size_t n_ours = isas.size() * 2;
    for (int phase = 0; phase < 2; ++phase) {
      const size_t lo = phase == 0 ? 0 : n_ours, hi = phase == 0 ? n_ours : cfgs.size();
      for (int r = 0; r < reps; ++r) {
        for (size_t i = lo; i < hi; ++i) {
          cfgs[i].fn();  // untimed: warms caches, TLB and clocks after the previous config
          const auto t0 = Clock::now();
          for (int64_t it = 0; it < iters[i]; ++it) cfgs[i].fn();
          cfgs[i].gflops.push_back(flops * double(iters[i]) / seconds_since(t0) * 1e-9);
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::printf("%-15s %5lld %5lld %5lld %c%c | ", s.name, (long long)s.m, (long long)s.k,
                (long long)s.n, s.ta ? 'T' : 'N', s.tb ? 'T' : 'N');
    std::vector<double> med;
    for (auto& c : cfgs) med.push_back(median(c.gflops));
    size_t i = 0;
    for (; i < isas.size() * 2; ++i) std::printf("%11.1f ", med[i]);
    const double ours1 = med[0], ours_all = med[1];  // best path first
#ifdef HAVE_OPENBLAS
    const double ob1 = med[i], ob_all = med[i + 1];
    std::printf("%9.1f %9.1f | %10.2fx %10.2fx", ob1, ob_all, ours1 / ob1, ours_all / ob_all);
#endif
    if (peak > 0) std::printf(" %8.0f%%\n", 100.0 * ours1 / peak);
    else std::printf(" %9s\n", "n/a");
    std::fflush(stdout);
  }
  if (peak > 0)
    std::printf("\n(%%peak: best path at 1 thread vs the measured %s FMA peak of one core)\n",
                ng::isa_name(peak_isa));
  return 0;
}
