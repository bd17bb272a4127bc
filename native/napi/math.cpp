// Bindings of the unary, softmax, loss and selection kernels (the autograd kernels).
#include <utility>

#include "../kernels/elementwise/elementwise.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

void check_float(Napi::Env env, const char* fn, const char* name, const ArrayArg& a) {
  if (a.dtype == DType::Int32) throw_error(env, std::string(fn) + ": '" + name + "' must be float32 or float64, got int32");
}

void check_length(Napi::Env env, const char* fn, const char* name, const ArrayArg& a, int64_t want) {
  if (a.length != want)
    throw_error(env, std::string(fn) + ": '" + name + "' (" + describe(a) + ") must have " + std::to_string(want) +
                         " elements");
}

// An optional array: undefined or null give nullptr.
bool has_arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && !info[i].IsUndefined() && !info[i].IsNull();
}

// Three dims (outer, r, inner) from arguments i..i+2, and their product.
int64_t dims3(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* const names[3], int64_t d[3]) {
  for (int k = 0; k < 3; ++k) d[k] = int_arg(info, i + k, fn, names[k], 0, kMaxSafeInt);
  return checked_size(info.Env(), fn, d, 3);
}

// unary(op, x, out, p0, p1)
Napi::Value unary_fn(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  Napi::Env env = info.Env();
  const auto op = static_cast<UnaryOp>(int_arg(info, 0, fn, "op", 0, 13));
  const ArrayArg x = array_arg(info, 1, fn, "x"), out = array_arg(info, 2, fn, "out");
  const double p0 = number_arg(info, 3, fn, "p0"), p1 = number_arg(info, 4, fn, "p1");
  check_dtype(env, fn, "out", out, x.dtype);
  check_length(env, fn, "out", out, x.length);
  if (x.dtype == DType::Int32 && !unary_op_takes_int(op))
    throw_error(env, "unary: op " + std::to_string(static_cast<int>(op)) + " takes float32 or float64, got int32");
  unary(active_isa(), op, x.dtype, x.data, out.data, x.length, p0, p1);
  return env.Undefined();
}

// unaryGrad(op, x, y, dy, dx, p0, p1)
Napi::Value unary_grad_fn(const Napi::CallbackInfo& info) {
  const char* fn = "unaryGrad";
  Napi::Env env = info.Env();
  const auto op = static_cast<UnaryOp>(int_arg(info, 0, fn, "op", 0, 13));
  const ArrayArg x = array_arg(info, 1, fn, "x"), y = array_arg(info, 2, fn, "y"), dy = array_arg(info, 3, fn, "dy"),
                 dx = array_arg(info, 4, fn, "dx");
  const double p0 = number_arg(info, 5, fn, "p0"), p1 = number_arg(info, 6, fn, "p1");
  check_float(env, fn, "x", x);
  for (const auto& [name, a] : {std::pair<const char*, const ArrayArg&>{"y", y}, {"dy", dy}, {"dx", dx}}) {
    check_dtype(env, fn, name, a, x.dtype);
    check_length(env, fn, name, a, x.length);
  }
  unary_grad(active_isa(), op, x.dtype, x.data, y.data, dy.data, dx.data, x.length, p0, p1);
  return env.Undefined();
}

// where(cond, a, b, out, meta = [ndim, shape.., condStrides.., aStrides.., bStrides..])
Napi::Value where_fn(const Napi::CallbackInfo& info) {
  const char* fn = "where";
  Napi::Env env = info.Env();
  const ArrayArg c = array_arg(info, 0, fn, "cond"), a = array_arg(info, 1, fn, "a"), b = array_arg(info, 2, fn, "b"),
                 out = array_arg(info, 3, fn, "out");
  const auto meta = int_list_arg(info, 4, fn, "meta", 0, kMaxSafeInt);
  if (meta.empty() || meta[0] > kMaxDims || meta.size() != 1 + 4 * static_cast<size_t>(meta[0]))
    throw_error(env, "where: meta must be [ndim <= " + std::to_string(kMaxDims) + ", shape, 3 x strides]");
  const int ndim = static_cast<int>(meta[0]);
  const int64_t* shape = meta.data() + 1;
  const int64_t *cs = shape + ndim, *as = cs + ndim, *bs = as + ndim;
  check_dtype(env, fn, "b", b, a.dtype);
  check_dtype(env, fn, "out", out, a.dtype);
  const int64_t n = checked_size(env, fn, shape, ndim);
  if (out.length != n)
    throw_error(env, "where: out (" + describe(out) + ") does not match shape " + shape_string(shape, ndim));
  check_covers(env, fn, "cond", c, 0, shape, cs, ndim);
  check_covers(env, fn, "a", a, 0, shape, as, ndim);
  check_covers(env, fn, "b", b, 0, shape, bs, ndim);
  if (n > 0) where(c.dtype, c.data, cs, a.dtype, a.data, as, b.data, bs, out.data, shape, ndim);
  return env.Undefined();
}

const char* const kSoftmaxDims[3] = {"outer", "r", "inner"};

// softmax(x, out, outer, r, inner, log) and softmaxGrad(y, dy, dx, outer, r, inner, log)
template <bool kGrad>
Napi::Value softmax_fn(const Napi::CallbackInfo& info) {
  const char* fn = kGrad ? "softmaxGrad" : "softmax";
  Napi::Env env = info.Env();
  const int n_arrays = kGrad ? 3 : 2;
  const char* const names[3] = {kGrad ? "y" : "x", kGrad ? "dy" : "out", "dx"};
  ArrayArg arrays[3];
  for (int k = 0; k < n_arrays; ++k) arrays[k] = array_arg(info, k, fn, names[k]);
  int64_t d[3];
  const int64_t n = dims3(info, n_arrays, fn, kSoftmaxDims, d);
  const bool log = int_arg(info, n_arrays + 3, fn, "log", 0, 1) != 0;
  check_float(env, fn, names[0], arrays[0]);
  for (int k = 0; k < n_arrays; ++k) {
    check_dtype(env, fn, names[k], arrays[k], arrays[0].dtype);
    check_length(env, fn, names[k], arrays[k], n);
  }
  if (n == 0) return env.Undefined();
  if (kGrad)
    softmax_grad(active_isa(), arrays[0].dtype, arrays[0].data, arrays[1].data, arrays[2].data, d[0], d[1], d[2], log);
  else
    softmax(active_isa(), arrays[0].dtype, arrays[0].data, arrays[1].data, d[0], d[1], d[2], log);
  return env.Undefined();
}

// softmaxCrossEntropy(logits, labels, loss, grad?, n, c)
Napi::Value softmax_xent_fn(const Napi::CallbackInfo& info) {
  const char* fn = "softmaxCrossEntropy";
  Napi::Env env = info.Env();
  const ArrayArg x = array_arg(info, 0, fn, "logits"), t = array_arg(info, 1, fn, "labels"),
                 loss = array_arg(info, 2, fn, "loss");
  const bool with_grad = has_arg(info, 3);
  const ArrayArg g = with_grad ? array_arg(info, 3, fn, "grad") : ArrayArg{x.dtype, nullptr, 0};
  const int64_t n = int_arg(info, 4, fn, "n", 0, kMaxSafeInt), c = int_arg(info, 5, fn, "c", 0, kMaxSafeInt);
  const int64_t dims[2] = {n, c};
  const int64_t size = checked_size(env, fn, dims, 2);
  check_float(env, fn, "logits", x);
  check_length(env, fn, "logits", x, size);
  check_dtype(env, fn, "loss", loss, x.dtype);
  check_length(env, fn, "loss", loss, n);
  if (with_grad) {
    check_dtype(env, fn, "grad", g, x.dtype);
    check_length(env, fn, "grad", g, size);
  }
  if (t.dtype == DType::Int32) {
    check_length(env, fn, "labels", t, n);
    const std::string err = check_indices(fn, "label", static_cast<const int32_t*>(t.data), n, c);
    if (!err.empty()) throw_error(env, err);
  } else {
    check_dtype(env, fn, "labels", t, x.dtype);
    check_length(env, fn, "labels", t, size);
  }
  if (n > 0) softmax_cross_entropy(active_isa(), x.dtype, x.data, t.dtype, t.data, loss.data, g.data, n, c);
  return env.Undefined();
}

// sigmoidCrossEntropy(logits, targets, loss, grad?, n)
Napi::Value sigmoid_xent_fn(const Napi::CallbackInfo& info) {
  const char* fn = "sigmoidCrossEntropy";
  Napi::Env env = info.Env();
  const ArrayArg x = array_arg(info, 0, fn, "logits"), t = array_arg(info, 1, fn, "targets"),
                 loss = array_arg(info, 2, fn, "loss");
  const bool with_grad = has_arg(info, 3);
  const ArrayArg g = with_grad ? array_arg(info, 3, fn, "grad") : ArrayArg{x.dtype, nullptr, 0};
  const int64_t n = int_arg(info, 4, fn, "n", 0, kMaxSafeInt);
  check_float(env, fn, "logits", x);
  check_length(env, fn, "logits", x, n);
  check_dtype(env, fn, "targets", t, x.dtype);
  check_length(env, fn, "targets", t, n);
  check_dtype(env, fn, "loss", loss, x.dtype);
  check_length(env, fn, "loss", loss, n);
  if (with_grad) {
    check_dtype(env, fn, "grad", g, x.dtype);
    check_length(env, fn, "grad", g, n);
  }
  sigmoid_cross_entropy(active_isa(), x.dtype, x.data, t.data, loss.data, g.data, n);
  return env.Undefined();
}

const char* const kGatherDims[3] = {"outer", "axisLen", "inner"};

// gather(x, indices, out, outer, axisLen, inner) and scatterAdd(dy, indices, dx, outer, axisLen, inner)
template <bool kScatter>
Napi::Value gather_fn(const Napi::CallbackInfo& info) {
  const char* fn = kScatter ? "scatterAdd" : "gather";
  Napi::Env env = info.Env();
  const ArrayArg src = array_arg(info, 0, fn, kScatter ? "dy" : "x"), idx = array_arg(info, 1, fn, "indices"),
                 dst = array_arg(info, 2, fn, kScatter ? "dx" : "out");
  int64_t d[3];
  const int64_t full = dims3(info, 3, fn, kGatherDims, d);
  check_dtype(env, fn, "indices", idx, DType::Int32);
  check_dtype(env, fn, kScatter ? "dx" : "out", dst, src.dtype);
  const int64_t picked_dims[3] = {d[0], idx.length, d[2]};
  const int64_t picked = checked_size(env, fn, picked_dims, 3);
  check_length(env, fn, kScatter ? "dy" : "x", src, kScatter ? picked : full);
  check_length(env, fn, kScatter ? "dx" : "out", dst, kScatter ? full : picked);
  const std::string err = check_indices(fn, "index", static_cast<const int32_t*>(idx.data), idx.length, d[1]);
  if (!err.empty()) throw_error(env, err);
  const auto* ip = static_cast<const int32_t*>(idx.data);
  if (kScatter) scatter_add(src.dtype, src.data, ip, idx.length, dst.data, d[0], d[1], d[2]);
  else gather(src.dtype, src.data, ip, idx.length, dst.data, d[0], d[1], d[2]);
  return env.Undefined();
}

}  // namespace

void register_math(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, unary_fn, "unary"));
  exports.Set("unaryGrad", Napi::Function::New(env, unary_grad_fn, "unaryGrad"));
  exports.Set("where", Napi::Function::New(env, where_fn, "where"));
  exports.Set("softmax", Napi::Function::New(env, softmax_fn<false>, "softmax"));
  exports.Set("softmaxGrad", Napi::Function::New(env, softmax_fn<true>, "softmaxGrad"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, softmax_xent_fn, "softmaxCrossEntropy"));
  exports.Set("sigmoidCrossEntropy", Napi::Function::New(env, sigmoid_xent_fn, "sigmoidCrossEntropy"));
  exports.Set("gather", Napi::Function::New(env, gather_fn<false>, "gather"));
  exports.Set("scatterAdd", Napi::Function::New(env, gather_fn<true>, "scatterAdd"));
}

}  // namespace ng::napi
