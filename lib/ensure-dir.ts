/**
 * Creating an output folder and its missing parents. Node 20's `mkdir(dir, {recursive: true})`
 * loops forever when a folder cannot be created although its parent exists (e.g. under /proc);
 * this walk is bounded by the path's depth and reports every failure as E_IO naming the folder.
 * @internal
 * @module
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { RecforgeError } from './errors.js';

const ioError = (dir: string, e: unknown) =>
  new RecforgeError('E_IO', `${dir}: cannot create the folder (${(e as Error).message})`, { file: dir, cause: e });

/** Creates `dir` if missing; an existing folder is fine, an existing file is E_IO. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return existingFolder(dir, e);
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw ioError(dir, e);
    await ensureDir(parent);
  }
  try {
    await mkdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return existingFolder(dir, e);
    throw ioError(dir, e);
  }
}

async function existingFolder(dir: string, cause: unknown): Promise<void> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw ioError(dir, cause);
}
