// One list of C++ sources: binding.gyp, CMakeLists.txt and the wasm build all read
// native/sources.json, and every source file on disk is in it.
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const sources = JSON.parse(readFileSync(join(root, 'native/sources.json'), 'utf8')) as Record<string, string[]>;

function cppFilesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.cpp'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('the source list', () => {
  it('lists every .cpp of the kernels, runtime, bindings and wasm entry exactly once', () => {
    const listed = [...sources.kernels!, ...sources.napi!, ...sources.wasm!];
    expect(new Set(listed).size).toBe(listed.length);
    const onDisk = [...cppFilesUnder('native/kernels'), ...cppFilesUnder('native/runtime'),
      ...cppFilesUnder('native/napi'), ...cppFilesUnder('wasm')];
    expect(listed.slice().sort()).toEqual(onDisk.sort());
  });

  it('binding.gyp expands to the kernels and napi groups', () => {
    const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8'));
    const command = /^<!@\((.*)\)$/.exec(gyp.targets[0].sources[0])![1]!;
    expect(gyp.targets[0].sources).toHaveLength(1);
    const expanded = execSync(command, { cwd: root, encoding: 'utf8' }).trim().split(/\s+/);
    expect(expanded).toEqual([...sources.kernels!, ...sources.napi!]);
  });

  it('CMakeLists.txt reads the same groups from the same file', () => {
    const cmake = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
    expect(cmake).toContain('file(READ "${CMAKE_CURRENT_SOURCE_DIR}/native/sources.json"');
    expect(cmake).toMatch(/foreach\(group kernels napi\)/);
    expect(cmake).not.toMatch(/\.cpp/);
  });

  it('the wasm build reads the kernels and wasm groups', () => {
    const script = readFileSync(join(root, 'scripts/build-wasm.mjs'), 'utf8');
    expect(script).toContain('...sources.kernels, ...sources.wasm');
  });
});
