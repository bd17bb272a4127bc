// The WebAssembly binding: the same kernels as the addon, exported as plain C functions
// of a standalone module (no Emscripten JS glue). Pointers are offsets into linear
// memory. Every call re-checks its arguments; a nonzero return means failure and
// ng_last_error() holds the message for the TypeScript loader to throw.
#include <emscripten/emscripten.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "../native/kernels/conv/pool.h"
#include "../native/kernels/conv/conv2d.h"
#include "../native/kernels/conv/depthwise.h"
#include "../native/kernels/elementwise/elementwise.h"
#include "../native/kernels/linalg/matmul.h"
#include "../native/kernels/optim/optim.h"
#include "../native/kernels/norm/batchnorm.h"
#include "../native/kernels/random/philox.h"
#include "../native/runtime/checks.h"
#include "../native/runtime/int_list.h"

namespace {

std::string g_error;

int fail(std::string msg) {
  g_error = std::move(msg);
  return 1;
}

// A buffer of `length` elements of `dtype` at `ptr` lies inside linear memory.
bool buffer_ok(const char* fn, const char* name, uintptr_t ptr, double length, int dtype) {
  if (!ng::dtype_valid(dtype)) return fail(std::string(fn) + ": bad dtype code " + std::to_string(dtype)), false;
  const uint64_t es = ng::dtype_size(static_cast<ng::DType>(dtype));
  const uint64_t mem = static_cast<uint64_t>(__builtin_wasm_memory_size(0)) * 65536u;
  if (!(length >= 0 && length <= 4294967296.0) || ptr % es != 0 || ptr + static_cast<uint64_t>(length) * es > mem)
    return fail(std::string(fn) + ": '" + name + "' is not a valid buffer"), false;
  return true;
}

bool meta_ok(const char* fn, const double* meta, int count, ng::IntList* out) {
  if (count < 0 || count > 4096 || !buffer_ok(fn, "meta", reinterpret_cast<uintptr_t>(meta), count, 2)) return false;
  out->resize(static_cast<size_t>(count));
  int64_t* dst = out->data();
  for (int i = 0; i < count; ++i) {
    const double d = meta[i];
    if (!(d >= 0 && d <= static_cast<double>(ng::kMaxSafeInt)) || static_cast<double>(static_cast<int64_t>(d)) != d)
      return fail(std::string(fn) + ": meta[" + std::to_string(i) + "] must be a non-negative integer"), false;
    dst[i] = static_cast<int64_t>(d);
  }
  return true;
}

bool ok(const std::string& err) { return err.empty() || (fail(err), false); }

// Non-negative integer dims (each < 2^32) into d, and their product into *size.
bool dims_ok(const char* fn, std::initializer_list<double> in, int64_t* d, int64_t* size) {
  int k = 0;
  for (const double v : in) {
    if (!(v >= 0 && v <= 4294967296.0) || static_cast<double>(static_cast<int64_t>(v)) != v)
      return fail(std::string(fn) + ": dims must be non-negative integers"), false;
    d[k++] = static_cast<int64_t>(v);
  }
  return ok(ng::check_size(fn, d, k, size));
}

bool float_ok(const char* fn, int dtype) {
  if (dtype == static_cast<int>(ng::DType::Float32) || dtype == static_cast<int>(ng::DType::Float64)) return true;
  return fail(std::string(fn) + ": expected float32 or float64"), false;
}

#define NG_BUF(fn, name, p, len, dtype) buffer_ok(fn, name, reinterpret_cast<uintptr_t>(p), len, dtype)

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void* ng_malloc(uint32_t bytes) { return std::aligned_alloc(64, ((bytes + 63) / 64) * 64 + 64); }
EMSCRIPTEN_KEEPALIVE void ng_free(void* p) { std::free(p); }
EMSCRIPTEN_KEEPALIVE const char* ng_last_error() { return g_error.c_str(); }
EMSCRIPTEN_KEEPALIVE uint32_t ng_last_error_length() { return static_cast<uint32_t>(g_error.size()); }

EMSCRIPTEN_KEEPALIVE int ng_binary(int op, int dtype, const void* a, double a_len, const void* b, double b_len,
                                   void* out, double out_len, const double* meta, int meta_len) {
  const char* fn = "binary";
  ng::IntList m;
  if (!ng::binary_op_valid(op)) return fail("binary: bad op code");
  if (!buffer_ok(fn, "a", reinterpret_cast<uintptr_t>(a), a_len, dtype) ||
      !buffer_ok(fn, "b", reinterpret_cast<uintptr_t>(b), b_len, dtype) ||
      !buffer_ok(fn, "out", reinterpret_cast<uintptr_t>(out), out_len, dtype) || !meta_ok(fn, meta, meta_len, &m))
    return 1;
  const int ndim = m.empty() ? -1 : static_cast<int>(m[0]);
  if (ndim < 0 || ndim > ng::kMaxDims || m.size() != 1 + 3 * static_cast<size_t>(ndim)) return fail("binary: bad meta");
  if (dtype == static_cast<int>(ng::DType::Int32) && op == static_cast<int>(ng::BinaryOp::Div))
    return fail("binary: integer division is not a kernel; divide in float");
  if (dtype == static_cast<int>(ng::DType::Int32) && op == static_cast<int>(ng::BinaryOp::Pow))
    return fail("binary: pow takes float32 or float64, got int32");
  const int64_t* shape = m.data() + 1;
  int64_t n = 0;
  if (!ok(ng::check_size(fn, shape, ndim, &n)) || !ok(ng::check_covers(fn, "a", a_len, 0, shape, shape + ndim, ndim)) ||
      !ok(ng::check_covers(fn, "b", b_len, 0, shape, shape + 2 * ndim, ndim)))
    return 1;
  if (n != static_cast<int64_t>(out_len)) return fail("binary: out does not match shape " + ng::shape_string(shape, ndim));
  if (n > 0)
    ng::binary(ng::active_isa(), static_cast<ng::BinaryOp>(op), static_cast<ng::DType>(dtype), a, shape + ndim, b,
               shape + 2 * ndim, out, shape, ndim);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_reduce(int op, int arg, int dtype, const void* x, double outer, double r, double inner,
                                   void* out) {
  const char* fn = arg ? "argReduce" : "reduce";
  if (arg ? !ng::arg_reduce_op_valid(op) : !ng::reduce_op_valid(op)) return fail(std::string(fn) + ": bad op code");
  if (!(outer >= 0 && r >= 0 && inner >= 0) || outer > 4294967296.0 || r > 4294967296.0 || inner > 4294967296.0)
    return fail(std::string(fn) + ": bad dims");
  const int64_t dims[3] = {static_cast<int64_t>(outer), static_cast<int64_t>(r), static_cast<int64_t>(inner)};
  int64_t n = 0;
  if (!ok(ng::check_size(fn, dims, 3, &n))) return 1;
  const double n_out = static_cast<double>(dims[0] * dims[2]);
  if (!buffer_ok(fn, "x", reinterpret_cast<uintptr_t>(x), static_cast<double>(n), dtype) ||
      !buffer_ok(fn, "out", reinterpret_cast<uintptr_t>(out), n_out, arg ? 1 : dtype))
    return 1;
  const bool extreme = arg || op >= static_cast<int>(ng::ReduceOp::Max);
  if (extreme && dims[1] == 0 && n_out > 0) return fail(std::string(fn) + ": cannot take a max/min/arg over an empty axis");
  if (!arg && dtype == static_cast<int>(ng::DType::Int32) && op == static_cast<int>(ng::ReduceOp::Mean))
    return fail("reduce: mean of int32 is computed in float; cast first");
  if (n_out == 0) return 0;
  if (arg)
    ng::arg_reduce(ng::active_isa(), static_cast<ng::ArgReduceOp>(op), static_cast<ng::DType>(dtype), x, dims[0],
                   dims[1], dims[2], static_cast<int32_t*>(out));
  else
    ng::reduce(ng::active_isa(), static_cast<ng::ReduceOp>(op), static_cast<ng::DType>(dtype), x, dims[0], dims[1],
               dims[2], out);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_copy_strided(int dtype, const char* src, double src_len, char* dst, double dst_len,
                                         const double* meta, int meta_len) {
  const char* fn = "copyStrided";
  ng::IntList m;
  if (!buffer_ok(fn, "src", reinterpret_cast<uintptr_t>(src), src_len, dtype) ||
      !buffer_ok(fn, "dst", reinterpret_cast<uintptr_t>(dst), dst_len, dtype) || !meta_ok(fn, meta, meta_len, &m))
    return 1;
  const int ndim = m.empty() ? -1 : static_cast<int>(m[0]);
  if (ndim < 0 || ndim > ng::kMaxDims || m.size() != 3 + 3 * static_cast<size_t>(ndim))
    return fail("copyStrided: bad meta");
  const int64_t* shape = m.data() + 1;
  const int64_t src_off = shape[ndim];
  const int64_t* ss = shape + ndim + 1;
  const int64_t dst_off = ss[ndim];
  const int64_t* ds = ss + ndim + 1;
  int64_t n = 0;
  if (!ok(ng::check_size(fn, shape, ndim, &n)) || !ok(ng::check_covers(fn, "src", src_len, src_off, shape, ss, ndim)) ||
      !ok(ng::check_covers(fn, "dst", dst_len, dst_off, shape, ds, ndim)))
    return 1;
  const int es = static_cast<int>(ng::dtype_size(static_cast<ng::DType>(dtype)));
  if (n > 0) ng::copy_strided(es, src + src_off * es, ss, dst + dst_off * es, ds, shape, ndim);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_cast(int from, const void* src, int to, void* dst, double n) {
  if (!buffer_ok("cast", "src", reinterpret_cast<uintptr_t>(src), n, from) ||
      !buffer_ok("cast", "dst", reinterpret_cast<uintptr_t>(dst), n, to))
    return 1;
  ng::cast(static_cast<ng::DType>(from), src, static_cast<ng::DType>(to), dst, static_cast<int64_t>(n));
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_fill(int dtype, void* dst, double n, double value) {
  if (!buffer_ok("fill", "dst", reinterpret_cast<uintptr_t>(dst), n, dtype)) return 1;
  ng::fill(static_cast<ng::DType>(dtype), dst, static_cast<int64_t>(n), value);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_arange(int dtype, void* dst, double n, double start, double step) {
  if (!buffer_ok("arange", "dst", reinterpret_cast<uintptr_t>(dst), n, dtype)) return 1;
  ng::arange(static_cast<ng::DType>(dtype), dst, static_cast<int64_t>(n), start, step);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_random(int normal, int dtype, void* dst, double n, double seed, double block, double p,
                                   double q) {
  const char* fn = normal ? "randomNormal" : "randomUniform";
  if (dtype == static_cast<int>(ng::DType::Int32)) return fail(std::string(fn) + ": dst must be float32 or float64");
  if (!buffer_ok(fn, "dst", reinterpret_cast<uintptr_t>(dst), n, dtype)) return 1;
  const double lim = static_cast<double>(ng::kMaxSafeInt);
  if (!(seed >= 0 && seed <= lim && block >= 0 && block <= lim) || static_cast<double>(static_cast<int64_t>(seed)) != seed ||
      static_cast<double>(static_cast<int64_t>(block)) != block)
    return fail(std::string(fn) + ": seed and block must be integers in [0, 2^53)");
  const auto s = static_cast<uint64_t>(seed), b = static_cast<uint64_t>(block);
  const auto len = static_cast<int64_t>(n);
  if (dtype == static_cast<int>(ng::DType::Float32))
    (normal ? ng::random_normal_f32 : ng::random_uniform_f32)(static_cast<float*>(dst), len, s, b, p, q);
  else
    (normal ? ng::random_normal_f64 : ng::random_uniform_f64)(static_cast<double*>(dst), len, s, b, p, q);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_matmul(int dtype, const void* a, double a_len, const void* b, double b_len, void* out,
                                   double out_len, const double* meta, int meta_len, const void* bias, double bias_len) {
  const char* fn = "matmul";
  ng::IntList m;
  if (dtype == static_cast<int>(ng::DType::Int32)) return fail("matmul: expected float32 or float64, got int32");
  if (!buffer_ok(fn, "a", reinterpret_cast<uintptr_t>(a), a_len, dtype) ||
      !buffer_ok(fn, "b", reinterpret_cast<uintptr_t>(b), b_len, dtype) ||
      !buffer_ok(fn, "out", reinterpret_cast<uintptr_t>(out), out_len, dtype) || !meta_ok(fn, meta, meta_len, &m))
    return 1;
  ng::MatmulArgs args;
  if (!ok(ng::parse_matmul(fn, m.data(), m.size(), static_cast<int64_t>(a_len), static_cast<int64_t>(b_len),
                           static_cast<int64_t>(out_len), &args)))
    return 1;
  const ng::MatmulShape& s = args.shape;
  if (bias && (!buffer_ok(fn, "bias", reinterpret_cast<uintptr_t>(bias), bias_len, dtype) ||
               static_cast<int64_t>(bias_len) != s.n))
    return fail("matmul: bias must have n = " + std::to_string(s.n) + " elements");
  if (out_len > 0)
    ng::matmul(ng::active_isa(), static_cast<ng::DType>(dtype), s, args.batch, a, b, args.offsets, out, bias,
               args.act);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_gemm(int dtype, const void* a, double a_len, const void* b, double b_len, void* c,
                                 double c_len, const double* meta, int meta_len, double alpha, double beta,
                                 const void* bias, double bias_len) {
  const char* fn = "gemm";
  ng::IntList m;
  if (dtype == static_cast<int>(ng::DType::Int32)) return fail("gemm: expected float32 or float64, got int32");
  if (!buffer_ok(fn, "a", reinterpret_cast<uintptr_t>(a), a_len, dtype) ||
      !buffer_ok(fn, "b", reinterpret_cast<uintptr_t>(b), b_len, dtype) ||
      !buffer_ok(fn, "c", reinterpret_cast<uintptr_t>(c), c_len, dtype) || !meta_ok(fn, meta, meta_len, &m))
    return 1;
  if (m.size() != 12 || m[3] > 1 || m[4] > 1 || m[11] > 4) return fail("gemm: bad meta");
  const ng::GemmArgs g = ng::gemm_args(m.data());
  if (!ok(ng::check_gemm(fn, g, static_cast<int64_t>(a_len), static_cast<int64_t>(b_len), static_cast<int64_t>(c_len))))
    return 1;
  if (bias && (!buffer_ok(fn, "bias", reinterpret_cast<uintptr_t>(bias), bias_len, dtype) ||
               static_cast<int64_t>(bias_len) != g.n))
    return fail("gemm: bias must have n = " + std::to_string(g.n) + " elements");
  ng::gemm(ng::active_isa(), static_cast<ng::DType>(dtype), g, alpha, a, b, beta, c, bias);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_unary(int op, int dtype, const void* x, void* out, double n, double p0, double p1) {
  const char* fn = "unary";
  if (!ng::unary_op_valid(op)) return fail("unary: bad op code");
  if (!NG_BUF(fn, "x", x, n, dtype) || !NG_BUF(fn, "out", out, n, dtype)) return 1;
  if (dtype == static_cast<int>(ng::DType::Int32) && !ng::unary_op_takes_int(static_cast<ng::UnaryOp>(op)))
    return fail("unary: op " + std::to_string(op) + " takes float32 or float64, got int32");
  ng::unary(ng::active_isa(), static_cast<ng::UnaryOp>(op), static_cast<ng::DType>(dtype), x, out,
            static_cast<int64_t>(n), p0, p1);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_unary_grad(int op, int dtype, const void* x, const void* y, const void* dy, void* dx,
                                       double n, double p0, double p1) {
  const char* fn = "unaryGrad";
  if (!ng::unary_op_valid(op)) return fail("unaryGrad: bad op code");
  if (!float_ok(fn, dtype) || !NG_BUF(fn, "x", x, n, dtype) || !NG_BUF(fn, "y", y, n, dtype) ||
      !NG_BUF(fn, "dy", dy, n, dtype) || !NG_BUF(fn, "dx", dx, n, dtype))
    return 1;
  ng::unary_grad(ng::active_isa(), static_cast<ng::UnaryOp>(op), static_cast<ng::DType>(dtype), x, y, dy, dx,
                 static_cast<int64_t>(n), p0, p1);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_where(int cond_dtype, const void* cond, double cond_len, int dtype, const void* a,
                                  double a_len, const void* b, double b_len, void* out, double out_len,
                                  const double* meta, int meta_len) {
  const char* fn = "where";
  ng::IntList m;
  if (!NG_BUF(fn, "cond", cond, cond_len, cond_dtype) || !NG_BUF(fn, "a", a, a_len, dtype) ||
      !NG_BUF(fn, "b", b, b_len, dtype) || !NG_BUF(fn, "out", out, out_len, dtype) || !meta_ok(fn, meta, meta_len, &m))
    return 1;
  const int ndim = m.empty() ? -1 : static_cast<int>(m[0]);
  if (ndim < 0 || ndim > ng::kMaxDims || m.size() != 1 + 4 * static_cast<size_t>(ndim)) return fail("where: bad meta");
  const int64_t* shape = m.data() + 1;
  const int64_t *cs = shape + ndim, *as = cs + ndim, *bs = as + ndim;
  int64_t n = 0;
  if (!ok(ng::check_size(fn, shape, ndim, &n)) || !ok(ng::check_covers(fn, "cond", cond_len, 0, shape, cs, ndim)) ||
      !ok(ng::check_covers(fn, "a", a_len, 0, shape, as, ndim)) || !ok(ng::check_covers(fn, "b", b_len, 0, shape, bs, ndim)))
    return 1;
  if (n != static_cast<int64_t>(out_len)) return fail("where: out does not match shape " + ng::shape_string(shape, ndim));
  if (n > 0)
    ng::where(static_cast<ng::DType>(cond_dtype), cond, cs, static_cast<ng::DType>(dtype), a, as, b, bs, out, shape,
              ndim);
  return 0;
}

// softmax: (x, out, -) ; softmaxGrad: (y, dy, dx)
EMSCRIPTEN_KEEPALIVE int ng_softmax(int grad, int dtype, const void* p, void* q, void* r3, double outer, double r,
                                    double inner, int log) {
  const char* fn = grad ? "softmaxGrad" : "softmax";
  int64_t d[3], n = 0;
  if (!float_ok(fn, dtype) || !dims_ok(fn, {outer, r, inner}, d, &n)) return 1;
  const double len = static_cast<double>(n);
  if (!NG_BUF(fn, grad ? "y" : "x", p, len, dtype) || !NG_BUF(fn, grad ? "dy" : "out", q, len, dtype) ||
      (grad && !NG_BUF(fn, "dx", r3, len, dtype)))
    return 1;
  if (n == 0) return 0;
  if (grad)
    ng::softmax_grad(ng::active_isa(), static_cast<ng::DType>(dtype), p, q, r3, d[0], d[1], d[2], log != 0);
  else
    ng::softmax(ng::active_isa(), static_cast<ng::DType>(dtype), p, q, d[0], d[1], d[2], log != 0);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_softmax_xent(int dtype, const void* logits, int label_dtype, const void* labels,
                                         void* loss, void* grad, double n, double c) {
  const char* fn = "softmaxCrossEntropy";
  int64_t d[2], size = 0;
  if (!float_ok(fn, dtype) || !dims_ok(fn, {n, c}, d, &size)) return 1;
  const bool sparse = label_dtype == static_cast<int>(ng::DType::Int32);
  if (!sparse && label_dtype != dtype) return fail("softmaxCrossEntropy: labels must be int32 or the logits' dtype");
  const double len = static_cast<double>(size);
  if (!NG_BUF(fn, "logits", logits, len, dtype) || !NG_BUF(fn, "labels", labels, sparse ? n : len, label_dtype) ||
      !NG_BUF(fn, "loss", loss, n, dtype) || (grad && !NG_BUF(fn, "grad", grad, len, dtype)))
    return 1;
  if (sparse && !ok(ng::check_indices(fn, "label", static_cast<const int32_t*>(labels), d[0], d[1]))) return 1;
  if (d[0] > 0)
    ng::softmax_cross_entropy(ng::active_isa(), static_cast<ng::DType>(dtype), logits,
                              static_cast<ng::DType>(label_dtype), labels, loss, grad, d[0], d[1]);
  return 0;
}

EMSCRIPTEN_KEEPALIVE int ng_sigmoid_xent(int dtype, const void* logits, const void* targets, void* loss, void* grad,
                                         double n) {
  const char* fn = "sigmoidCrossEntropy";
  if (!float_ok(fn, dtype) || !NG_BUF(fn, "logits", logits, n, dtype) || !NG_BUF(fn, "targets", targets, n, dtype) ||
      !NG_BUF(fn, "loss", loss, n, dtype) || (grad && !NG_BUF(fn, "grad", grad, n, dtype)))
    return 1;
  ng::sigmoid_cross_entropy(ng::active_isa(), static_cast<ng::DType>(dtype), logits, targets, loss, grad,
                            static_cast<int64_t>(n));
  return 0;
}

// gather: src = x [outer, axisLen, inner], dst = out [outer, n_idx, inner]; scatterAdd: the reverse.
EMSCRIPTEN_KEEPALIVE int ng_gather(int scatter, int dtype, const void* src, const int32_t* idx, double n_idx,
                                   void* dst, double outer, double axis_len, double inner) {
  const char* fn = scatter ? "scatterAdd" : "gather";
  int64_t d[3], full = 0, pd[3], picked = 0;
  if (!dims_ok(fn, {outer, axis_len, inner}, d, &full) || !dims_ok(fn, {outer, n_idx, inner}, pd, &picked) ||
      !NG_BUF(fn, "indices", idx, n_idx, static_cast<int>(ng::DType::Int32)) ||
      !NG_BUF(fn, scatter ? "dy" : "x", src, static_cast<double>(scatter ? picked : full), dtype) ||
      !NG_BUF(fn, scatter ? "dx" : "out", dst, static_cast<double>(scatter ? full : picked), dtype))
    return 1;
  if (!ok(ng::check_indices(fn, "index", idx, pd[1], d[1]))) return 1;
  if (scatter) ng::scatter_add(static_cast<ng::DType>(dtype), src, idx, pd[1], dst, d[0], d[1], d[2]);
  else ng::gather(static_cast<ng::DType>(dtype), src, idx, pd[1], dst, d[0], d[1], d[2]);
  return 0;
}

// optimizerStep: meta holds the 10 hyperparameters; table holds one row per parameter,
// [param, grad, state_0 .. state_{k-1}, length] (pointers and the length as doubles).
EMSCRIPTEN_KEEPALIVE int ng_optim_step(int dtype, const double* meta, int meta_len, const double* table, int count) {
  const char* fn = "optimizerStep";
  ng::OptimHyper h;
  if (!float_ok(fn, dtype) || !NG_BUF(fn, "meta", meta, meta_len, 2) || !ok(ng::parse_optim_meta(meta, meta_len, &h)))
    return 1;
  const int k = ng::optim_state_count(h), row = k + 3;
  if (count < 0 || count > (1 << 20)) return fail("optimizerStep: bad parameter count");
  if (!NG_BUF(fn, "table", table, static_cast<double>(count) * row, 2)) return 1;
  std::vector<void*> p(count), s(static_cast<size_t>(count) * k);
  std::vector<const void*> g(count);
  std::vector<int64_t> sizes(count);
  for (int i = 0; i < count; ++i) {
    const double* r = table + static_cast<size_t>(i) * row;
    const double n = r[row - 1];
    for (int c = 0; c < row; ++c)
      if (!(r[c] >= 0 && r[c] < 4294967296.0) || static_cast<double>(static_cast<int64_t>(r[c])) != r[c])
        return fail("optimizerStep: table row " + std::to_string(i) + " holds a bad pointer or length");
    const std::string at = "[" + std::to_string(i) + "]";
    auto ptr = [&](int c) { return reinterpret_cast<void*>(static_cast<uintptr_t>(r[c])); };
    if (!buffer_ok(fn, ("params" + at).c_str(), static_cast<uintptr_t>(r[0]), n, dtype) ||
        !buffer_ok(fn, ("grads" + at).c_str(), static_cast<uintptr_t>(r[1]), n, dtype))
      return 1;
    for (int j = 0; j < k; ++j)
      if (!buffer_ok(fn, ("state[" + std::to_string(i * k + j) + "]").c_str(), static_cast<uintptr_t>(r[2 + j]), n,
                     dtype))
        return 1;
    p[i] = ptr(0);
    g[i] = ptr(1);
    for (int j = 0; j < k; ++j) s[static_cast<size_t>(i) * k + j] = ptr(2 + j);
    sizes[i] = static_cast<int64_t>(n);
  }
  if (count > 0)
    ng::optim_step(ng::active_isa(), h, static_cast<ng::DType>(dtype), count, p.data(), g.data(), s.data(),
                   sizes.data());
  return 0;
}

// Batch norm over x as [outer, c]. mode 0: training (writes the batch mean and biased
// variance into mean and var); mode 1: inference (reads them). gamma and beta may be 0.
EMSCRIPTEN_KEEPALIVE int ng_batch_norm(int mode, int dtype, const void* x, const void* gamma, const void* beta,
                                       void* mean, void* var, void* y, double outer, double c, double eps) {
  const char* fn = mode == 0 ? "batchNormTrain" : "batchNormInfer";
  int64_t d[2], size = 0;
  if (mode != 0 && mode != 1) return fail("batchNorm: bad mode");
  if (!float_ok(fn, dtype) || !dims_ok(fn, {outer, c}, d, &size)) return 1;
  if (mode == 0 && d[0] < 1) return fail("batchNormTrain: training needs at least one row");
  if (!(eps >= 0) || !std::isfinite(eps)) return fail(std::string(fn) + ": eps must be finite and >= 0");
  const double len = static_cast<double>(size);
  if (!NG_BUF(fn, "x", x, len, dtype) || !NG_BUF(fn, "y", y, len, dtype) || !NG_BUF(fn, "mean", mean, c, dtype) ||
      !NG_BUF(fn, "var", var, c, dtype) || (gamma && !NG_BUF(fn, "gamma", gamma, c, dtype)) ||
      (beta && !NG_BUF(fn, "beta", beta, c, dtype)))
    return 1;
  if (size == 0) return 0;
  const auto dt = static_cast<ng::DType>(dtype);
  if (mode == 0) ng::batch_norm_train(ng::active_isa(), dt, x, gamma, beta, y, mean, var, d[0], d[1], eps);
  else ng::batch_norm_infer(ng::active_isa(), dt, x, gamma, beta, mean, var, y, d[0], d[1], eps);
  return 0;
}

// Batch-norm backward: dgamma, dbeta and (when dx is not 0) dx; gamma may be 0.
EMSCRIPTEN_KEEPALIVE int ng_batch_norm_backward(int dtype, const void* x, const void* dy, const void* mean,
                                                const void* var, const void* gamma, void* dx, void* dgamma,
                                                void* dbeta, double outer, double c, double eps, int training) {
  const char* fn = "batchNormBackward";
  int64_t d[2], size = 0;
  if (!float_ok(fn, dtype) || !dims_ok(fn, {outer, c}, d, &size)) return 1;
  if (!(eps >= 0) || !std::isfinite(eps)) return fail("batchNormBackward: eps must be finite and >= 0");
  const double len = static_cast<double>(size);
  if (!NG_BUF(fn, "x", x, len, dtype) || !NG_BUF(fn, "dy", dy, len, dtype) || !NG_BUF(fn, "mean", mean, c, dtype) ||
      !NG_BUF(fn, "var", var, c, dtype) || (gamma && !NG_BUF(fn, "gamma", gamma, c, dtype)) ||
      (dx && !NG_BUF(fn, "dx", dx, len, dtype)) || !NG_BUF(fn, "dgamma", dgamma, c, dtype) ||
      !NG_BUF(fn, "dbeta", dbeta, c, dtype))
    return 1;
  if (d[1] > 0)
    ng::batch_norm_backward(ng::active_isa(), static_cast<ng::DType>(dtype), x, dy, mean, var, gamma, dx, dgamma,
                            dbeta, d[0], d[1], eps, training != 0);
  return 0;
}

// Pooling: kind 0 = max, 1 = average; grad 0: src = x, dst = out (argmax optional, max
// only); grad 1: src = dy, dst = dx (argmax required for max). window = 12 integers.
EMSCRIPTEN_KEEPALIVE int ng_pool(int kind, int grad, int dtype, const void* src, double src_len, void* dst,
                                 double dst_len, int32_t* argmax, double arg_len, double n, double c,
                                 const double* meta, int meta_len) {
  const bool avg = kind == 1;
  const char* fn = avg ? (grad ? "avgPool2dGrad" : "avgPool2d") : (grad ? "maxPool2dGrad" : "maxPool2d");
  if ((kind != 0 && kind != 1) || (grad != 0 && grad != 1)) return fail("pool: bad kind");
  ng::IntList m;
  int64_t d[2], nc = 0;
  if (!float_ok(fn, dtype) || !dims_ok(fn, {n, c}, d, &nc) || !meta_ok(fn, meta, meta_len, &m)) return 1;
  if (m.size() != 12) return fail(std::string(fn) + ": 'window' must hold 12 integers");
  const ng::Window2d w = ng::window_from_meta(m.data());
  int64_t in_size = 0, out_size = 0;
  if (!ok(ng::check_pool(fn, w, d[0], d[1], &in_size, &out_size))) return 1;
  const double src_want = static_cast<double>(grad ? out_size : in_size);
  const double dst_want = static_cast<double>(grad ? in_size : out_size);
  const bool with_arg = argmax != nullptr;
  if (avg && with_arg) return fail(std::string(fn) + ": average pooling takes no argmax");
  if (!avg && grad && !with_arg) return fail(std::string(fn) + ": 'argmax' is required");
  const char* src_name = grad ? "dy" : "x";
  const char* dst_name = grad ? "dx" : "out";
  if (!NG_BUF(fn, src_name, src, src_len, dtype) || !NG_BUF(fn, dst_name, dst, dst_len, dtype) ||
      (with_arg && !NG_BUF(fn, "argmax", argmax, arg_len, static_cast<int>(ng::DType::Int32))))
    return 1;
  if (src_len != src_want || dst_len != dst_want || (with_arg && arg_len != static_cast<double>(out_size)))
    return fail(std::string(fn) + ": buffer sizes do not match the window: " + src_name + " needs " +
                std::to_string(grad ? out_size : in_size) + ", " + dst_name + " " +
                std::to_string(grad ? in_size : out_size) + (with_arg ? ", argmax " + std::to_string(out_size) : "") +
                " elements");
  if (dst_want == 0) return 0;
  const auto dt = static_cast<ng::DType>(dtype);
  if (avg && grad) ng::avg_pool2d_grad(ng::active_isa(), dt, src, dst, d[0], d[1], w);
  else if (avg) ng::avg_pool2d(ng::active_isa(), dt, src, dst, d[0], d[1], w);
  else if (grad) ng::max_pool2d_grad(ng::active_isa(), dt, src, argmax, dst, d[0], d[1], w);
  else ng::max_pool2d(ng::active_isa(), dt, src, dst, argmax, d[0], d[1], w);
  return 0;
}

// pass 0: (a, b, out) = (x, filter, y), bias optional (0 = none); 1: (dy, filter, dx); 2: (x, dy, dfilter).
// meta as in native/kernels/conv/conv2d.h.
EMSCRIPTEN_KEEPALIVE int ng_conv2d(int pass, int depthwise, int dtype, const void* a, double a_len, const void* b,
                                   double b_len, void* out, double out_len, const void* bias, double bias_len,
                                   const double* meta, int meta_len) {
  static const char* const kFns[2][3] = {{"conv2d", "conv2dBackwardInput", "conv2dBackwardFilter"},
                                         {"depthwiseConv2d", "depthwiseConv2dBackwardInput",
                                          "depthwiseConv2dBackwardFilter"}};
  static const char* const kNames[3][3] = {{"x", "filter", "y"}, {"dy", "filter", "dx"}, {"x", "dy", "dfilter"}};
  if (pass < 0 || pass > 2 || depthwise < 0 || depthwise > 1) return fail("conv2d: bad pass code");
  const char* fn = kFns[depthwise][pass];
  const char* const* names = kNames[pass];
  ng::IntList m;
  if (!float_ok(fn, dtype) || !NG_BUF(fn, names[0], a, a_len, dtype) || !NG_BUF(fn, names[1], b, b_len, dtype) ||
      !NG_BUF(fn, names[2], out, out_len, dtype) || !meta_ok(fn, meta, meta_len, &m))
    return 1;
  ng::Conv2dShape s;
  ng::Conv2dSizes z;
  ng::Activation act;
  if (!ok(ng::parse_conv2d(fn, m.data(), m.size(), depthwise != 0, &s, &z, &act))) return 1;
  const int64_t want[3] = {pass == 1 ? z.y : z.x, pass == 2 ? z.y : z.filter, pass == 0 ? z.y : pass == 1 ? z.x : z.filter};
  const double have[3] = {a_len, b_len, out_len};
  for (int i = 0; i < 3; ++i)
    if (!ok(ng::check_conv2d_operand(fn, names[i], static_cast<int64_t>(have[i]), want[i]))) return 1;
  if (bias) {
    if (pass != 0) return fail(std::string(fn) + ": takes no bias");
    if (!NG_BUF(fn, "bias", bias, bias_len, dtype) ||
        !ok(ng::check_conv2d_operand(fn, "bias", static_cast<int64_t>(bias_len), s.out_c)))
      return 1;
  }
  const auto d = static_cast<ng::DType>(dtype);
  const ng::Isa isa = ng::active_isa();
  if (pass == 0)
    (depthwise ? ng::depthwise_conv2d_forward : ng::conv2d_forward)(isa, d, s, a, b, bias, act, out);
  else if (pass == 1)
    (depthwise ? ng::depthwise_conv2d_backward_input : ng::conv2d_backward_input)(isa, d, s, a, b, out);
  else
    (depthwise ? ng::depthwise_conv2d_backward_filter : ng::conv2d_backward_filter)(isa, d, s, a, b, out);
  return 0;
}

// Both gradients of a standard convolution at once: (x, dy, filter, dx, dfilter), meta as
// in native/kernels/conv/conv2d.h.
EMSCRIPTEN_KEEPALIVE int ng_conv2d_backward(int dtype, const void* x, double x_len, const void* dy, double dy_len,
                                            const void* f, double f_len, void* dx, double dx_len, void* df,
                                            double df_len, const double* meta, int meta_len) {
  const char* fn = "conv2dBackward";
  static const char* const kNames[5] = {"x", "dy", "filter", "dx", "dfilter"};
  const void* const bufs[5] = {x, dy, f, dx, df};
  const double have[5] = {x_len, dy_len, f_len, dx_len, df_len};
  ng::IntList m;
  if (!float_ok(fn, dtype) || !meta_ok(fn, meta, meta_len, &m)) return 1;
  for (int i = 0; i < 5; ++i)
    if (!NG_BUF(fn, kNames[i], bufs[i], have[i], dtype)) return 1;
  ng::Conv2dShape s;
  ng::Conv2dSizes z;
  ng::Activation act;
  if (!ok(ng::parse_conv2d(fn, m.data(), m.size(), false, &s, &z, &act))) return 1;
  const int64_t want[5] = {z.x, z.y, z.filter, z.x, z.filter};
  for (int i = 0; i < 5; ++i)
    if (!ok(ng::check_conv2d_operand(fn, kNames[i], static_cast<int64_t>(have[i]), want[i]))) return 1;
  ng::conv2d_backward(ng::active_isa(), static_cast<ng::DType>(dtype), s, x, dy, f, dx, df);
  return 0;
}

}  // extern "C"
