// Tensor storage for the native backend: V8-owned ArrayBuffers, viewed from a 64-byte
// aligned offset. V8 owns and accounts the memory (it counts towards the external
// memory that drives GC), frees it when the view is collected, and releases it at once
// when the backend detaches it on dispose.
#include <cstdint>

#include "../runtime/scratch.h"
#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

constexpr size_t kAlign = 64;
constexpr int64_t kMaxElements = int64_t{1} << 40;  // 4 TiB of float32: past any real use

napi_typedarray_type typed_array_type(DType d) {
  return d == DType::Float32 ? napi_float32_array : d == DType::Int32 ? napi_int32_array : napi_float64_array;
}

// alloc(dtype, size) -> zero-filled typed array whose data is 64-byte aligned.
Napi::Value alloc(const Napi::CallbackInfo& info) {
  const auto dt = static_cast<DType>(int_arg(info, 0, "alloc", "dtype", 0, 2));
  const int64_t n = int_arg(info, 1, "alloc", "size", 0, kMaxElements);
  const size_t es = dtype_size(dt);
  void* data = nullptr;
  napi_value ab;
  if (napi_create_arraybuffer(info.Env(), static_cast<size_t>(n) * es + kAlign, &data, &ab) != napi_ok) {
    throw_error(info.Env(), "alloc: out of memory allocating " + std::to_string(n) + " " + dtype_name(dt) + " elements");
  }
  advise_huge_pages(data, static_cast<size_t>(n) * es + kAlign);
  const size_t misalign = reinterpret_cast<uintptr_t>(data) % kAlign;
  const size_t offset = misalign ? kAlign - misalign : 0;
  napi_value view;
  if (napi_create_typedarray(info.Env(), typed_array_type(dt), static_cast<size_t>(n), ab, offset, &view) != napi_ok)
    throw_error(info.Env(), "alloc: cannot create the typed array");
  return Napi::Value(info.Env(), view);
}

// release(view): detaches the backing ArrayBuffer, which frees its memory now.
Napi::Value release(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw_error(info.Env(), "release: expected a typed array");
  Napi::ArrayBuffer ab = info[0].As<Napi::TypedArray>().ArrayBuffer();
  bool detached = false;
  if (napi_is_detached_arraybuffer(info.Env(), ab, &detached) == napi_ok && !detached) ab.Detach();
  return info.Env().Undefined();
}

// alignment(view) -> the largest power of two, up to 4096, dividing the data address.
Napi::Value alignment(const Napi::CallbackInfo& info) {
  const ArrayArg a = array_arg(info, 0, "alignment", "view");
  const auto addr = reinterpret_cast<uintptr_t>(a.data);
  uint32_t align = 1;
  while (align < 4096 && addr % (align * 2) == 0) align *= 2;
  return Napi::Number::New(info.Env(), align);
}

}  // namespace

void register_memory(Napi::Env env, Napi::Object exports) {
  exports.Set("alloc", Napi::Function::New(env, alloc, "alloc"));
  exports.Set("release", Napi::Function::New(env, release, "release"));
  exports.Set("alignment", Napi::Function::New(env, alignment, "alignment"));
}

}  // namespace ng::napi
