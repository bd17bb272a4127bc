// Argument checking and marshalling for the Node-API binding. Every kernel argument
// from JavaScript passes through here; anything malformed becomes a JS Error naming
// the binding function and the argument, never undefined behaviour.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "../kernels/dtype.h"
#include "../runtime/checks.h"
#include "../runtime/int_list.h"

namespace ng::napi {

// A typed array argument: its element type and its elements (offset applied).
struct ArrayArg {
  DType dtype;
  void* data;
  int64_t length;  // in elements
};

[[noreturn]] void throw_error(Napi::Env env, const std::string& msg);

std::string describe(const ArrayArg& a);

// Float32Array, Int32Array or Float64Array; anything else throws "<fn>: <name> ...".
ArrayArg array_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name);

// A finite number that is an integer in [lo, hi].
int64_t int_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo, int64_t hi);

double number_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name);

// A Float64Array of integers, each checked in [lo, hi] (the "meta" of a kernel call).
IntList int_list_arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo,
                     int64_t hi);

// Checks that `a` holds every element addressed by offset + sum(idx[d] * strides[d])
// for idx < shape (strides >= 0). Throws naming fn and the operand otherwise.
void check_covers(Napi::Env env, const char* fn, const char* name, const ArrayArg& a, int64_t offset,
                  const int64_t* shape, const int64_t* strides, int ndim);

void check_dtype(Napi::Env env, const char* fn, const char* name, const ArrayArg& a, DType want);

// Product of the dims, throwing if it overflows 2^53.
int64_t checked_size(Napi::Env env, const char* fn, const int64_t* shape, int ndim);

using ng::shape_string;

}  // namespace ng::napi
