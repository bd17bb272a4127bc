// Fused batch normalization over x viewed as [outer, c], c the contiguous channel axis
// (NHWC activations flattened: outer = N·H·W; dense activations: outer = N). Raw pointers;
// the bindings have checked every length.
//
// Per-channel statistics accumulate in double. The rows are cut into blocks whose size
// depends only on c; each block's mean and sum of squared deviations are computed in two
// passes over the (cached) block and the blocks are merged in row order (Chan et al.), so
// the results are stable for data far from zero mean and do not depend on the thread count.
// The ISA paths perform the same IEEE operations per element, so they agree bitwise too.
#pragma once

#include <cstdint>

#include "../../runtime/isa.h"
#include "../dtype.h"

namespace ng {

// Training forward. mean[c] and var[c] receive the batch mean and the biased variance over
// the outer rows (outer >= 1); y = (x − mean)·γ/√(var + eps) + β. gamma and beta may be null
// (γ = 1, β = 0). Every array is of `dtype` (float32 or float64).
void batch_norm_train(Isa isa, DType dtype, const void* x, const void* gamma, const void* beta, void* y, void* mean,
                      void* var, int64_t outer, int64_t c, double eps);

// Inference forward with given statistics: y = (x − mean)·γ/√(var + eps) + β.
void batch_norm_infer(Isa isa, DType dtype, const void* x, const void* gamma, const void* beta, const void* mean,
                      const void* var, void* y, int64_t outer, int64_t c, double eps);

// Backward from dy. With x̂ = (x − mean)/√(var + eps): dbeta = Σ dy and dgamma = Σ dy·x̂ over
// the rows. dx (nullable) = γ/√(var + eps)·(dy − dbeta/outer − x̂·dgamma/outer) when mean and
// var were the batch's own statistics (training), and γ/√(var + eps)·dy when they were
// constants (inference). gamma may be null (γ = 1).
void batch_norm_backward(Isa isa, DType dtype, const void* x, const void* dy, const void* mean, const void* var,
                         const void* gamma, void* dx, void* dgamma, void* dbeta, int64_t outer, int64_t c, double eps,
                         bool training);

}  // namespace ng
