#!/usr/bin/env bash
# The C++ kernel tests (native/tests/), built plain and under AddressSanitizer +
# UndefinedBehaviorSanitizer, then run with --quick (CI size). The builds run in parallel,
# one per core; a failed build or test fails the script.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/cpp-tests"
mkdir -p "$out"
cd "$root"
runtime=(native/runtime/cpu.cpp native/runtime/thread_pool.cpp native/runtime/scratch.cpp)
flags=(-std=c++17 -ffp-contract=off -fno-math-errno -pthread)
asan=(-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all)

# name: test source, then the kernel sources it links
declare -A tests=(
  [gemm]="native/tests/gemm_test.cpp native/kernels/gemm/*.cpp"
  [batchnorm]="native/tests/batchnorm_test.cpp native/kernels/norm/*.cpp"
  [pool]="native/tests/pool_test.cpp native/kernels/conv/pool*.cpp native/runtime/checks.cpp"
  [conv]="native/tests/conv_test.cpp native/kernels/conv/*.cpp native/kernels/gemm/*.cpp native/runtime/checks.cpp"
)

jobs=$(nproc 2>/dev/null || echo 2)
build() {  # name variant
  local name=$1 variant=$2 srcs
  read -r -a srcs <<<"$(eval echo "${tests[$name]}")"
  local extra=(-O2)
  [[ $variant == asan ]] && extra=("${asan[@]}")
  g++ "${flags[@]}" "${extra[@]}" "${srcs[@]}" "${runtime[@]}" -o "$out/${name}_test_$variant"
}

pids=()
for name in "${!tests[@]}"; do
  for variant in plain asan; do
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
    build "$name" "$variant" &
    pids+=($!)
  done
done
for pid in "${pids[@]}"; do wait "$pid"; done

# Run them in parallel too, each into its own log, printed in a fixed order.
status=0
pids=()
names=()
for name in gemm batchnorm pool conv; do
  for variant in plain asan; do
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
    "$out/${name}_test_$variant" --quick >"$out/${name}_$variant.log" 2>&1 &
    pids+=($!)
    names+=("${name}_test ($variant)")
  done
done
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then result=ok; else result=FAILED; status=1; fi
  log="$out/$(echo "${names[$i]}" | sed 's/_test (\(.*\))/_\1/').log"
  echo "== ${names[$i]}: $result"
  [[ $result == ok ]] && tail -n 1 "$log" || cat "$log"
done
exit $status
