// Bindings of the elementwise, reduction and data-movement kernels.
#include "../kernels/elementwise/elementwise.h"

#include "args.h"
#include "bindings.h"

namespace ng::napi {
namespace {

int checked_ndim(Napi::Env env, const char* fn, const IntList& meta, size_t per_dim, size_t extra) {
  if (meta.empty()) throw_error(env, std::string(fn) + ": empty meta");
  const int64_t ndim = meta[0];
  if (ndim > kMaxDims)
    throw_error(env, std::string(fn) + ": at most " + std::to_string(kMaxDims) + " dims, got " + std::to_string(ndim));
  if (meta.size() != 1 + extra + per_dim * static_cast<size_t>(ndim))
    throw_error(env, std::string(fn) + ": meta has " + std::to_string(meta.size()) + " entries for " +
                         std::to_string(ndim) + " dims");
  return static_cast<int>(ndim);
}

// binary(op, a, b, out, meta = [ndim, shape.., aStrides.., bStrides..])
Napi::Value binary_fn(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  Napi::Env env = info.Env();
  const int op = static_cast<int>(int_arg(info, 0, fn, "op", 0, 9));
  const ArrayArg a = array_arg(info, 1, fn, "a"), b = array_arg(info, 2, fn, "b"), out = array_arg(info, 3, fn, "out");
  const auto meta = int_list_arg(info, 4, fn, "meta", 0, kMaxSafeInt);
  const int ndim = checked_ndim(env, fn, meta, 3, 0);
  const int64_t* shape = meta.data() + 1;
  const int64_t* as = shape + ndim;
  const int64_t* bs = as + ndim;
  check_dtype(env, fn, "b", b, a.dtype);
  check_dtype(env, fn, "out", out, a.dtype);
  if (a.dtype == DType::Int32 && static_cast<BinaryOp>(op) == BinaryOp::Div)
    throw_error(env, "binary: integer division is not a kernel; divide in float");
  if (a.dtype == DType::Int32 && static_cast<BinaryOp>(op) == BinaryOp::Pow)
    throw_error(env, "binary: pow takes float32 or float64, got int32");
  const int64_t n = checked_size(env, fn, shape, ndim);
  if (out.length != n)
    throw_error(env, "binary: out (" + describe(out) + ") does not match shape " + shape_string(shape, ndim));
  check_covers(env, fn, "a", a, 0, shape, as, ndim);
  check_covers(env, fn, "b", b, 0, shape, bs, ndim);
  if (n > 0) binary(active_isa(), static_cast<BinaryOp>(op), a.dtype, a.data, as, b.data, bs, out.data, shape, ndim);
  return env.Undefined();
}

// reduce(op, x, out, outer, r, inner) and argReduce(op, x, out, outer, r, inner)
template <bool kArg>
Napi::Value reduce_fn(const Napi::CallbackInfo& info) {
  const char* fn = kArg ? "argReduce" : "reduce";
  Napi::Env env = info.Env();
  const int op = static_cast<int>(int_arg(info, 0, fn, "op", 0, kArg ? 1 : 3));
  const ArrayArg x = array_arg(info, 1, fn, "x"), out = array_arg(info, 2, fn, "out");
  const int64_t dims[3] = {int_arg(info, 3, fn, "outer", 0, kMaxSafeInt), int_arg(info, 4, fn, "r", 0, kMaxSafeInt),
                           int_arg(info, 5, fn, "inner", 0, kMaxSafeInt)};
  const int64_t n = checked_size(env, fn, dims, 3);
  const int64_t out_dims[2] = {dims[0], dims[2]};
  const int64_t n_out = checked_size(env, fn, out_dims, 2);
  if (x.length != n) throw_error(env, std::string(fn) + ": x (" + describe(x) + ") does not match " + shape_string(dims, 3));
  if (out.length != n_out)
    throw_error(env, std::string(fn) + ": out (" + describe(out) + ") does not match " + shape_string(out_dims, 2));
  if (kArg) check_dtype(env, fn, "out", out, DType::Int32);
  else check_dtype(env, fn, "out", out, x.dtype);
  const bool extreme = kArg || op >= static_cast<int>(ReduceOp::Max);
  if (extreme && dims[1] == 0 && n_out > 0)
    throw_error(env, std::string(fn) + ": cannot take a max/min/arg over an empty axis");
  if (!kArg && x.dtype == DType::Int32 && static_cast<ReduceOp>(op) == ReduceOp::Mean)
    throw_error(env, "reduce: mean of int32 is computed in float; cast first");
  if (n_out == 0) return env.Undefined();
  if (kArg)
    arg_reduce(active_isa(), static_cast<ArgReduceOp>(op), x.dtype, x.data, dims[0], dims[1], dims[2],
               static_cast<int32_t*>(out.data));
  else
    reduce(active_isa(), static_cast<ReduceOp>(op), x.dtype, x.data, dims[0], dims[1], dims[2], out.data);
  return env.Undefined();
}

// copyStrided(src, dst, meta = [ndim, shape.., srcOffset, srcStrides.., dstOffset, dstStrides..])
Napi::Value copy_strided_fn(const Napi::CallbackInfo& info) {
  const char* fn = "copyStrided";
  Napi::Env env = info.Env();
  const ArrayArg src = array_arg(info, 0, fn, "src"), dst = array_arg(info, 1, fn, "dst");
  const auto meta = int_list_arg(info, 2, fn, "meta", 0, kMaxSafeInt);
  const int ndim = checked_ndim(env, fn, meta, 3, 2);
  const int64_t* shape = meta.data() + 1;
  const int64_t src_off = shape[ndim];
  const int64_t* ss = shape + ndim + 1;
  const int64_t dst_off = ss[ndim];
  const int64_t* ds = ss + ndim + 1;
  check_dtype(env, fn, "dst", dst, src.dtype);
  check_covers(env, fn, "src", src, src_off, shape, ss, ndim);
  check_covers(env, fn, "dst", dst, dst_off, shape, ds, ndim);
  const int es = static_cast<int>(dtype_size(src.dtype));
  if (checked_size(env, fn, shape, ndim) > 0)
    copy_strided(es, static_cast<const char*>(src.data) + src_off * es, ss, static_cast<char*>(dst.data) + dst_off * es,
                 ds, shape, ndim);
  return env.Undefined();
}

Napi::Value cast_fn(const Napi::CallbackInfo& info) {
  const ArrayArg src = array_arg(info, 0, "cast", "src"), dst = array_arg(info, 1, "cast", "dst");
  if (src.length != dst.length)
    throw_error(info.Env(), "cast: src (" + describe(src) + ") and dst (" + describe(dst) + ") differ in length");
  cast(src.dtype, src.data, dst.dtype, dst.data, src.length);
  return info.Env().Undefined();
}

Napi::Value fill_fn(const Napi::CallbackInfo& info) {
  const ArrayArg dst = array_arg(info, 0, "fill", "dst");
  fill(dst.dtype, dst.data, dst.length, number_arg(info, 1, "fill", "value"));
  return info.Env().Undefined();
}

Napi::Value arange_fn(const Napi::CallbackInfo& info) {
  const ArrayArg dst = array_arg(info, 0, "arange", "dst");
  arange(dst.dtype, dst.data, dst.length, number_arg(info, 1, "arange", "start"), number_arg(info, 2, "arange", "step"));
  return info.Env().Undefined();
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, binary_fn, "binary"));
  exports.Set("reduce", Napi::Function::New(env, reduce_fn<false>, "reduce"));
  exports.Set("argReduce", Napi::Function::New(env, reduce_fn<true>, "argReduce"));
  exports.Set("copyStrided", Napi::Function::New(env, copy_strided_fn, "copyStrided"));
  exports.Set("cast", Napi::Function::New(env, cast_fn, "cast"));
  exports.Set("fill", Napi::Function::New(env, fill_fn, "fill"));
  exports.Set("arange", Napi::Function::New(env, arange_fn, "arange"));
}

}  // namespace ng::napi
