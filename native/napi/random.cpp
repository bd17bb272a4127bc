// Binding of the counter-based (Philox) random fills.
#include "../kernels/random/philox.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

// randomUniform(dst, seed, block, lo, hi) and randomNormal(dst, seed, block, mean, std)
template <bool kNormal>
Napi::Value random_fn(const Napi::CallbackInfo& info) {
  const char* fn = kNormal ? "randomNormal" : "randomUniform";
  const ArrayArg dst = array_arg(info, 0, fn, "dst");
  const auto seed = static_cast<uint64_t>(int_arg(info, 1, fn, "seed", 0, kMaxSafeInt));
  const auto block = static_cast<uint64_t>(int_arg(info, 2, fn, "block", 0, kMaxSafeInt));
  const double p = number_arg(info, 3, fn, kNormal ? "mean" : "lo");
  const double q = number_arg(info, 4, fn, kNormal ? "std" : "hi");
  if (dst.dtype == DType::Int32) throw_error(info.Env(), std::string(fn) + ": dst must be float32 or float64");
  if (dst.dtype == DType::Float32)
    (kNormal ? random_normal_f32 : random_uniform_f32)(static_cast<float*>(dst.data), dst.length, seed, block, p, q);
  else
    (kNormal ? random_normal_f64 : random_uniform_f64)(static_cast<double*>(dst.data), dst.length, seed, block, p, q);
  return info.Env().Undefined();
}

}  // namespace

void register_random(Napi::Env env, Napi::Object exports) {
  exports.Set("randomUniform", Napi::Function::New(env, random_fn<false>, "randomUniform"));
  exports.Set("randomNormal", Napi::Function::New(env, random_fn<true>, "randomNormal"));
}

}  // namespace ng::napi
