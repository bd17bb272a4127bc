// The elementwise kernels compiled for the scalar path.
#include <cmath>
#include <cstdint>

#include "elementwise.h"
#include "isa_paths.h"

namespace ng::isa_scalar {
#include "elementwise_impl.inc"
}  // namespace ng::isa_scalar

