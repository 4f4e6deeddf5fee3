// Shared test utilities: seeded random numbers and paths to optional real data.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared/datasets next to the repository (absent on machines without research data). */
export const datasetsDir = path.resolve(repoRoot, '..', 'shared', 'datasets');

/** Path of a dataset folder, or undefined (with a logged reason) when it is absent. */
export function sharedDataset(name: string): string | undefined {
  const dir = path.join(datasetsDir, name);
  if (existsSync(dir)) return dir;
  console.warn(`skipping: ${dir} is absent (research data lives in ../shared/datasets)`);
  return undefined;
}

/** mulberry32: a tiny seeded PRNG for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows of a CSR (its `export()`): one line per row, the row id then its column ids, as the line format reads. */
interface CsrRows { rows: number; indptr: Int32Array; indices: Int32Array }

/** Writes each split of `data` as a line-format file `<dir>/<split>.txt` (what `recforge train --train/--test` reads). */
export function writeLineSplits(data: { matrix(split: 'train' | 'test'): { export(): CsrRows } | undefined }, dir: string,
  splits: readonly ('train' | 'test')[] = ['train', 'test']): Record<string, string> {
  const files: Record<string, string> = {};
  for (const split of splits) {
    const m = data.matrix(split)!.export();
    const lines = [];
    for (let u = 0; u < m.rows; u++) lines.push([u, ...m.indices.subarray(m.indptr[u], m.indptr[u + 1])].join(' '));
    files[split] = path.join(dir, `${split}.txt`);
    writeFileSync(files[split], lines.join('\n') + '\n');
  }
  return files;
}
