// Shared test utilities: seeded random numbers and paths to optional real data.
import { existsSync } from 'node:fs';
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
