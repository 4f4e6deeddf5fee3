/**
 * Built-in synthetic implicit feedback with planted structure (the embedded default behind
 * `recforge demo`, and a learnable dataset for tests with no files).
 * @module
 */
import { Dataset } from './dataset.js';
import { runNative, type AsyncOptions } from './job.js';
import { addon } from './native.js';

/** Sizes and shape of the generated data. All fields are optional. */
export interface SyntheticOptions {
  /** Number of users (default 2000). */
  users?: number;
  /** Number of items (default 1000). */
  items?: number;
  /** Mean interactions per user (default 30). */
  meanActivity?: number;
  /** Minimum interactions per user (default 5). */
  minActivity?: number;
  /** Pareto exponent of user activity; smaller means a heavier tail (default 2.2, must be > 1). */
  activityExponent?: number;
  /** Zipf exponent of item popularity (default 0.8). */
  popularityExponent?: number;
  /** Dimension of the planted latent factors (default 16). */
  rank?: number;
  /** Weight of the latent match against popularity; 0 gives pure popularity (default 4). */
  affinity?: number;
  /** Share of each user's interactions held out as test (default 0.2). */
  testRatio?: number;
  /** Random seed (default 42). Same seed, same data, whatever the thread count. */
  seed?: number;
  /** Worker threads (default: all cores). */
  threads?: number;
}

/**
 * Generates a seeded synthetic dataset with a train/test split. Each user's items are drawn
 * without replacement with probability ∝ popularity(i)·exp(affinity·⟨x_u, y_i⟩/√rank), where
 * popularity follows a power law and activity a Pareto law.
 */
export async function syntheticDataset(options: SyntheticOptions = {}, run: AsyncOptions = {}): Promise<Dataset> {
  const raw = await runNative(run, (token, progress) => addon().generateSynthetic(options, token, progress));
  return Dataset.fromArrays({ nUsers: raw.nUsers, nItems: raw.nItems, train: raw.train, test: raw.test }, run);
}
