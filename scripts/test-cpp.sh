#!/usr/bin/env bash
# The C++ kernel tests (native/tests/), built plain and under AddressSanitizer +
# UndefinedBehaviorSanitizer. --quick keeps them to CI size.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/cpp-tests"
mkdir -p "$out"
cd "$root"
sources=(native/kernels/gemm/*.cpp native/runtime/cpu.cpp native/runtime/thread_pool.cpp)
flags=(-std=c++17 -ffp-contract=off -fno-math-errno -pthread)

g++ "${flags[@]}" -O2 native/tests/gemm_test.cpp "${sources[@]}" -o "$out/gemm_test"
"$out/gemm_test" --quick

g++ "${flags[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  native/tests/gemm_test.cpp "${sources[@]}" -o "$out/gemm_test_asan"
"$out/gemm_test_asan" --quick

bn_sources=(native/kernels/norm/*.cpp native/runtime/cpu.cpp native/runtime/thread_pool.cpp)
g++ "${flags[@]}" -O2 native/tests/batchnorm_test.cpp "${bn_sources[@]}" -o "$out/batchnorm_test"
"$out/batchnorm_test" --quick
g++ "${flags[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  native/tests/batchnorm_test.cpp "${bn_sources[@]}" -o "$out/batchnorm_test_asan"
"$out/batchnorm_test_asan" --quick

pool_sources=(native/kernels/conv/pool*.cpp native/runtime/cpu.cpp native/runtime/checks.cpp native/runtime/thread_pool.cpp)
g++ "${flags[@]}" -O2 native/tests/pool_test.cpp "${pool_sources[@]}" -o "$out/pool_test"
"$out/pool_test" --quick
g++ "${flags[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  native/tests/pool_test.cpp "${pool_sources[@]}" -o "$out/pool_test_asan"
"$out/pool_test_asan" --quick

conv_sources=(native/kernels/conv/*.cpp native/kernels/gemm/*.cpp native/runtime/cpu.cpp native/runtime/checks.cpp
  native/runtime/thread_pool.cpp)
g++ "${flags[@]}" -O2 native/tests/conv_test.cpp "${conv_sources[@]}" -o "$out/conv_test"
"$out/conv_test" --quick

g++ "${flags[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  native/tests/conv_test.cpp "${conv_sources[@]}" -o "$out/conv_test_asan"
"$out/conv_test_asan" --quick
