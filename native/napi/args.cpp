#include "args.h"

#include "../runtime/checks.h"

namespace ng::napi {
namespace {

Napi::Value arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (i >= info.Length()) throw_error(info.Env(), std::string(fn) + ": missing argument '" + name + "'");
  return info[i];
}

}  // namespace

void throw_error(Napi::Env env, const std::string& msg) { throw Napi::Error::New(env, msg); }

std::string describe(const ArrayArg& a) {
  return std::string(dtype_name(a.dtype)) + " array of length " + std::to_string(a.length);
}

ArrayArg array_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = arg(info, i, fn, name);
  // One napi_get_typedarray_info call does it all: it fails for anything but a typed array,
  // and every extra query costs as much as the kernel on a small tensor.
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok)
    throw_error(info.Env(), std::string(fn) + ": '" + name + "' must be a Float32Array, Int32Array or Float64Array");
  ArrayArg a{};
  switch (type) {
    case napi_float32_array: a.dtype = DType::Float32; break;
    case napi_int32_array: a.dtype = DType::Int32; break;
    case napi_float64_array: a.dtype = DType::Float64; break;
    default:
      throw_error(info.Env(), std::string(fn) + ": '" + name + "' must be a Float32Array, Int32Array or Float64Array");
  }
  if (data == nullptr && length > 0)  // a detached (released) buffer
    throw_error(info.Env(), std::string(fn) + ": '" + name + "' was released (use after dispose)");
  a.data = data;
  a.length = static_cast<int64_t>(length);
  return a;
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo, int64_t hi) {
  const double d = number_arg(info, i, fn, name);
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || std::floor(d) != d)
    throw_error(info.Env(), std::string(fn) + ": '" + name + "' must be an integer in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

double number_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Value v = arg(info, i, fn, name);
  if (!v.IsNumber()) throw_error(info.Env(), std::string(fn) + ": '" + name + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

IntList int_list_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo,
                     int64_t hi) {
  const ArrayArg a = array_arg(info, i, fn, name);
  if (a.dtype != DType::Float64) throw_error(info.Env(), std::string(fn) + ": '" + name + "' must be a Float64Array");
  const double* p = static_cast<const double*>(a.data);
  IntList out(static_cast<size_t>(a.length));
  int64_t* dst = out.data();
  for (int64_t k = 0; k < a.length; ++k) {
    const double d = p[k];
    // In range first, so that the conversion is defined; then integral (std::floor would be
    // a library call on baseline x86-64).
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || static_cast<double>(static_cast<int64_t>(d)) != d)
      throw_error(info.Env(), std::string(fn) + ": '" + name + "'[" + std::to_string(k) + "] must be an integer in [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(d));
    dst[k] = static_cast<int64_t>(d);
  }
  return out;
}

int64_t checked_size(Napi::Env env, const char* fn, const int64_t* shape, int ndim) {
  int64_t n = 0;
  const std::string err = ng::check_size(fn, shape, ndim, &n);
  if (!err.empty()) throw_error(env, err);
  return n;
}

void check_covers(Napi::Env env, const char* fn, const char* name, const ArrayArg& a, int64_t offset,
                  const int64_t* shape, const int64_t* strides, int ndim) {
  const std::string err = ng::check_covers(fn, name, a.length, offset, shape, strides, ndim);
  if (!err.empty()) throw_error(env, err + " (" + describe(a) + ")");
}

void check_dtype(Napi::Env env, const char* fn, const char* name, const ArrayArg& a, DType want) {
  if (a.dtype != want)
    throw_error(env, std::string(fn) + ": '" + name + "' must be " + dtype_name(want) + ", got " + dtype_name(a.dtype));
}

}  // namespace ng::napi
