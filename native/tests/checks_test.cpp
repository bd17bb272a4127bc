// Standalone test of the bounds checks every binding call passes through
// (native/runtime/checks.h): sizes and extents at the 2^53 limit, products that overflow
// 64 bits, negative dims, strides and offsets, and buffers one element short.
//
//   g++ -std=c++17 -O2 native/tests/checks_test.cpp native/runtime/checks.cpp -o /tmp/checks_test && /tmp/checks_test
//   (add -fsanitize=address,undefined -g for the sanitizer run: no signed overflow allowed)
#include <cstdint>
#include <cstdio>
#include <string>

#include "../runtime/checks.h"

namespace {

int g_failures = 0;
int g_checks = 0;

void expect(bool ok, const char* what) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL: %s\n", what);
  }
}

constexpr int64_t kMax = ng::kMaxSafeInt;
constexpr int64_t p(int e) { return int64_t{1} << e; }

// check_size: (shape, expected size or -1 for an error)
void test_size() {
  struct Case {
    const char* what;
    int ndim;
    int64_t shape[4];
    int64_t want;  // -1: an error
  } cases[] = {
      {"scalar", 0, {}, 1},
      {"2^53 - 1 alone", 1, {kMax}, kMax},
      {"2^53 - 1 times 1", 2, {kMax, 1}, kMax},
      {"2^53 - 1 times 2", 2, {kMax, 2}, -1},
      {"2^26 x 2^27 = 2^53", 2, {p(26), p(27)}, -1},
      {"2^26 x (2^27 - 1)", 2, {p(26), p(27) - 1}, p(53) - p(26)},
      {"2^40 x 2^40 (past 64 bits)", 2, {p(40), p(40)}, -1},
      {"2^50 three times", 3, {p(50), p(50), p(50)}, -1},
      {"a zero dim after a huge one", 3, {p(52), 0, p(52)}, 0},
      {"a zero dim first", 3, {0, p(52), 3}, 0},
      {"negative dim", 2, {3, -1}, -1},
  };
  for (const Case& c : cases) {
    int64_t n = -7;
    const std::string err = ng::check_size("t", c.shape, c.ndim, &n);
    expect(c.want < 0 ? !err.empty() : err.empty() && n == c.want, c.what);
  }
}

// check_covers: buffers exactly long enough pass, one element shorter fail.
void test_covers() {
  const int64_t shape[2] = {3, 4}, dense[2] = {4, 1}, padded[2] = {10, 2};
  expect(ng::check_covers("t", "a", 12, 0, shape, dense, 2).empty(), "dense 3x4 in 12");
  expect(!ng::check_covers("t", "a", 11, 0, shape, dense, 2).empty(), "dense 3x4 in 11");
  expect(ng::check_covers("t", "a", 5 + 27, 5, shape, padded, 2).empty(), "strided 3x4 at 5 in 32");
  expect(!ng::check_covers("t", "a", 5 + 26, 5, shape, padded, 2).empty(), "strided 3x4 at 5 in 31");
  expect(!ng::check_covers("t", "a", 12, -1, shape, dense, 2).empty(), "negative offset");
  const int64_t negative[2] = {4, -1};
  expect(!ng::check_covers("t", "a", 100, 8, shape, negative, 2).empty(), "negative stride");
  const int64_t empty[2] = {0, 4};
  expect(ng::check_covers("t", "a", 0, 0, empty, dense, 2).empty(), "no elements in an empty buffer");
  // Extents past 2^53 or 64 bits never wrap around to a small "last" element.
  const int64_t two[1] = {2}, huge_stride[1] = {kMax}, past64[1] = {p(62)};
  expect(!ng::check_covers("t", "a", kMax, 0, two, huge_stride, 1).empty(), "stride 2^53 - 1");
  expect(!ng::check_covers("t", "a", kMax, 0, two, past64, 1).empty(), "stride 2^62");
  const int64_t big[2] = {p(30), p(30)}, big_strides[2] = {p(40), p(40)};
  expect(!ng::check_covers("t", "a", kMax, 0, big, big_strides, 2).empty(), "extent 2^70");
  const int64_t one[1] = {1};
  expect(ng::check_covers("t", "a", kMax, kMax - 1, one, huge_stride, 1).empty(), "last element 2^53 - 2");
  expect(!ng::check_covers("t", "a", kMax, kMax, one, huge_stride, 1).empty(), "last element 2^53 - 1 in 2^53 - 1");
}

}  // namespace

int main() {
  test_size();
  test_covers();
  std::printf("checks_test: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
