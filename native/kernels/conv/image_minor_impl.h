// Copies into the image-minor layout of the forms vectorised over images, included by
// conv2d_direct_impl.h inside its per-ISA namespace where the path has vectors.

// dst[e·NB + lane] = src[lane][e] for e < len and lane < NB, zero for a null src[lane] (the
// lanes past the batch). L×L blocks are transposed in registers when every lane has an
// image; whole lines of dst are written at once either way.
template <typename T, int64_t NB>
void to_image_minor(const T* const* src, int64_t len, T* dst) {
  constexpr int64_t L = lanes<T>();
  bool full = true;
  for (int64_t lane = 0; lane < NB; ++lane) full &= src[lane] != nullptr;
  int64_t done = 0;
  if (kTransposesInRegisters<T> && full)
    for (; done + L <= len; done += L)
      for (int64_t k = 0; k < NB; k += L) transpose_block(src + k, done, dst + k, NB);
  for (int64_t e = done; e < len; ++e)
    for (int64_t lane = 0; lane < NB; ++lane) dst[e * NB + lane] = src[lane] ? src[lane][e] : T(0);
}
