#include "matmul.h"

#include <algorithm>

#include "../../runtime/checks.h"

namespace ng {
namespace {

template <typename T, typename Gemm>
void matmul_typed(Gemm gemm, Isa isa, const MatmulShape& s, int64_t batch, const T* a, const T* b,
                  const int64_t* offsets, T* c, const T* bias, Activation act) {
  GemmEpilogue<T> ep;
  ep.bias = bias;
  ep.act = act;
  const int64_t lda = s.trans_a ? s.m : s.k;
  const int64_t ldb = s.trans_b ? s.k : s.n;
  for (int64_t i = 0; i < batch; ++i)
    gemm(isa, s.trans_a, s.trans_b, s.m, s.n, s.k, T(1), a + offsets[2 * i], lda, b + offsets[2 * i + 1], ldb, T(0),
         c + i * s.m * s.n, s.n, ep);
}

}  // namespace

void matmul(Isa isa, DType dtype, const MatmulShape& s, int64_t batch, const void* a, const void* b,
            const int64_t* offsets, void* c, const void* bias, Activation act) {
  if (dtype == DType::Float32)
    matmul_typed<float>(sgemm, isa, s, batch, static_cast<const float*>(a), static_cast<const float*>(b), offsets,
                        static_cast<float*>(c), static_cast<const float*>(bias), act);
  else if (dtype == DType::Float64)
    matmul_typed<double>(dgemm, isa, s, batch, static_cast<const double*>(a), static_cast<const double*>(b), offsets,
                         static_cast<double*>(c), static_cast<const double*>(bias), act);
}

std::string parse_matmul(const char* fn, const int64_t* meta, size_t count, int64_t a_len, int64_t b_len,
                         int64_t out_len, MatmulArgs* args) {
  if (count < 7 || meta[0] > static_cast<int64_t>(count) || meta[4] > 1 || meta[5] > 1 || meta[6] > 4 ||
      count != 7 + 2 * static_cast<size_t>(meta[0]))
    return std::string(fn) + ": meta must be [batch, m, n, k, transA, transB, act] and two offsets per batch";
  const MatmulShape s{meta[1], meta[2], meta[3], meta[4] != 0, meta[5] != 0};
  const int64_t batch = meta[0];
  const int64_t a_shape[2] = {s.trans_a ? s.k : s.m, s.trans_a ? s.m : s.k};
  const int64_t b_shape[2] = {s.trans_b ? s.n : s.k, s.trans_b ? s.k : s.n};
  const int64_t a_strides[2] = {a_shape[1], 1}, b_strides[2] = {b_shape[1], 1};
  const int64_t out_shape[3] = {batch, s.m, s.n};
  int64_t n_out = 0;
  std::string err = check_size(fn, out_shape, 3, &n_out);
  if (!err.empty()) return err;
  if (n_out != out_len)
    return std::string(fn) + ": out (length " + std::to_string(out_len) + ") does not match " + shape_string(out_shape, 3);
  *args = MatmulArgs{s, batch, static_cast<Activation>(meta[6]), meta + 7};
  for (int64_t i = 0; i < batch; ++i) {
    err = check_covers(fn, "a", a_len, meta[7 + 2 * i], a_shape, a_strides, 2);
    if (err.empty()) err = check_covers(fn, "b", b_len, meta[8 + 2 * i], b_shape, b_strides, 2);
    if (!err.empty()) return err;
  }
  return {};
}

GemmArgs gemm_args(const int64_t* m) {
  return GemmArgs{m[0], m[1], m[2], m[3] != 0, m[4] != 0, m[5], m[6], m[7], m[8], m[9], m[10],
                  static_cast<Activation>(m[11])};
}

std::string check_gemm(const char* fn, const GemmArgs& g, int64_t a_len, int64_t b_len, int64_t c_len) {
  const int64_t a_shape[2] = {g.trans_a ? g.k : g.m, g.trans_a ? g.m : g.k};
  const int64_t b_shape[2] = {g.trans_b ? g.n : g.k, g.trans_b ? g.k : g.n};
  const int64_t c_shape[2] = {g.m, g.n};
  if (g.lda < a_shape[1] || g.ldb < b_shape[1] || g.ldc < c_shape[1])
    return std::string(fn) + ": leading dimensions lda=" + std::to_string(g.lda) + " ldb=" + std::to_string(g.ldb) +
           " ldc=" + std::to_string(g.ldc) + " are shorter than the rows of A " + shape_string(a_shape, 2) + ", B " +
           shape_string(b_shape, 2) + " or C " + shape_string(c_shape, 2);
  const int64_t as[2] = {g.lda, 1}, bs[2] = {g.ldb, 1}, cs[2] = {g.ldc, 1};
  std::string err = check_covers(fn, "a", a_len, g.a_offset, a_shape, as, 2);
  if (err.empty()) err = check_covers(fn, "b", b_len, g.b_offset, b_shape, bs, 2);
  if (err.empty()) err = check_covers(fn, "c", c_len, g.c_offset, c_shape, cs, 2);
  return err;
}

void gemm(Isa isa, DType dtype, const GemmArgs& g, double alpha, const void* a, const void* b, double beta, void* c,
          const void* bias) {
  if (dtype == DType::Float32) {
    GemmEpilogue<float> ep;
    ep.bias = static_cast<const float*>(bias);
    ep.act = g.act;
    sgemm(isa, g.trans_a, g.trans_b, g.m, g.n, g.k, static_cast<float>(alpha), static_cast<const float*>(a) + g.a_offset,
          g.lda, static_cast<const float*>(b) + g.b_offset, g.ldb, static_cast<float>(beta),
          static_cast<float*>(c) + g.c_offset, g.ldc, ep);
  } else if (dtype == DType::Float64) {
    GemmEpilogue<double> ep;
    ep.bias = static_cast<const double*>(bias);
    ep.act = g.act;
    dgemm(isa, g.trans_a, g.trans_b, g.m, g.n, g.k, alpha, static_cast<const double*>(a) + g.a_offset, g.lda,
          static_cast<const double*>(b) + g.b_offset, g.ldb, beta, static_cast<double*>(c) + g.c_offset, g.ldc, ep);
  }
}

PackedOperand::PackedOperand(Isa isa, DType dtype, bool trans_b, int64_t k, int64_t n, const void* b, int64_t ldb)
    : dtype_(dtype) {
  if (dtype == DType::Float32)
    f32_.pack(isa, trans_b, k, n, static_cast<const float*>(b), ldb);
  else
    f64_.pack(isa, trans_b, k, n, static_cast<const double*>(b), ldb);
}

void PackedOperand::product(const GemmArgs& g, double alpha, const void* a, double beta, void* c,
                            const void* bias) const {
  if (dtype_ == DType::Float32) {
    GemmEpilogue<float> ep;
    ep.bias = static_cast<const float*>(bias);
    ep.act = g.act;
    sgemm_packed(f32_.isa(), g.trans_a, g.m, static_cast<const float*>(a) + g.a_offset, g.lda, f32_,
                 static_cast<float>(alpha), static_cast<float>(beta), static_cast<float*>(c) + g.c_offset, g.ldc, ep);
  } else {
    GemmEpilogue<double> ep;
    ep.bias = static_cast<const double*>(bias);
    ep.act = g.act;
    dgemm_packed(f64_.isa(), g.trans_a, g.m, static_cast<const double*>(a) + g.a_offset, g.lda, f64_, alpha, beta,
                 static_cast<double*>(c) + g.c_offset, g.ldc, ep);
  }
}

std::string check_gemm_packed(const char* fn, const GemmArgs& g, const PackedOperand& packed, int64_t a_len,
                              int64_t c_len) {
  if (g.n != packed.n() || g.k != packed.k())
    return std::string(fn) + ": the product is " + std::to_string(g.m) + "x" + std::to_string(g.k) + " by " +
           std::to_string(g.k) + "x" + std::to_string(g.n) + " but the packed B is " + std::to_string(packed.k()) +
           "x" + std::to_string(packed.n());
  GemmArgs unpacked = g;  // B is not read from a buffer: check A and C against a B that fits
  unpacked.trans_b = false;
  unpacked.ldb = std::max<int64_t>(g.n, 1);
  unpacked.b_offset = 0;
  return check_gemm(fn, unpacked, a_len, g.k * unpacked.ldb, c_len);
}

}  // namespace ng
