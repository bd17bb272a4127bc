// Fused optimizer updates: one call updates every parameter of a group in place, together
// with its state buffers (momentum, moment estimates, accumulators). Each element is
// updated independently, so results do not depend on the thread count. The kernels use
// no fused multiply-add, so every instruction-set path (and the wasm build) gives the
// same bits; lib/backend/js-optim.ts computes the same formulas in double.
#pragma once

#include <cstdint>
#include <string>

#include "../../runtime/isa.h"
#include "../dtype.h"

namespace ng {

// The codes of lib/backend/optim-spec.ts OPTIM_RULES.
enum class OptimRule : int { Sgd = 0, RmsProp = 1, Adam = 2, Adagrad = 3, Adadelta = 4, Adamax = 5 };

// The hyperparameters of one call, parsed from the flat "meta" array of the bindings:
//   meta[0] = rule, meta[1] = lr, meta[2] = weight decay, then per rule
//   Sgd:      [3] momentum μ, [4] dampening coefficient c (1, or 1 − μ), [5] nesterov
//   RmsProp:  [3] alpha, [4] eps, [5] momentum, [6] centered, [7] eps inside the sqrt
//   Adam:     [3] beta1, [4] beta2, [5] eps, [6] 1 − beta1^t, [7] 1 − beta2^t, [8] amsgrad,
//             [9] decoupled weight decay (AdamW)
//   Adagrad:  [3] eps (lr is the decayed lr of this step)
//   Adadelta: [3] rho, [4] eps
//   Adamax:   [3] beta1, [4] beta2, [5] eps, [6] 1 − beta1^t
// The update formulas are documented in lib/optim/*.ts and in optim_impl.inc.
struct OptimHyper {
  OptimRule rule = OptimRule::Sgd;
  double lr = 0, weight_decay = 0;
  double h[7] = {0, 0, 0, 0, 0, 0, 0};  // meta[3..9]
};

constexpr int kOptimMetaLength = 10;
constexpr int kOptimMaxState = 3;

// Parses and validates meta (finite numbers, flags 0/1, coefficients in range); returns an
// empty string or the error message.
std::string parse_optim_meta(const double* meta, int64_t length, OptimHyper* out);

// State buffers per parameter for these hyperparameters, in the order the kernel takes them.
int optim_state_count(const OptimHyper& h);

// Updates `count` parameters in place: params[i], grads[i] and the state buffers
// state[i * k + j] (k = optim_state_count(h)) all hold sizes[i] elements of `dtype` (float).
void optim_step(Isa isa, const OptimHyper& h, DType dtype, int64_t count, void* const* params,
                const void* const* grads, void* const* state, const int64_t* sizes);

}  // namespace ng
