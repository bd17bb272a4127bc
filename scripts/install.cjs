// npm install hook: use a prebuild or build the addon from source. A failed build is not
// fatal: nodegrad then runs on its WebAssembly backend.
'use strict';
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const bin = require.resolve('node-gyp-build/bin.js');
// node-gyp compiles one file at a time unless JOBS says otherwise: on 2 cores, two at a time
// take 75 s instead of about 150 s. One compiler process per core, within one per GiB of
// memory (the largest kernel files peak at about 400 MB each).
const jobs = Math.max(1, Math.min(os.cpus().length, Math.floor(os.totalmem() / 2 ** 30)));
const env = { ...process.env, JOBS: process.env.JOBS || String(jobs) };
const result = spawnSync(process.execPath, [bin], { stdio: 'inherit', cwd: path.join(__dirname, '..'), env });
if (result.status !== 0) {
  console.warn('nodegrad: the native addon could not be built; the wasm backend will be used.');
}
