// npm install hook: use a prebuild or build the addon from source. A failed build is not
// fatal: nodegrad then runs on its WebAssembly backend.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const bin = require.resolve('node-gyp-build/bin.js');
// node-gyp compiles one file at a time unless JOBS says otherwise: on every core, the build
// takes about half as long (75 s instead of about 150 s on 2 cores).
const env = { ...process.env, JOBS: process.env.JOBS || 'max' };
const result = spawnSync(process.execPath, [bin], { stdio: 'inherit', cwd: path.join(__dirname, '..'), env });
if (result.status !== 0) {
  console.warn('nodegrad: the native addon could not be built; the wasm backend will be used.');
}
