// The last step of a reduction split into fixed groups (filter gradients): the groups' partial
// results added in group order, so that the sum does not depend on the thread count.
#pragma once

#include <algorithm>
#include <cstdint>

#include "../../runtime/thread_pool.h"

namespace ng {
namespace conv_detail {

// out = out + partial[0] + partial[1] + … + partial[groups − 2] (each `size` long, added in
// that order), threaded over out. `out` holds group 0's result.
template <typename T>
void add_partials(T* out, const T* partial, int64_t groups, int64_t size) {
  constexpr int64_t kChunk = 4096;
  parallel_for((size + kChunk - 1) / kChunk, [&](int64_t c) {
    for (int64_t e = c * kChunk; e < std::min(size, (c + 1) * kChunk); ++e) {
      T v = out[e];
      for (int64_t grp = 1; grp < groups; ++grp) v += partial[(grp - 1) * size + e];
      out[e] = v;
    }
  });
}

}  // namespace conv_detail
}  // namespace ng
