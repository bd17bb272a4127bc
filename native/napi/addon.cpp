// The nodegrad Node-API addon. Node-API modules are context-aware: this holds no
// per-process JS state, so it loads in the main thread and in any number of workers.
#include <napi.h>

#include "bindings.h"

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  ng::napi::register_runtime(env, exports);
  ng::napi::register_memory(env, exports);
  ng::napi::register_elementwise(env, exports);
  ng::napi::register_random(env, exports);
  ng::napi::register_linalg(env, exports);
  ng::napi::register_math(env, exports);
  ng::napi::register_optim(env, exports);
  ng::napi::register_norm(env, exports);
  ng::napi::register_pool(env, exports);
  ng::napi::register_conv(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nodegrad, init)
