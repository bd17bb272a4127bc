// Bindings of the convolution kernels (standard and depthwise; forward and both gradients,
// apart or, for the standard one, together).
#include "../kernels/conv/conv2d.h"
#include "../kernels/conv/depthwise.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

enum class Pass { Forward, BackwardInput, BackwardFilter, Backward };

constexpr int kMaxArrays = 5;

struct PassInfo {
  const char* fn;
  int count;                      // arrays before meta
  const char* names[kMaxArrays];  // in argument order
  const char* sizes;              // each array's size: 'x', 'y' or 'f' (the filter's)
};

PassInfo pass_info(bool depthwise, Pass pass) {
  switch (pass) {
    case Pass::Forward: return {depthwise ? "depthwiseConv2d" : "conv2d", 3, {"x", "filter", "y"}, "xfy"};
    case Pass::BackwardInput:
      return {depthwise ? "depthwiseConv2dBackwardInput" : "conv2dBackwardInput", 3, {"dy", "filter", "dx"}, "yfx"};
    case Pass::BackwardFilter:
      return {depthwise ? "depthwiseConv2dBackwardFilter" : "conv2dBackwardFilter", 3, {"x", "dy", "dfilter"}, "xyf"};
    case Pass::Backward:
      break;
  }
  return {"conv2dBackward", 5, {"x", "dy", "filter", "dx", "dfilter"}, "xyfxf"};
}

int64_t size_of(const Conv2dSizes& z, char which) { return which == 'x' ? z.x : which == 'y' ? z.y : z.filter; }

// forward(x, filter, y, meta, bias?) · backwardInput(dy, filter, dx, meta) · backwardFilter(x, dy, dfilter, meta)
// · backward(x, dy, filter, dx, dfilter, meta), meta as in native/kernels/conv/conv2d.h.
template <bool kDepthwise, Pass kPass>
Napi::Value conv_fn(const Napi::CallbackInfo& info) {
  const PassInfo p = pass_info(kDepthwise, kPass);
  const char* fn = p.fn;
  Napi::Env env = info.Env();
  ArrayArg arrays[kMaxArrays];
  for (int i = 0; i < p.count; ++i) arrays[i] = array_arg(info, i, fn, p.names[i]);
  const auto meta = int_list_arg(info, p.count, fn, "meta", 0, kMaxSafeInt);
  const DType dtype = arrays[0].dtype;
  if (dtype != DType::Float32 && dtype != DType::Float64)
    throw_error(env, std::string(fn) + ": expected float32 or float64, got " + dtype_name(dtype));
  for (int i = 1; i < p.count; ++i) check_dtype(env, fn, p.names[i], arrays[i], dtype);
  Conv2dShape s;
  Conv2dSizes z;
  Activation act;
  std::string err = parse_conv2d(fn, meta.data(), meta.size(), kDepthwise, &s, &z, &act);
  if (!err.empty()) throw_error(env, err);
  for (int i = 0; i < p.count && err.empty(); ++i)
    err = check_conv2d_operand(fn, p.names[i], arrays[i].length, size_of(z, p.sizes[i]));
  if (!err.empty()) throw_error(env, err);
  const void* bias = nullptr;
  if (kPass == Pass::Forward && info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull()) {
    const ArrayArg b = array_arg(info, 4, fn, "bias");
    check_dtype(env, fn, "bias", b, dtype);
    err = check_conv2d_operand(fn, "bias", b.length, s.out_c);
    if (!err.empty()) throw_error(env, err);
    bias = b.data;
  }
  const Isa isa = active_isa();
  if (kPass == Pass::Forward)
    (kDepthwise ? depthwise_conv2d_forward : conv2d_forward)(isa, dtype, s, arrays[0].data, arrays[1].data, bias, act,
                                                             arrays[2].data);
  else if (kPass == Pass::BackwardInput)
    (kDepthwise ? depthwise_conv2d_backward_input : conv2d_backward_input)(isa, dtype, s, arrays[0].data,
                                                                           arrays[1].data, arrays[2].data);
  else if (kPass == Pass::BackwardFilter)
    (kDepthwise ? depthwise_conv2d_backward_filter : conv2d_backward_filter)(isa, dtype, s, arrays[0].data,
                                                                             arrays[1].data, arrays[2].data);
  else
    conv2d_backward(isa, dtype, s, arrays[0].data, arrays[1].data, arrays[2].data, arrays[3].data, arrays[4].data);
  return env.Undefined();
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, conv_fn<false, Pass::Forward>, "conv2d"));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, conv_fn<false, Pass::BackwardInput>, "conv2dBackwardInput"));
  exports.Set("conv2dBackwardFilter",
              Napi::Function::New(env, conv_fn<false, Pass::BackwardFilter>, "conv2dBackwardFilter"));
  exports.Set("conv2dBackward", Napi::Function::New(env, conv_fn<false, Pass::Backward>, "conv2dBackward"));
  exports.Set("depthwiseConv2d", Napi::Function::New(env, conv_fn<true, Pass::Forward>, "depthwiseConv2d"));
  exports.Set("depthwiseConv2dBackwardInput",
              Napi::Function::New(env, conv_fn<true, Pass::BackwardInput>, "depthwiseConv2dBackwardInput"));
  exports.Set("depthwiseConv2dBackwardFilter",
              Napi::Function::New(env, conv_fn<true, Pass::BackwardFilter>, "depthwiseConv2dBackwardFilter"));
}

}  // namespace ng::napi
