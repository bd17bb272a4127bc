#!/usr/bin/env bash
# Packs nodegrad (with a prebuilt addon and the wasm module), installs the tarball into an
# empty project, and checks that it works there: on the native backend, and on wasm once
# the addon is removed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
# The prebuild is made for the tarball only: left in the work tree, node-gyp-build would
# load it whenever build/ is being rebuilt, stale or not. prebuildify rebuilds build/ for
# its own target, so the developer's addon is put back afterwards.
cd "$root"
saved="$work/nodegrad.node"
[[ -f build/Release/nodegrad.node ]] && cp build/Release/nodegrad.node "$saved"
restore() {
  rm -rf "$root/prebuilds"
  if [[ -f $saved ]]; then mkdir -p "$root/build/Release" && cp "$saved" "$root/build/Release/nodegrad.node"; fi
  rm -rf "$work"
}
trap restore EXIT

npm run prebuild >/dev/null 2>&1
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) kB)"
tar -tzf "$work/$tarball" | grep -q 'package/dist/nodegrad.wasm' || { echo "dist/nodegrad.wasm is missing from the tarball"; exit 1; }

mkdir "$work/app" && cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund "$work/$tarball" >/dev/null
cat > check.mjs <<'JS'
import * as ng from 'nodegrad';
const sum = ng.tensor([[1, 2], [3, 4]]).matmul(ng.ones([2, 2])).sum().item();
if (sum !== 20) throw new Error(`wrong result ${sum}`);
console.log(ng.getBackend());
JS
backend=$(node check.mjs)
echo "installed package runs on: $backend"
[[ $backend == native/* ]] || { echo "expected the native backend"; exit 1; }

rm -rf node_modules/nodegrad/build node_modules/nodegrad/prebuilds
backend=$(node check.mjs)
echo "with the addon removed it runs on: $backend"
[[ $backend == wasm/simd128 ]] || { echo "expected the wasm fallback"; exit 1; }
