// Binding of the fused optimizer update: optimStep(meta, params[], grads[], state[]).
#include <string>
#include <vector>

#include "../kernels/optim/optim.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

// A Float32Array or Float64Array element of a JS array argument.
ArrayArg float_array(Napi::Env env, Napi::Value v, const char* fn, const std::string& name) {
  if (!v.IsTypedArray()) throw_error(env, std::string(fn) + ": " + name + " must be a Float32Array or Float64Array");
  napi_typedarray_type type;
  size_t length = 0, byte_offset = 0;
  napi_value buffer;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &byte_offset) != napi_ok)
    throw_error(env, std::string(fn) + ": cannot read " + name);
  if (type != napi_float32_array && type != napi_float64_array)
    throw_error(env, std::string(fn) + ": " + name + " must be a Float32Array or Float64Array");
  if (data == nullptr && length > 0) throw_error(env, std::string(fn) + ": " + name + " was released (use after dispose)");
  return {type == napi_float32_array ? DType::Float32 : DType::Float64, data, static_cast<int64_t>(length)};
}

Napi::Array list_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (i >= info.Length() || !info[i].IsArray())
    throw_error(info.Env(), std::string(fn) + ": '" + name + "' must be an array of typed arrays");
  return info[i].As<Napi::Array>();
}

// optimStep(meta: Float64Array(10), params: T[], grads: T[], state: T[]) with state[i*k + j]
// the j-th state buffer of parameter i.
Napi::Value optim_step_fn(const Napi::CallbackInfo& info) {
  const char* fn = "optimizerStep";
  Napi::Env env = info.Env();
  const ArrayArg meta = array_arg(info, 0, fn, "meta");
  if (meta.dtype != DType::Float64) throw_error(env, "optimizerStep: 'meta' must be a Float64Array");
  OptimHyper h;
  const std::string err = parse_optim_meta(static_cast<const double*>(meta.data), meta.length, &h);
  if (!err.empty()) throw_error(env, err);
  const Napi::Array params = list_arg(info, 1, fn, "params"), grads = list_arg(info, 2, fn, "grads"),
                    state = list_arg(info, 3, fn, "state");
  const int k = optim_state_count(h);
  const uint32_t count = params.Length();
  if (grads.Length() != count)
    throw_error(env, "optimizerStep: " + std::to_string(count) + " params but " + std::to_string(grads.Length()) +
                         " grads");
  if (state.Length() != static_cast<uint64_t>(count) * k)
    throw_error(env, "optimizerStep: expected " + std::to_string(k) + " state buffers per parameter (" +
                         std::to_string(static_cast<uint64_t>(count) * k) + " in all), got " +
                         std::to_string(state.Length()));
  std::vector<void*> p(count), s(static_cast<size_t>(count) * k);
  std::vector<const void*> g(count);
  std::vector<int64_t> sizes(count);
  DType dtype = DType::Float32;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    const ArrayArg pa = float_array(env, params.Get(i), fn, "params" + at);
    if (i == 0) dtype = pa.dtype;
    auto same = [&](const ArrayArg& a, const std::string& name) {
      if (a.dtype != dtype || a.length != pa.length)
        throw_error(env, "optimizerStep: " + name + " (" + describe(a) + ") does not match params" + at + " (" +
                             describe(pa) + (i ? ", group dtype " + std::string(dtype_name(dtype)) : "") + ")");
    };
    same(pa, "params" + at);
    const ArrayArg ga = float_array(env, grads.Get(i), fn, "grads" + at);
    same(ga, "grads" + at);
    for (int j = 0; j < k; ++j) {
      const std::string name = "state[" + std::to_string(i * k + j) + "]";
      const ArrayArg sa = float_array(env, state.Get(i * k + j), fn, name);
      same(sa, name);
      s[i * k + j] = sa.data;
    }
    p[i] = pa.data;
    g[i] = ga.data;
    sizes[i] = pa.length;
  }
  if (count > 0) optim_step(active_isa(), h, dtype, count, p.data(), g.data(), s.data(), sizes.data());
  return env.Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("optimStep", Napi::Function::New(env, optim_step_fn, "optimStep"));
}

}  // namespace ng::napi
