// npm install hook: use a prebuild or build the addon from source. A failed build is not
// fatal: nodegrad then runs on its WebAssembly backend.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const bin = require.resolve('node-gyp-build/bin.js');
const result = spawnSync(process.execPath, [bin], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
if (result.status !== 0) {
  console.warn('nodegrad: the native addon could not be built; the wasm backend will be used.');
}
