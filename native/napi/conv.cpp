// Bindings of the convolution kernels (standard and depthwise; forward and both gradients).
#include "../kernels/conv/conv2d.h"
#include "../kernels/conv/depthwise.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

enum class Pass { Forward, BackwardInput, BackwardFilter };

struct PassInfo {
  const char* fn;
  const char* names[3];  // the three arrays, in argument order
};

PassInfo pass_info(bool depthwise, Pass pass) {
  switch (pass) {
    case Pass::Forward: return {depthwise ? "depthwiseConv2d" : "conv2d", {"x", "filter", "y"}};
    case Pass::BackwardInput:
      return {depthwise ? "depthwiseConv2dBackwardInput" : "conv2dBackwardInput", {"dy", "filter", "dx"}};
    case Pass::BackwardFilter:
      break;
  }
  return {depthwise ? "depthwiseConv2dBackwardFilter" : "conv2dBackwardFilter", {"x", "dy", "dfilter"}};
}

// forward(x, filter, y, meta, bias?) · backwardInput(dy, filter, dx, meta) · backwardFilter(x, dy, dfilter, meta),
// meta as in native/kernels/conv/conv2d.h.
template <bool kDepthwise, Pass kPass>
Napi::Value conv_fn(const Napi::CallbackInfo& info) {
  const PassInfo p = pass_info(kDepthwise, kPass);
  const char* fn = p.fn;
  Napi::Env env = info.Env();
  ArrayArg arrays[3];
  for (int i = 0; i < 3; ++i) arrays[i] = array_arg(info, i, fn, p.names[i]);
  const auto meta = int_list_arg(info, 3, fn, "meta", 0, kMaxSafeInt);
  const DType dtype = arrays[0].dtype;
  if (dtype != DType::Float32 && dtype != DType::Float64)
    throw_error(env, std::string(fn) + ": expected float32 or float64, got " + dtype_name(dtype));
  for (int i = 1; i < 3; ++i) check_dtype(env, fn, p.names[i], arrays[i], dtype);
  Conv2dShape s;
  Conv2dSizes z;
  Activation act;
  std::string err = parse_conv2d(fn, meta.data(), meta.size(), kDepthwise, &s, &z, &act);
  if (!err.empty()) throw_error(env, err);
  const int64_t want[3] = {kPass == Pass::BackwardInput ? z.y : z.x, kPass == Pass::BackwardFilter ? z.y : z.filter,
                           kPass == Pass::Forward ? z.y : kPass == Pass::BackwardInput ? z.x : z.filter};
  for (int i = 0; i < 3 && err.empty(); ++i) err = check_conv2d_operand(fn, p.names[i], arrays[i].length, want[i]);
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
  else
    (kDepthwise ? depthwise_conv2d_backward_filter : conv2d_backward_filter)(isa, dtype, s, arrays[0].data,
                                                                             arrays[1].data, arrays[2].data);
  return env.Undefined();
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, conv_fn<false, Pass::Forward>, "conv2d"));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, conv_fn<false, Pass::BackwardInput>, "conv2dBackwardInput"));
  exports.Set("conv2dBackwardFilter",
              Napi::Function::New(env, conv_fn<false, Pass::BackwardFilter>, "conv2dBackwardFilter"));
  exports.Set("depthwiseConv2d", Napi::Function::New(env, conv_fn<true, Pass::Forward>, "depthwiseConv2d"));
  exports.Set("depthwiseConv2dBackwardInput",
              Napi::Function::New(env, conv_fn<true, Pass::BackwardInput>, "depthwiseConv2dBackwardInput"));
  exports.Set("depthwiseConv2dBackwardFilter",
              Napi::Function::New(env, conv_fn<true, Pass::BackwardFilter>, "depthwiseConv2dBackwardFilter"));
}

}  // namespace ng::napi
