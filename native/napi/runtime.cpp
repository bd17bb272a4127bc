// Runtime controls: which instruction-set path runs, and how many threads.
#include <cstdlib>
#include <cstring>

#include "../runtime/isa.h"
#include "../runtime/thread_pool.h"
#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

constexpr Isa kAllIsas[] = {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Simd128, Isa::Neon};

Napi::Value info_fn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", isa_name(active_isa()));
  Napi::Array supported = Napi::Array::New(env);
  uint32_t k = 0;
  for (Isa isa : kAllIsas)
    if (isa_supported(isa)) supported.Set(k++, isa_name(isa));
  o.Set("supportedIsas", supported);
  o.Set("threads", num_threads());
  const char* forced = std::getenv("NODEGRAD_ISA");
  o.Set("requestedIsa", forced && *forced ? Napi::Value(Napi::String::New(env, forced)) : env.Null());
  return o;
}

// activeIsa() -> the name of the path in use (cheaper than info(): called per product).
Napi::Value active_isa_fn(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), isa_name(active_isa()));
}

Napi::Value set_isa(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw_error(info.Env(), "setIsa: expected an ISA name");
  const std::string name = info[0].As<Napi::String>();
  for (Isa isa : kAllIsas) {
    if (name != isa_name(isa)) continue;
    if (!set_active_isa(isa))
      throw_error(info.Env(), "setIsa: this CPU cannot run the '" + name + "' path");
    return info.Env().Undefined();
  }
  throw_error(info.Env(), "setIsa: unknown ISA '" + name + "' (expected avx512, avx2 or scalar)");
}

Napi::Value set_threads(const Napi::CallbackInfo& info) {
  set_num_threads(static_cast<int>(int_arg(info, 0, "setNumThreads", "threads", 1, 256)));
  return info.Env().Undefined();
}

}  // namespace

void register_runtime(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, info_fn, "info"));
  exports.Set("activeIsa", Napi::Function::New(env, active_isa_fn, "activeIsa"));
  exports.Set("setIsa", Napi::Function::New(env, set_isa, "setIsa"));
  exports.Set("setNumThreads", Napi::Function::New(env, set_threads, "setNumThreads"));
}

}  // namespace ng::napi
