// Bindings of the pooling kernels (native/kernels/conv/pool.h).
#include "../kernels/conv/pool.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

// The shared tail of every pooling call: dims n and c, then the 12-integer window meta.
struct PoolArgs {
  int64_t n, c, in_size, out_size;
  Window2d w;
};

PoolArgs pool_args(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  PoolArgs p{};
  p.n = int_arg(info, i, fn, "n", 0, kMaxSafeInt);
  p.c = int_arg(info, i + 1, fn, "c", 0, kMaxSafeInt);
  const auto meta = int_list_arg(info, i + 2, fn, "window", 0, kMaxSafeInt);
  if (meta.size() != 12) throw_error(info.Env(), std::string(fn) + ": 'window' must hold 12 integers");
  p.w = window_from_meta(meta.data());
  const std::string err = check_pool(fn, p.w, p.n, p.c, &p.in_size, &p.out_size);
  if (!err.empty()) throw_error(info.Env(), err);
  return p;
}

void check_float(Napi::Env env, const char* fn, const char* name, const ArrayArg& a) {
  if (a.dtype == DType::Int32) throw_error(env, std::string(fn) + ": '" + name + "' must be float32 or float64, got int32");
}

void check_array(Napi::Env env, const char* fn, const char* name, const ArrayArg& a, DType dtype, int64_t length) {
  check_dtype(env, fn, name, a, dtype);
  if (a.length != length)
    throw_error(env, std::string(fn) + ": '" + name + "' (" + describe(a) + ") must have " + std::to_string(length) +
                         " elements");
}

bool has_arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && !info[i].IsUndefined() && !info[i].IsNull();
}

// maxPool2d(x, out, argmax | undefined, n, c, window)
Napi::Value max_pool_fn(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool2d";
  Napi::Env env = info.Env();
  const ArrayArg x = array_arg(info, 0, fn, "x"), out = array_arg(info, 1, fn, "out");
  const bool with_arg = has_arg(info, 2);
  const ArrayArg arg = with_arg ? array_arg(info, 2, fn, "argmax") : ArrayArg{DType::Int32, nullptr, 0};
  const PoolArgs p = pool_args(info, 3, fn);
  check_float(env, fn, "x", x);
  check_array(env, fn, "x", x, x.dtype, p.in_size);
  check_array(env, fn, "out", out, x.dtype, p.out_size);
  if (with_arg) check_array(env, fn, "argmax", arg, DType::Int32, p.out_size);
  if (p.out_size > 0) max_pool2d(active_isa(), x.dtype, x.data, out.data, static_cast<int32_t*>(arg.data), p.n, p.c, p.w);
  return env.Undefined();
}

// maxPool2dGrad(dy, argmax, dx, n, c, window)
Napi::Value max_pool_grad_fn(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool2dGrad";
  Napi::Env env = info.Env();
  const ArrayArg dy = array_arg(info, 0, fn, "dy"), arg = array_arg(info, 1, fn, "argmax"),
                 dx = array_arg(info, 2, fn, "dx");
  const PoolArgs p = pool_args(info, 3, fn);
  check_float(env, fn, "dy", dy);
  check_array(env, fn, "dy", dy, dy.dtype, p.out_size);
  check_array(env, fn, "argmax", arg, DType::Int32, p.out_size);
  check_array(env, fn, "dx", dx, dy.dtype, p.in_size);
  if (p.in_size > 0)
    max_pool2d_grad(active_isa(), dy.dtype, dy.data, static_cast<const int32_t*>(arg.data), dx.data, p.n, p.c, p.w);
  return env.Undefined();
}

// avgPool2d(x, out, n, c, window) and avgPool2dGrad(dy, dx, n, c, window)
template <bool kGrad>
Napi::Value avg_pool_fn(const Napi::CallbackInfo& info) {
  const char* fn = kGrad ? "avgPool2dGrad" : "avgPool2d";
  Napi::Env env = info.Env();
  const char* src_name = kGrad ? "dy" : "x";
  const char* dst_name = kGrad ? "dx" : "out";
  const ArrayArg src = array_arg(info, 0, fn, src_name), dst = array_arg(info, 1, fn, dst_name);
  const PoolArgs p = pool_args(info, 2, fn);
  check_float(env, fn, src_name, src);
  check_array(env, fn, src_name, src, src.dtype, kGrad ? p.out_size : p.in_size);
  check_array(env, fn, dst_name, dst, src.dtype, kGrad ? p.in_size : p.out_size);
  if ((kGrad ? p.in_size : p.out_size) == 0) return env.Undefined();
  if (kGrad) avg_pool2d_grad(active_isa(), src.dtype, src.data, dst.data, p.n, p.c, p.w);
  else avg_pool2d(active_isa(), src.dtype, src.data, dst.data, p.n, p.c, p.w);
  return env.Undefined();
}

}  // namespace

void register_pool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool2d", Napi::Function::New(env, max_pool_fn, "maxPool2d"));
  exports.Set("maxPool2dGrad", Napi::Function::New(env, max_pool_grad_fn, "maxPool2dGrad"));
  exports.Set("avgPool2d", Napi::Function::New(env, avg_pool_fn<false>, "avgPool2d"));
  exports.Set("avgPool2dGrad", Napi::Function::New(env, avg_pool_fn<true>, "avgPool2dGrad"));
}

}  // namespace ng::napi
