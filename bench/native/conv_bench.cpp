// Convolution per-pass benchmark: where a training step's time goes, pass by pass, for the
// shapes of `npm run bench:conv` (batch 32, float32), on the kernels alone (no Node).
// Per shape and thread count, rounds that take in turn:
//   fwd      a burst of forwards back to back, per call (how bench:conv times the forward);
//   dx, df   each gradient alone (conv2d_backward_input, conv2d_backward_filter);
//   bwd      both gradients in one call (conv2d_backward, as autograd runs them);
//   step     a forward then conv2d_backward, each half timed too (fwd@step, bwd@step).
// Medians over the rounds, and the ratios that bench:conv's fwd+bwd/fwd is made of:
// 1 + bwd/fwd (the passes' own costs) and step/fwd (what bench:conv measures). Where
// fwd@step exceeds fwd, the forward inside a step runs slower than in a burst: its data
// and the other core's caches have gone cold while the backward ran.
// Tensors are allocated with the addon's huge-page advice (native/napi/memory.cpp).
//
// --contend runs a thread that streams through 64 MB meanwhile, a stand-in for neighbours
// that contend for L3 and memory on a shared machine: passes whose time rises most under it
// are the ones that wait on memory. Give it a core of its own (--threads 1 on 2 cores).
//
// Build (from the repository root):
//   g++ -std=c++17 -O3 -ffp-contract=off -fno-math-errno -pthread bench/native/conv_bench.cpp
//       native/kernels/conv/*.cpp native/kernels/gemm/*.cpp native/runtime/{cpu,thread_pool,scratch,checks}.cpp
//       -o /tmp/conv_bench
// Run:
//   /tmp/conv_bench [--rounds N] [--burst N] [--threads 1,2] [--shape h,w,c,k,outC,same|valid]
//                   [--contend]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../../native/kernels/conv/conv2d.h"
#include "../../native/runtime/isa.h"
#include "../../native/runtime/scratch.h"
#include "../../native/runtime/thread_pool.h"

namespace {

using namespace ng;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Layer {
  const char* name;
  int64_t h, w, c, k, out_c;
  bool same;
};

const Layer kLayers[] = {
    {"LeNet conv1 28x28x1 5x5->6 valid", 28, 28, 1, 5, 6, false},
    {"LeNet conv2 14x14x6 5x5->16 valid", 14, 14, 6, 5, 16, false},
    {"28x28x32 3x3->64 same", 28, 28, 32, 3, 64, true},
    {"56x56x64 3x3->64 same", 56, 56, 64, 3, 64, true},
    {"56x56x64 1x1->128", 56, 56, 64, 1, 128, false},
};

Conv2dShape shape_of(const Layer& l, int64_t batch) {
  const int64_t pad = l.same ? (l.k - 1) / 2 : 0;
  const int64_t out_h = l.h + 2 * pad - l.k + 1, out_w = l.w + 2 * pad - l.k + 1;
  return {batch, l.c, l.out_c, {l.h, l.w, l.k, l.k, 1, 1, 1, 1, pad, pad, out_h, out_w}};
}

// Float storage on 2 MB boundaries with the addon's huge-page advice.
struct Buffer {
  float* p = nullptr;
  explicit Buffer(int64_t n, uint32_t seed) {
    const size_t huge = size_t(2) << 20, bytes = (static_cast<size_t>(n) * sizeof(float) + huge - 1) / huge * huge;
    p = static_cast<float*>(std::aligned_alloc(huge, bytes));
    advise_huge_pages(p, bytes);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (int64_t i = 0; i < n; ++i) p[i] = u(rng);
  }
  ~Buffer() { std::free(p); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

// Streams through 64 MB (a read and a write per cache line) until stopped.
class Contender {
 public:
  Contender() : buf_(size_t(64) << 20, 1), thread_([this] { run(); }) {}
  ~Contender() {
    stop_.store(true);
    thread_.join();
  }

 private:
  void run() {
    while (!stop_.load(std::memory_order_relaxed))
      for (size_t i = 0; i < buf_.size(); i += 64) buf_[i]++;
  }
  std::atomic<bool> stop_{false};
  std::vector<char> buf_;
  std::thread thread_;
};

struct Options {
  int rounds = 15, burst = 5;
  std::vector<int> threads;
  std::vector<Layer> layers;
  bool contend = false;
  std::string custom;  // the --shape argument, named in the output
};

void run_layer(const Layer& l, int threads, const Options& o) {
  const Conv2dShape s = shape_of(l, 32);
  const Isa isa = active_isa();
  const int64_t nx = s.batch * l.h * l.w * l.c, nf = l.k * l.k * l.c * l.out_c,
                ny = s.batch * s.win.out_h * s.win.out_w * l.out_c;
  Buffer x(nx, 1), f(nf, 2), dy(ny, 3), y(ny, 4), dx(nx, 5), df(nf, 6);
  set_num_threads(threads);
  auto forward = [&] { conv2d_forward(isa, DType::Float32, s, x.p, f.p, nullptr, Activation::None, y.p); };
  auto backward = [&] { conv2d_backward(isa, DType::Float32, s, x.p, dy.p, f.p, dx.p, df.p); };
  auto input_grad = [&] { conv2d_backward_input(isa, DType::Float32, s, dy.p, f.p, dx.p); };
  auto filter_grad = [&] { conv2d_backward_filter(isa, DType::Float32, s, x.p, dy.p, df.p); };
  forward(), backward(), input_grad(), filter_grad();  // scratch, pool and pages warm
  enum { kFwd, kDx, kDf, kBwd, kStep, kFwdInStep, kBwdInStep, kCount };
  std::vector<double> t[kCount];
  auto timed = [](auto fn) {
    const auto t0 = Clock::now();
    fn();
    return ms_since(t0);
  };
  for (int r = 0; r < o.rounds; ++r) {
    t[kFwd].push_back(timed([&] {
                        for (int b = 0; b < o.burst; ++b) forward();
                      }) /
                      o.burst);
    t[kDx].push_back(timed(input_grad));
    t[kDf].push_back(timed(filter_grad));
    t[kBwd].push_back(timed(backward));
    const double a = timed(forward), b = timed(backward);
    t[kFwdInStep].push_back(a);
    t[kBwdInStep].push_back(b);
    t[kStep].push_back(a + b);
  }
  double m[kCount];
  for (int i = 0; i < kCount; ++i) m[i] = median(t[i]);
  const double gflop = 2.0 * double(ny) * double(l.k * l.k * l.c) * 1e-9;
  std::printf("%-34s %2dT %8.3f %7.1f %6.3f %6.3f %6.3f %8.3f %8.3f %7.3f %7.3f\n", l.name, threads, m[kFwd],
              gflop / m[kFwd] * 1e3, m[kDx] / m[kFwd], m[kDf] / m[kFwd], m[kBwd] / m[kFwd], m[kFwdInStep] / m[kFwd],
              m[kBwdInStep] / m[kFwd], 1 + m[kBwd] / m[kFwd], m[kStep] / m[kFwd]);
}

std::vector<int> parse_list(const char* s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::max(1, std::atoi(item.c_str())));
  return out;
}

bool parse_shape(const char* arg, Options& o) {
  int64_t v[5];
  char pad[8] = {};
  const char* format = "%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%7s";
  if (std::sscanf(arg, format, &v[0], &v[1], &v[2], &v[3], &v[4], pad) != 6) return false;
  const bool same = std::strcmp(pad, "same") == 0;
  if (!same && std::strcmp(pad, "valid") != 0) return false;
  if (v[0] < 1 || v[1] < 1 || v[2] < 1 || v[3] < 1 || v[4] < 1 || (!same && (v[3] > v[0] || v[3] > v[1]))) return false;
  o.custom = arg;
  o.layers = {{o.custom.c_str(), v[0], v[1], v[2], v[3], v[4], same}};
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.layers.assign(std::begin(kLayers), std::end(kLayers));
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.threads = hw > 1 ? std::vector<int>{1, hw} : std::vector<int>{1};
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--rounds") && has_value) o.rounds = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--burst") && has_value) o.burst = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--threads") && has_value) o.threads = parse_list(argv[++i]);
    else if (!std::strcmp(argv[i], "--shape") && has_value) {
      if (!parse_shape(argv[++i], o)) {
        std::fprintf(stderr, "conv_bench: --shape wants h,w,c,k,outC,same|valid, sizes >= 1, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (!std::strcmp(argv[i], "--contend")) o.contend = true;
    else {
      std::fprintf(stderr, "conv_bench: unknown or incomplete argument '%s'\n", argv[i]);
      return 2;
    }
  }
  std::printf("ISA %s, batch 32, float32, medians of %d rounds%s. Times over fwd (a burst of %d forwards, per call).\n",
              isa_name(active_isa()), o.rounds, o.contend ? ", a 64 MB streaming thread running" : "", o.burst);
  std::printf("%-34s %3s %8s %7s %6s %6s %6s %8s %8s %7s %7s\n", "shape", "", "fwd ms", "GFLOP/s", "dx", "df", "bwd",
              "fwd@step", "bwd@step", "1+bwd", "step");
  std::unique_ptr<Contender> contender;
  if (o.contend) contender = std::make_unique<Contender>();
  for (const Layer& l : o.layers)
    for (int threads : o.threads) run_layer(l, threads, o);
  return 0;
}
