// Bindings of the fused batch-norm kernels (native/kernels/norm/).
#include <cmath>
#include <string>

#include "../kernels/norm/batchnorm.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

bool has_arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && !info[i].IsUndefined() && !info[i].IsNull();
}

// A float array of the given dtype and exactly `want` elements.
ArrayArg sized_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, DType dtype,
                   int64_t want) {
  const ArrayArg a = array_arg(info, i, fn, name);
  check_dtype(info.Env(), fn, name, a, dtype);
  if (a.length != want)
    throw_error(info.Env(), std::string(fn) + ": '" + name + "' (" + describe(a) + ") must have " +
                                std::to_string(want) + " elements");
  return a;
}

// An optional per-channel array (undefined or null give nullptr).
const void* optional_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, DType dtype,
                         int64_t want) {
  return has_arg(info, i) ? sized_arg(info, i, fn, name, dtype, want).data : nullptr;
}

struct Dims {
  int64_t outer, c, size;
  double eps;
};

// outer and c at info[i], info[i + 1], eps at info[i + 2]; x decides the dtype.
Dims dims_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const ArrayArg& x, bool need_rows) {
  Dims d{};
  d.outer = int_arg(info, i, fn, "outer", need_rows ? 1 : 0, kMaxSafeInt);
  d.c = int_arg(info, i + 1, fn, "c", 0, kMaxSafeInt);
  d.eps = number_arg(info, i + 2, fn, "eps");
  if (!(d.eps >= 0) || !std::isfinite(d.eps)) throw_error(info.Env(), std::string(fn) + ": 'eps' must be finite and >= 0");
  const int64_t shape[2] = {d.outer, d.c};
  d.size = checked_size(info.Env(), fn, shape, 2);
  if (x.dtype == DType::Int32) throw_error(info.Env(), std::string(fn) + ": 'x' must be float32 or float64, got int32");
  if (x.length != d.size)
    throw_error(info.Env(), std::string(fn) + ": 'x' (" + describe(x) + ") does not hold [" + std::to_string(d.outer) +
                                ", " + std::to_string(d.c) + "]");
  return d;
}

// batchNormTrain(x, gamma?, beta?, y, mean, var, outer, c, eps)
Napi::Value train_fn(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormTrain";
  const ArrayArg x = array_arg(info, 0, fn, "x");
  const Dims d = dims_arg(info, 6, fn, x, true);
  const void* gamma = optional_arg(info, 1, fn, "gamma", x.dtype, d.c);
  const void* beta = optional_arg(info, 2, fn, "beta", x.dtype, d.c);
  const ArrayArg y = sized_arg(info, 3, fn, "y", x.dtype, d.size);
  const ArrayArg mean = sized_arg(info, 4, fn, "mean", x.dtype, d.c), var = sized_arg(info, 5, fn, "var", x.dtype, d.c);
  if (d.c > 0) batch_norm_train(active_isa(), x.dtype, x.data, gamma, beta, y.data, mean.data, var.data, d.outer, d.c, d.eps);
  return info.Env().Undefined();
}

// batchNormInfer(x, gamma?, beta?, mean, var, y, outer, c, eps)
Napi::Value infer_fn(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormInfer";
  const ArrayArg x = array_arg(info, 0, fn, "x");
  const Dims d = dims_arg(info, 6, fn, x, false);
  const void* gamma = optional_arg(info, 1, fn, "gamma", x.dtype, d.c);
  const void* beta = optional_arg(info, 2, fn, "beta", x.dtype, d.c);
  const ArrayArg mean = sized_arg(info, 3, fn, "mean", x.dtype, d.c), var = sized_arg(info, 4, fn, "var", x.dtype, d.c);
  const ArrayArg y = sized_arg(info, 5, fn, "y", x.dtype, d.size);
  if (d.size > 0) batch_norm_infer(active_isa(), x.dtype, x.data, gamma, beta, mean.data, var.data, y.data, d.outer, d.c, d.eps);
  return info.Env().Undefined();
}

// batchNormBackward(x, dy, mean, var, gamma?, dx?, dgamma, dbeta, outer, c, eps, training)
Napi::Value backward_fn(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormBackward";
  const ArrayArg x = array_arg(info, 0, fn, "x");
  const Dims d = dims_arg(info, 8, fn, x, false);
  const bool training = int_arg(info, 11, fn, "training", 0, 1) != 0;
  const ArrayArg dy = sized_arg(info, 1, fn, "dy", x.dtype, d.size);
  const ArrayArg mean = sized_arg(info, 2, fn, "mean", x.dtype, d.c), var = sized_arg(info, 3, fn, "var", x.dtype, d.c);
  const void* gamma = optional_arg(info, 4, fn, "gamma", x.dtype, d.c);
  void* dx = has_arg(info, 5) ? sized_arg(info, 5, fn, "dx", x.dtype, d.size).data : nullptr;
  const ArrayArg dgamma = sized_arg(info, 6, fn, "dgamma", x.dtype, d.c), dbeta = sized_arg(info, 7, fn, "dbeta", x.dtype, d.c);
  if (d.c > 0)
    batch_norm_backward(active_isa(), x.dtype, x.data, dy.data, mean.data, var.data, gamma, dx, dgamma.data, dbeta.data,
                        d.outer, d.c, d.eps, training);
  return info.Env().Undefined();
}

}  // namespace

void register_norm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormTrain", Napi::Function::New(env, train_fn, "batchNormTrain"));
  exports.Set("batchNormInfer", Napi::Function::New(env, infer_fn, "batchNormInfer"));
  exports.Set("batchNormBackward", Napi::Function::New(env, backward_fn, "batchNormBackward"));
}

}  // namespace ng::napi
