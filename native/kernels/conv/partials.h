// A filter gradient's reduction split into fixed groups: how many chunks and groups, and the
// last step, the groups' partial results added in group order, so that the sum does not
// depend on the thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "../../runtime/thread_pool.h"

namespace ng {
namespace conv_detail {

// A filter gradient sums at most this many groups of chunks in parallel, each into its own
// partial of the filter's size, within this much memory in all.
constexpr int64_t kFilterGroups = 8;
constexpr size_t kPartialBytes = size_t(16) << 20;

// A count of chunks (or tiles) of a filter-gradient reduction raised to a whole number per
// group: a multiple of kFilterGroups above it, even below, so that the groups' tasks are
// equal (28×28×32's 25 chunks as 3 per group and 4 in the last had one of 2 threads sum 13
// and the other 12; as 32 chunks of 784 pixels, df 3.05 → 2.90 ms on 2 threads).
inline int64_t balanced_chunks(int64_t chunks) {
  if (chunks <= 1) return chunks;
  const int64_t unit = chunks > kFilterGroups ? kFilterGroups : 2;
  return (chunks + unit - 1) / unit * unit;
}

// Groups of a filter-gradient reduction over `chunks` chunks, each group a task with its own
// partial of `fsize` elements: at most kFilterGroups, within kPartialBytes in all.
inline int64_t filter_groups(int64_t chunks, int64_t fsize, size_t elem) {
  return std::max<int64_t>(
      1, std::min({chunks, kFilterGroups, static_cast<int64_t>(kPartialBytes / (static_cast<size_t>(fsize) * elem))}));
}

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
