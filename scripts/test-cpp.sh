#!/usr/bin/env bash
# The C++ kernel tests (native/tests/), built plain and under AddressSanitizer +
# UndefinedBehaviorSanitizer, then run with --quick (CI size). Each source is compiled once
# per variant, in parallel, one per core; a failed build or test fails the script.
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
  [checks]="native/tests/checks_test.cpp native/runtime/checks.cpp"
)

jobs=$(nproc 2>/dev/null || echo 2)
obj() {  # variant source -> its object file
  local o=${2//\//_}
  echo "$out/obj/$1/${o%.cpp}.o"
}
compile() {  # variant source
  local extra=(-O2)
  [[ $1 == asan ]] && extra=("${asan[@]}")
  g++ "${flags[@]}" "${extra[@]}" -c "$2" -o "$(obj "$1" "$2")"
}
link() {  # name variant
  local srcs objs=() extra=()
  read -r -a srcs <<<"$(eval echo "${tests[$1]}")"
  for src in "${srcs[@]}" "${runtime[@]}"; do objs+=("$(obj "$2" "$src")"); done
  [[ $2 == asan ]] && extra=("${asan[@]}")
  g++ "${flags[@]}" "${extra[@]}" "${objs[@]}" -o "$out/${1}_test_$2"
}

# Every source once per variant (the GEMM's serve both gemm_test and conv_test), in
# parallel, one per core, the microkernels (the longest builds) first; then the links.
mapfile -t sources < <(for name in "${!tests[@]}"; do eval printf '%s\\n' "${tests[$name]}"; done; printf '%s\n' "${runtime[@]}")
mapfile -t sources < <(printf '%s\n' "${sources[@]}" | sort -u | awk '{ print (/microkernel_/ ? 0 : 1), $0 }' | sort -k1,1n -s | cut -d' ' -f2)
pids=()
for variant in plain asan; do
  mkdir -p "$out/obj/$variant"
  for src in "${sources[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
    compile "$variant" "$src" &
    pids+=($!)
  done
done
for pid in "${pids[@]}"; do wait "$pid"; done
for name in "${!tests[@]}"; do
  for variant in plain asan; do link "$name" "$variant"; done
done

# The C++ benchmarks (bench/native/, built by hand from the lines at their tops) must keep
# building against the kernels: each is compiled and linked here, against the plain
# objects, and not run.
declare -A benches=(
  [conv]="native/kernels/conv/*.cpp native/kernels/gemm/*.cpp native/runtime/checks.cpp"
  [gemm]="native/kernels/gemm/*.cpp"
  [batchnorm]="native/kernels/norm/*.cpp"
)
for name in "${!benches[@]}"; do
  read -r -a srcs <<<"$(eval echo "${benches[$name]}")"
  objs=()
  for src in "${srcs[@]}" "${runtime[@]}"; do objs+=("$(obj plain "$src")"); done
  g++ "${flags[@]}" -O2 -I. "bench/native/${name}_bench.cpp" "${objs[@]}" -o "$out/${name}_bench"
done

# Run them in parallel too, each into its own log, printed in a fixed order, the longest
# first. The sanitized GEMM test is the longest by far (about 3 minutes): one process per
# ISA path (gemm_test --isa), so that the cores share it. Each run: name, variant, then its
# extra arguments.
runs=()
for isa in scalar avx2 avx512 simd128 neon; do runs+=("gemm asan --isa $isa"); done
for name in gemm conv $(printf '%s\n' "${!tests[@]}" | grep -vx -e gemm -e conv | sort); do
  for variant in asan plain; do
    [[ $name == gemm && $variant == asan ]] || runs+=("$name $variant")
  done
done
status=0
pids=()
logs=()
for run in "${runs[@]}"; do
  read -r name variant extra <<<"$run"
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  log="$out/${name}_${variant}${extra:+_${extra##* }}.log"
  # shellcheck disable=SC2086 # $extra is split into arguments on purpose
  "$out/${name}_test_$variant" --quick $extra >"$log" 2>&1 &
  pids+=($!)
  logs+=("$log")
done
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then result=ok; else result=FAILED; status=1; fi
  echo "== ${runs[$i]}: $result"
  [[ $result == ok ]] && tail -n 1 "${logs[$i]}" || cat "${logs[$i]}"
done
exit $status
