import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export type FileData = Uint8Array | string;

/**
 * @internal Fault injection for tests: called after each file is written and synced into
 * its temporary place, and just before the commit rename. A throw there is a failed write.
 */
export const atomicHooks: {
  afterWrite: ((path: string) => void | Promise<void>) | null;
  beforeCommit: ((target: string) => void | Promise<void>) | null;
} = { afterWrite: null, beforeCommit: null };

function tempName(path: string, kind: string): string {
  return join(dirname(path), `.${basename(path)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Where writeDirAtomic() parks the previous directory while it swaps in the new one. */
export function backupPath(dir: string): string {
  const abs = resolve(dir);
  return join(dirname(abs), `.${basename(abs)}.ng-backup`);
}

async function exists(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await lstat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** fsync a directory so a rename in it is durable (not possible on every platform: best effort). */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows cannot open directories; EISDIR/EPERM there: the rename itself is still atomic.
  } finally {
    await fh?.close();
  }
}

/** Writes data to a new file and fsyncs it. */
async function writeSynced(path: string, data: FileData): Promise<void> {
  const fh = await open(path, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await atomicHooks.afterWrite?.(path);
}

/**
 * Replaces `path` with `data` atomically: the data goes to a temporary file in the same
 * directory, is fsynced, and is renamed over `path`. Readers see the old file or the new
 * one, never a partial one; a failure leaves the old file as it was.
 */
export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  if ((await exists(target)) === 'dir') throw new Error(`writeFileAtomic: ${target} is a directory`);
  const tmp = tempName(target, 'tmp');
  try {
    await writeSynced(tmp, data);
    await atomicHooks.beforeCommit?.(target);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(target));
}

export interface WriteDirOptions {
  /**
   * Names (besides those being written) that an existing directory may hold and that
   * the new directory drops. An existing directory holding anything else is refused,
   * so a save never deletes unrelated files.
   */
  replaceable?: readonly string[];
}

/**
 * Writes a directory of files atomically: the files are written and fsynced in a
 * temporary sibling directory, which then takes the place of `dir` by rename. An existing
 * `dir` is first renamed to a backup and removed once the new one is in place. A failure
 * at any point leaves the previous directory intact; a crash between the two renames
 * leaves it at backupPath(dir), where readers (and the next write) find it.
 * Files are written in the order given: put the manifest last.
 */
export async function writeDirAtomic(dir: string, files: readonly (readonly [string, FileData])[],
  options: WriteDirOptions = {}): Promise<void> {
  const op = 'writeDirAtomic';
  const target = resolve(dir);
  for (const [name] of files) {
    if (name !== basename(name) || name === '.' || name === '..' || name === '') throw new Error(`${op}: invalid file name '${name}'`);
  }
  await mkdir(dirname(target), { recursive: true });
  const backup = backupPath(target);
  let kind = await exists(target);
  if (kind === null && (await exists(backup)) === 'dir') {
    // A previous write crashed between its two renames: put the last good directory back first.
    await rename(backup, target);
    kind = 'dir';
  }
  if (kind === 'file') throw new Error(`${op}: ${target} exists and is not a directory`);
  if (kind === 'dir') {
    const allowed = new Set([...files.map(([n]) => n), ...(options.replaceable ?? [])]);
    const foreign = (await readdir(target)).filter((n) => !allowed.has(n));
    if (foreign.length > 0) {
      throw new Error(`${op}: refusing to replace ${target}: it holds files that are not part of this save `
        + `(${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); choose a new or empty directory`);
    }
  }
  await rm(backup, { recursive: true, force: true });
  const tmp = tempName(target, 'ng-tmp');
  try {
    await mkdir(tmp);
    for (const [name, data] of files) await writeSynced(join(tmp, name), data);
    await syncDir(tmp);
    await atomicHooks.beforeCommit?.(target);
    if (kind === 'dir') {
      await rename(target, backup);
      try {
        await rename(tmp, target);
      } catch (err) {
        await rename(backup, target);
        throw err;
      }
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await syncDir(dirname(target));
  await rm(backup, { recursive: true, force: true });
}

/**
 * The directory to read a model from: `dir` itself, or, when a write crashed between its
 * two renames and `dir` is gone, the backup holding the last complete version.
 */
export async function resolveDirForRead(dir: string): Promise<string> {
  const target = resolve(dir);
  if ((await exists(target)) !== null) return target;
  const backup = backupPath(target);
  if ((await exists(backup)) === 'dir') return backup;
  return target;
}
