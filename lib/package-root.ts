import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The nodegrad package directory, whether running from lib/ (sources) or dist/lib/ (built). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'nodegrad') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('nodegrad: cannot find the package root');
    dir = parent;
  }
}
