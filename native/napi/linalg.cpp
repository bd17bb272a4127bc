// Binding of the batched matmul (GEMM with optional fused bias and activation).
#include "../kernels/linalg/matmul.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

// matmul(a, b, out, meta = [batch, m, n, k, transA, transB, act, aOff0, bOff0, aOff1, bOff1, ...], bias?)
Napi::Value matmul_fn(const Napi::CallbackInfo& info) {
  const char* fn = "matmul";
  Napi::Env env = info.Env();
  const ArrayArg a = array_arg(info, 0, fn, "a"), b = array_arg(info, 1, fn, "b"), out = array_arg(info, 2, fn, "out");
  const auto meta = int_list_arg(info, 3, fn, "meta", 0, kMaxSafeInt);
  if (a.dtype != DType::Float32 && a.dtype != DType::Float64)
    throw_error(env, std::string("matmul: expected float32 or float64, got ") + dtype_name(a.dtype));
  check_dtype(env, fn, "b", b, a.dtype);
  check_dtype(env, fn, "out", out, a.dtype);
  MatmulArgs m;
  const std::string err = parse_matmul(fn, meta, a.length, b.length, out.length, &m);
  if (!err.empty()) throw_error(env, err);
  const MatmulShape& s = m.shape;
  const void* bias = nullptr;
  if (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull()) {
    const ArrayArg bias_arg = array_arg(info, 4, fn, "bias");
    check_dtype(env, fn, "bias", bias_arg, a.dtype);
    if (bias_arg.length != s.n)
      throw_error(env, "matmul: bias (" + describe(bias_arg) + ") must have n = " + std::to_string(s.n) + " elements");
    bias = bias_arg.data;
  }
  if (out.length > 0)
    matmul(active_isa(), a.dtype, s, m.batch, a.data, m.a_offsets.data(), b.data, m.b_offsets.data(), out.data, bias,
           m.act);
  return env.Undefined();
}

// gemm(a, b, c, meta = [m, n, k, transA, transB, lda, ldb, ldc, aOff, bOff, cOff, act], alpha, beta, bias?)
// C = act(alpha·op(A)·op(B) + beta·C + bias) with leading dimensions (BLAS semantics).
Napi::Value gemm_fn(const Napi::CallbackInfo& info) {
  const char* fn = "gemm";
  Napi::Env env = info.Env();
  const ArrayArg a = array_arg(info, 0, fn, "a"), b = array_arg(info, 1, fn, "b"), c = array_arg(info, 2, fn, "c");
  const auto meta = int_list_arg(info, 3, fn, "meta", 0, kMaxSafeInt);
  if (meta.size() != 12 || meta[3] > 1 || meta[4] > 1 || meta[11] > 4)
    throw_error(env, "gemm: meta must be [m, n, k, transA, transB, lda, ldb, ldc, aOff, bOff, cOff, act]");
  const double alpha = number_arg(info, 4, fn, "alpha"), beta = number_arg(info, 5, fn, "beta");
  if (a.dtype != DType::Float32 && a.dtype != DType::Float64)
    throw_error(env, std::string("gemm: expected float32 or float64, got ") + dtype_name(a.dtype));
  check_dtype(env, fn, "b", b, a.dtype);
  check_dtype(env, fn, "c", c, a.dtype);
  const GemmArgs g = gemm_args(meta.data());
  const std::string err = check_gemm(fn, g, a.length, b.length, c.length);
  if (!err.empty()) throw_error(env, err);
  const void* bias = nullptr;
  if (info.Length() > 6 && !info[6].IsUndefined() && !info[6].IsNull()) {
    const ArrayArg bias_arg = array_arg(info, 6, fn, "bias");
    check_dtype(env, fn, "bias", bias_arg, a.dtype);
    if (bias_arg.length != g.n) throw_error(env, "gemm: bias must have n = " + std::to_string(g.n) + " elements");
    bias = bias_arg.data;
  }
  gemm(active_isa(), a.dtype, g, alpha, a.data, b.data, beta, c.data, bias);
  return env.Undefined();
}

}  // namespace

void register_linalg(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, matmul_fn, "matmul"));
  exports.Set("gemm", Napi::Function::New(env, gemm_fn, "gemm"));
}

}  // namespace ng::napi
