// Batch-norm kernel benchmark: training forward, inference forward and backward on 2^20
// float32 elements as [2^20 / c, c] for several channel counts, per ISA path this CPU runs,
// on 1 thread and on all threads, next to a plain copy of the same array (std::copy). Best
// of `reps` repetitions (shared machines are noisy; the best time is the least disturbed).
//
// Build (from the repository root):
//   g++ -std=c++17 -O3 -ffp-contract=off -fno-math-errno -pthread -I.
//       bench/native/batchnorm_bench.cpp native/kernels/norm/*.cpp native/runtime/cpu.cpp
//       native/runtime/thread_pool.cpp -o /tmp/batchnorm_bench
// Run:
//   /tmp/batchnorm_bench [reps]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "native/kernels/norm/batchnorm.h"
#include "native/runtime/thread_pool.h"

namespace {

template <class F>
double best_ms(int reps, F f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 30;
  const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int64_t n = int64_t{1} << 20;
  std::printf("%-7s %5s %7s %10s %10s %10s %9s %14s\n", "isa", "c", "threads", "train ms", "infer ms", "bwd ms", "copy ms",
              "train ns/elem");
  for (const ng::Isa isa : {ng::Isa::Avx512, ng::Isa::Avx2, ng::Isa::Scalar}) {
    if (!ng::isa_supported(isa)) continue;
    for (const int64_t c : {16, 64, 256, 1024}) {
      const int64_t outer = n / c;
      std::vector<float> x(n), y(n), dy(n), dx(n), g(c, 1.5f), b(c, 0.25f), m(c), v(c), dg(c), db(c);
      for (int64_t i = 0; i < n; ++i) {
        x[i] = static_cast<float>(i * 7919 % 1000) / 100.f;
        dy[i] = static_cast<float>(i * 31 % 97) / 50.f;
      }
      for (const int threads : {1, all}) {
        if (threads == all && all == 1) continue;
        ng::set_num_threads(threads);
        const auto f32 = ng::DType::Float32;
        const double train = best_ms(reps, [&] {
          ng::batch_norm_train(isa, f32, x.data(), g.data(), b.data(), y.data(), m.data(), v.data(), outer, c, 1e-5);
        });
        const double infer = best_ms(reps, [&] {
          ng::batch_norm_infer(isa, f32, x.data(), g.data(), b.data(), m.data(), v.data(), y.data(), outer, c, 1e-5);
        });
        const double bwd = best_ms(reps, [&] {
          ng::batch_norm_backward(isa, f32, x.data(), dy.data(), m.data(), v.data(), g.data(), dx.data(), dg.data(),
                                  db.data(), outer, c, 1e-5, true);
        });
        const double copy = best_ms(reps, [&] { std::copy(x.begin(), x.end(), y.begin()); });
        std::printf("%-7s %5ld %7d %10.3f %10.3f %10.3f %9.3f %14.2f\n", ng::isa_name(isa), static_cast<long>(c), threads,
                    train, infer, bwd, copy, train * 1e6 / static_cast<double>(n));
      }
    }
  }
}
