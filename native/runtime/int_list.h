// The integers of a kernel call's "meta" list, as both bindings read them. Up to kInline of
// them are held in place: every call passes one, and a heap allocation for it cost as much
// as a small kernel.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace ng {

class IntList {
 public:
  explicit IntList(size_t n = 0) { resize(n); }
  IntList(const IntList&) = delete;
  IntList& operator=(const IntList&) = delete;
  // Moves copy only the values in use (the rest of the in-place room is never written).
  IntList(IntList&& o) noexcept : size_(o.size_), data_(std::move(o.data_)) {
    if (!data_) std::copy(o.inline_, o.inline_ + size_, inline_);
    o.size_ = 0;
  }

  // n values, contents unspecified.
  void resize(size_t n) {
    size_ = n;
    data_.reset(n > kInline ? new int64_t[n] : nullptr);
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const int64_t* data() const { return data_ ? data_.get() : inline_; }
  int64_t* data() { return data_ ? data_.get() : inline_; }
  int64_t operator[](size_t i) const { return data()[i]; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + size_; }

 private:
  static constexpr size_t kInline = 32;
  size_t size_ = 0;
  std::unique_ptr<int64_t[]> data_;
  int64_t inline_[kInline];
};

}  // namespace ng
