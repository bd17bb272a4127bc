// What the two Winograd drivers over 6×6 transforms share (winograd_filter4.cpp, F(3×3, 4×4),
// and winograd4.cpp, F(4×4, 3×3)): their tiling by 4×4 pixels of the output, and their one
// table of fractions, points 0, 1, −1, 2, −1/2 and ∞ with the row scales of the integer tile
// transforms (winograd_filter4_impl.h) folded in. F(3×3, 4×4) takes it as A, the final
// transform of the filter gradient's sums (6 points → 3 taps); F(4×4, 3×3) as G, the
// transform of the filter (3 taps → 6 points): the same matrix by the transposition principle.
#pragma once

#include <cstdint>

#include "winograd.h"

namespace ng {

// The 6×6 transform's points. The drivers transform and sum them in passes of kPassRows rows,
// the only row ranges winograd_filter4_impl.h instantiates ([0, 3) and [3, 6)).
constexpr int64_t kPoints6 = 36;
constexpr int kPassRows = 3;
constexpr int64_t kPassPoints = 6 * kPassRows;

inline WinogradTiles winograd_tiles4(const Conv2dShape& s) {
  const Window2d& w = s.win;
  return {s.batch, w.in_h, w.in_w, s.in_c, w.out_h, w.out_w, s.out_c, w.pad_top, w.pad_left, (w.out_h + 3) / 4,
          (w.out_w + 3) / 4};
}

// kTaps6<T>[point][tap].
template <typename T>
constexpr T kTaps6[6][3] = {{T(1) / 2, 0, 0},
                            {-T(1) / 6, -T(1) / 6, -T(1) / 6},
                            {T(1) / 6, -T(1) / 6, T(1) / 6},
                            {T(1) / 30, T(1) / 15, T(2) / 15},
                            {T(2) / 15, -T(1) / 15, T(1) / 30},
                            {0, 0, T(1) / 2}};

}  // namespace ng
