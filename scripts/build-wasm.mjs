// Builds dist/nodegrad.wasm: the kernel sources of native/sources.json plus wasm/entry.cpp,
// compiled by Emscripten into one standalone module with SIMD128 and no JS glue.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = JSON.parse(readFileSync(join(root, 'native/sources.json'), 'utf8'));
const out = join(root, 'dist/nodegrad.wasm');
mkdirSync(dirname(out), { recursive: true });

const exported = [
  'ng_malloc', 'ng_free', 'ng_last_error', 'ng_last_error_length', 'ng_binary', 'ng_reduce',
  'ng_copy_strided', 'ng_cast', 'ng_fill', 'ng_arange', 'ng_random', 'ng_matmul', 'ng_gemm',
  'ng_unary', 'ng_unary_grad', 'ng_where', 'ng_softmax', 'ng_softmax_xent', 'ng_sigmoid_xent', 'ng_gather',
  'ng_optim_step',
  'ng_batch_norm', 'ng_batch_norm_backward',
  'ng_pool',
  'ng_conv2d', 'ng_conv2d_backward',
].map((name) => `_${name}`);

const args = [
  '-std=c++17', '-O3', '-msimd128', '-ffp-contract=off', '-fno-math-errno', '-fno-exceptions',
  '-sSTANDALONE_WASM', '--no-entry',
  '-sALLOW_MEMORY_GROWTH=1', '-sINITIAL_MEMORY=16MB', '-sMAXIMUM_MEMORY=4GB', '-sTOTAL_STACK=1MB',
  `-sEXPORTED_FUNCTIONS=${exported.join(',')}`,
  ...sources.kernels, ...sources.wasm,
  '-o', out,
];

// Debian's emcc needs NODE_PATH to find acorn (see DEVELOPERS.md).
const env = { ...process.env, NODE_PATH: [process.env.NODE_PATH, '/usr/share/nodejs'].filter(Boolean).join(':') };
console.log(`em++ ... -o ${out}`);
try {
  execFileSync('em++', args, { cwd: root, stdio: 'inherit', env });
} catch (e) {
  console.error(e.code === 'ENOENT'
    ? 'build:wasm: em++ not found; install Emscripten (Debian: apt-get install -y emscripten)'
    : `build:wasm: em++ failed (exit ${e.status})`);
  process.exit(1);
}
