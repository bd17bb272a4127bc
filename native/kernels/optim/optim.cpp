// Parses the hyperparameters of an optimizer call, splits the parameters of a group into
// fixed-size chunks and runs the update of the instruction-set path in use on each.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../../runtime/thread_pool.h"
#include "optim.h"
#include "optim_paths.h"

namespace ng {
namespace {

// Elements per task. Task boundaries depend only on the sizes, and every element is
// updated on its own, so the result does not depend on the thread count.
constexpr int64_t kChunk = 16384;
// Below this many elements in all, one thread does the whole group.
constexpr int64_t kParallelMin = 4 * kChunk;

const char* rule_name(int rule) {
  static const char* const names[] = {"sgd", "rmsprop", "adam", "adagrad", "adadelta", "adamax"};
  return rule >= 0 && rule <= 5 ? names[rule] : "?";
}

void route(Isa isa, const OptimHyper& h, DType dtype, void* p, const void* g, void* const* s, int64_t n) {
#if defined(__x86_64__) || defined(_M_X64)
  switch (isa) {
    case Isa::Avx512: return optim_avx512::optim_chunk(h, dtype, p, g, s, n);
    case Isa::Avx2: return optim_avx2::optim_chunk(h, dtype, p, g, s, n);
    default: return optim_scalar::optim_chunk(h, dtype, p, g, s, n);
  }
#else
  (void)isa;
  optim_scalar::optim_chunk(h, dtype, p, g, s, n);
#endif
}

}  // namespace

std::string parse_optim_meta(const double* meta, int64_t length, OptimHyper* out) {
  const std::string fn = "optimizerStep: ";
  if (length != kOptimMetaLength)
    return fn + "meta must hold " + std::to_string(kOptimMetaLength) + " numbers, got " + std::to_string(length);
  for (int64_t i = 0; i < length; ++i)
    if (!std::isfinite(meta[i])) return fn + "meta[" + std::to_string(i) + "] is not a finite number";
  const double r = meta[0];
  if (!(r >= 0 && r <= 5) || std::floor(r) != r) return fn + "unknown rule code " + std::to_string(r);
  OptimHyper h;
  h.rule = static_cast<OptimRule>(static_cast<int>(r));
  h.lr = meta[1];
  h.weight_decay = meta[2];
  for (int k = 0; k < 7; ++k) h.h[k] = meta[3 + k];
  auto flag = [&](int k, const char* what) -> std::string {
    const double v = h.h[k];
    return v == 0 || v == 1 ? std::string() : fn + rule_name(static_cast<int>(r)) + ": '" + what + "' must be 0 or 1";
  };
  auto positive_le1 = [&](int k, const char* what) -> std::string {
    const double v = h.h[k];
    return v > 0 && v <= 1 ? std::string() : fn + rule_name(static_cast<int>(r)) + ": '" + what + "' must lie in (0, 1]";
  };
  std::string err;
  switch (h.rule) {
    case OptimRule::Sgd: err = flag(2, "nesterov"); break;
    case OptimRule::RmsProp:
      err = flag(3, "centered");
      if (err.empty()) err = flag(4, "epsInside");
      break;
    case OptimRule::Adam:
      err = positive_le1(3, "1 - beta1^t");
      if (err.empty()) err = positive_le1(4, "1 - beta2^t");
      if (err.empty()) err = flag(5, "amsgrad");
      if (err.empty()) err = flag(6, "decoupled");
      break;
    case OptimRule::Adamax: err = positive_le1(3, "1 - beta1^t"); break;
    case OptimRule::Adagrad:
    case OptimRule::Adadelta: break;
  }
  if (!err.empty()) return err;
  *out = h;
  return {};
}

int optim_state_count(const OptimHyper& h) {
  switch (h.rule) {
    case OptimRule::Sgd: return h.h[0] != 0 ? 1 : 0;
    case OptimRule::RmsProp: return 1 + (h.h[2] != 0 ? 1 : 0) + (h.h[3] != 0 ? 1 : 0);
    case OptimRule::Adam: return 2 + (h.h[5] != 0 ? 1 : 0);
    case OptimRule::Adagrad: return 1;
    case OptimRule::Adadelta: return 2;
    case OptimRule::Adamax: return 2;
  }
  return 0;
}

void optim_step(Isa isa, const OptimHyper& h, DType dtype, int64_t count, void* const* params,
                const void* const* grads, void* const* state, const int64_t* sizes) {
  const int k = optim_state_count(h);
  const size_t es = dtype_size(dtype);
  // One chunk [begin, begin + n) of parameter i.
  auto run = [&](int64_t i, int64_t begin, int64_t n) {
    void* s[kOptimMaxState] = {nullptr, nullptr, nullptr};
    for (int j = 0; j < k; ++j) s[j] = static_cast<char*>(state[i * k + j]) + begin * es;
    route(isa, h, dtype, static_cast<char*>(params[i]) + begin * es, static_cast<const char*>(grads[i]) + begin * es,
          s, n);
  };
  int64_t total = 0;
  for (int64_t i = 0; i < count; ++i) total += sizes[i];
  if (total < kParallelMin) {
    for (int64_t i = 0; i < count; ++i)
      if (sizes[i] > 0) run(i, 0, sizes[i]);
    return;
  }
  struct Task {
    int64_t param, begin, n;
  };
  std::vector<Task> tasks;
  tasks.reserve(static_cast<size_t>(total / kChunk + count));
  for (int64_t i = 0; i < count; ++i)
    for (int64_t b = 0; b < sizes[i]; b += kChunk) tasks.push_back({i, b, std::min(kChunk, sizes[i] - b)});
  parallel_for(static_cast<int64_t>(tasks.size()), [&](int64_t t) { run(tasks[t].param, tasks[t].begin, tasks[t].n); });
}

}  // namespace ng
