// Binding of the batched matmul (GEMM with optional fused bias and activation).
#include "../kernels/linalg/matmul.h"

#include <memory>

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
  const std::string err = parse_matmul(fn, meta.data(), meta.size(), a.length, b.length, out.length, &m);
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
    matmul(active_isa(), a.dtype, s, m.batch, a.data, b.data, m.offsets, out.data, bias, m.act);
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

// A packed B lives in a plain JS object, type-tagged (so that no other object is ever taken
// for one) and wrapped (the pointer is freed by releasePacked or, failing that, the GC).
// Its size is reported to V8 as external memory, like tensor buffers.
const napi_type_tag kPackedTag = {0x6e6f64656772616dULL, 0x7061636b65642d62ULL};

struct PackedHolder {
  std::unique_ptr<PackedOperand> packed;
};

void forget(napi_env env, PackedHolder* h) {
  if (!h->packed) return;
  int64_t total = 0;
  napi_adjust_external_memory(env, -static_cast<int64_t>(h->packed->size_bytes()), &total);
  h->packed.reset();
}

void finalize_packed(napi_env env, void* data, void*) {
  auto* h = static_cast<PackedHolder*>(data);
  forget(env, h);
  delete h;
}

PackedHolder* packed_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Napi::Env env = info.Env();
  bool tagged = false;
  if (info.Length() <= i || !info[i].IsObject() ||
      napi_check_object_type_tag(env, info[i], &kPackedTag, &tagged) != napi_ok || !tagged)
    throw_error(env, std::string(fn) + ": argument " + std::to_string(i) + " must be a packed operand from packB");
  void* data = nullptr;
  if (napi_unwrap(env, info[i], &data) != napi_ok || !data) throw_error(env, std::string(fn) + ": bad packed operand");
  return static_cast<PackedHolder*>(data);
}

// packB(b, meta = [k, n, transB, ldb, bOff]) -> a packed operand holding op(B) (k×n) packed
// for the active path.
Napi::Value pack_b_fn(const Napi::CallbackInfo& info) {
  const char* fn = "packB";
  Napi::Env env = info.Env();
  const ArrayArg b = array_arg(info, 0, fn, "b");
  const auto meta = int_list_arg(info, 1, fn, "meta", 0, kMaxSafeInt);
  if (meta.size() != 5 || meta[2] > 1) throw_error(env, "packB: meta must be [k, n, transB, ldb, bOff]");
  if (b.dtype != DType::Float32 && b.dtype != DType::Float64)
    throw_error(env, std::string("packB: expected float32 or float64, got ") + dtype_name(b.dtype));
  const int64_t k = meta[0], n = meta[1], ldb = meta[3], b_off = meta[4];
  const bool trans_b = meta[2] != 0;
  const int64_t shape[2] = {trans_b ? n : k, trans_b ? k : n}, strides[2] = {ldb, 1};
  if (ldb < shape[1])
    throw_error(env, "packB: ldb=" + std::to_string(ldb) + " is shorter than the rows of B " + shape_string(shape, 2));
  check_covers(env, fn, "b", b, b_off, shape, strides, 2);
  auto packed = std::make_unique<PackedOperand>(active_isa(), b.dtype, trans_b, k, n,
                                                static_cast<const char*>(b.data) + b_off * dtype_size(b.dtype), ldb);
  Napi::Object obj = Napi::Object::New(env);
  if (napi_type_tag_object(env, obj, &kPackedTag) != napi_ok) throw_error(env, "packB: cannot tag the result");
  auto* holder = new PackedHolder{std::move(packed)};
  if (napi_wrap(env, obj, holder, finalize_packed, nullptr, nullptr) != napi_ok) {
    delete holder;
    throw_error(env, "packB: cannot wrap the result");
  }
  int64_t total = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(holder->packed->size_bytes()), &total);
  return obj;
}

// gemmPacked(a, packed, c, meta = [m, n, k, transA, lda, ldc, aOff, cOff, act], alpha, beta, bias?)
// C = act(alpha·op(A)·B + beta·C + bias) with B from packB.
Napi::Value gemm_packed_fn(const Napi::CallbackInfo& info) {
  const char* fn = "gemmPacked";
  Napi::Env env = info.Env();
  const ArrayArg a = array_arg(info, 0, fn, "a");
  PackedHolder* holder = packed_arg(info, 1, fn);
  const ArrayArg c = array_arg(info, 2, fn, "c");
  const auto meta = int_list_arg(info, 3, fn, "meta", 0, kMaxSafeInt);
  if (meta.size() != 9 || meta[3] > 1 || meta[8] > 4)
    throw_error(env, "gemmPacked: meta must be [m, n, k, transA, lda, ldc, aOff, cOff, act]");
  const double alpha = number_arg(info, 4, fn, "alpha"), beta = number_arg(info, 5, fn, "beta");
  if (!holder->packed) throw_error(env, "gemmPacked: the packed operand was released");
  const PackedOperand& packed = *holder->packed;
  check_dtype(env, fn, "a", a, packed.dtype());
  check_dtype(env, fn, "c", c, packed.dtype());
  // B's fields (trans_b, ldb, b_offset) are the packing's: unused here.
  const GemmArgs g{meta[0], meta[1], meta[2], meta[3] != 0, false, meta[4], meta[1], meta[5],
                   meta[6], 0, meta[7], static_cast<Activation>(meta[8])};
  const std::string err = check_gemm_packed(fn, g, packed, a.length, c.length);
  if (!err.empty()) throw_error(env, err);
  const void* bias = nullptr;
  if (info.Length() > 6 && !info[6].IsUndefined() && !info[6].IsNull()) {
    const ArrayArg bias_arg = array_arg(info, 6, fn, "bias");
    check_dtype(env, fn, "bias", bias_arg, packed.dtype());
    if (bias_arg.length != g.n) throw_error(env, "gemmPacked: bias must have n = " + std::to_string(g.n) + " elements");
    bias = bias_arg.data;
  }
  packed.product(g, alpha, a.data, beta, c.data, bias);
  return env.Undefined();
}

// releasePacked(packed): frees the packing now; later products with it throw.
Napi::Value release_packed_fn(const Napi::CallbackInfo& info) {
  forget(info.Env(), packed_arg(info, 0, "releasePacked"));
  return info.Env().Undefined();
}

}  // namespace

void register_linalg(Napi::Env env, Napi::Object exports) {
  exports.Set("packB", Napi::Function::New(env, pack_b_fn, "packB"));
  exports.Set("gemmPacked", Napi::Function::New(env, gemm_packed_fn, "gemmPacked"));
  exports.Set("releasePacked", Napi::Function::New(env, release_packed_fn, "releasePacked"));
  exports.Set("matmul", Napi::Function::New(env, matmul_fn, "matmul"));
  exports.Set("gemm", Napi::Function::New(env, gemm_fn, "gemm"));
}

}  // namespace ng::napi
