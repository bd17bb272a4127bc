// Cache sizes of the CPU the process runs on, for kernels whose best strategy depends on them.
#pragma once

#include <cstddef>

namespace ng {

// Bytes of level-2 cache private to one core (Linux: from sysfs; elsewhere, or where the
// system does not say, 0).
std::size_t l2_cache_bytes();

}  // namespace ng
