/**
 * MRL4Rec (Lai et al., 2024): Matryoshka embeddings whose first d_k coordinates are a complete,
 * coarser representation on their own, for every level d_1 < ... < d_K. Trained by
 * {@link Trainer} with a BPR loss on every prefix and Matryoshka negative sampling (each level
 * picks its own hardest candidate at its own prefix). See ALGORITHMS.md Part B section 1.
 *
 * ```ts
 * const model = await Matryoshka.create(dataset, { levels: [4, 8, 16, 32, 64], seed: 1 });
 * const trainer = new Trainer(model, { matryoshka: { candidates: 16 } });
 * for await (const e of trainer.fit({ epochs: 300, evalEvery: 5, k: [10, 20] })) console.log(e.metrics);
 * ```
 * @module
 */
import type { Dataset } from './dataset.js';
import { RecforgeError } from './errors.js';
import type { AsyncOptions } from './job.js';
import { LightGCN, buildParts, type LightGCNOptions, type ModelParts } from './lightgcn.js';

/** The paper's nesting list for 64-d embeddings. */
export const DEFAULT_LEVELS: readonly number[] = Object.freeze([4, 8, 16, 32, 64]);

/** Options of {@link Matryoshka.create}. */
export interface MatryoshkaOptions extends Omit<LightGCNOptions, 'layers'> {
  /**
   * Nested prefix sizes, strictly increasing integers in [1, dim] (default [4, 8, 16, 32, 64]
   * for dim 64; for another dim: 4, 8, 16, ... below dim, then dim).
   */
  levels?: readonly number[];
  /** `'mf'` (default, the authors' released setting) or `'lightgcn'`. */
  backbone?: 'mf' | 'lightgcn';
  /** Propagation layers of the LightGCN backbone (default 3; must be 0 or absent for `'mf'`). */
  layers?: number;
}

/**
 * A Matryoshka (MRL4Rec) model: a {@link LightGCN} / MF backbone whose embeddings are nested, so
 * any level's prefix can be evaluated, served and exported on its own. `init` defaults to
 * `'xavier'` (the authors' code).
 */
export class Matryoshka extends LightGCN {
  /**
   * Builds a model over `dataset`'s train interactions.
   * @throws RecforgeError E_INVALID_ARG naming a bad option (levels not strictly increasing,
   *   outside [1, dim] or empty; layers with the MF backbone; unknown backbone), plus those of
   *   {@link LightGCN.create}. Matryoshka models train on CPU only: `device: 'auto'` is CPU and
   *   `device: 'cuda'` is E_BACKEND_UNAVAILABLE (the GPU trainer has no Matryoshka objective).
   */
  static override async create(dataset: Dataset, options: MatryoshkaOptions = {}, run: AsyncOptions = {}): Promise<Matryoshka> {
    if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
    const backbone = options.backbone ?? 'mf';
    if (backbone !== 'mf' && backbone !== 'lightgcn')
      throw new RecforgeError('E_INVALID_ARG', `backbone must be 'mf' or 'lightgcn', got ${JSON.stringify(backbone)}`);
    if (backbone === 'mf' && options.layers !== undefined && options.layers !== 0)
      throw new RecforgeError('E_INVALID_ARG', `layers must be 0 with the MF backbone (use backbone: 'lightgcn' for ${String(options.layers)} layers)`);
    const dim = options.dim ?? 64;
    const levels = validateLevels(options.levels ?? defaultLevels(dim), dim);
    const layers = backbone === 'mf' ? 0 : options.layers ?? 3;
    const parts = await buildParts(dataset, { ...options, layers, init: options.init ?? 'xavier' }, run, false, 'mrl');
    return new Matryoshka({ ...parts, levels });
  }

  override get kind(): 'mrl' {
    return 'mrl';
  }

  /** The nested prefix sizes, ascending. */
  get levels(): readonly number[] {
    return this.config.levels ?? [];
  }

  /** `'mf'` for zero layers, else `'lightgcn'`. */
  get backbone(): 'mf' | 'lightgcn' {
    return this.config.layers === 0 ? 'mf' : 'lightgcn';
  }

  /** Wraps native parts whose levels come from a model file (used by {@link loadModel}). @internal */
  static override fromParts(parts: ModelParts): Matryoshka {
    if (!parts.levels) throw new RecforgeError('E_INTERNAL', 'Matryoshka parts without levels');
    return new Matryoshka({ ...parts, levels: validateLevels(parts.levels, parts.native.info().dim) });
  }
}

/** 4, 8, 16, ... (doubling while below dim), then dim itself. */
export function defaultLevels(dim: number): number[] {
  if (dim === 64) return [...DEFAULT_LEVELS];
  const out: number[] = [];
  for (let d = 4; d < dim; d *= 2) out.push(d);
  out.push(dim);
  return out;
}

/**
 * Checks a nesting list against the embedding width; returns a frozen copy.
 * @throws RecforgeError E_INVALID_ARG naming the offending entry.
 */
export function validateLevels(levels: readonly number[], dim: number): readonly number[] {
  if (!Array.isArray(levels) || levels.length === 0) throw new RecforgeError('E_INVALID_ARG', 'levels must be a non-empty array of integers');
  levels.forEach((d, k) => {
    if (!Number.isInteger(d) || d < 1 || d > dim)
      throw new RecforgeError('E_INVALID_ARG', `levels[${k}] = ${String(d)} is not an integer in [1, ${dim}]`);
    if (k > 0 && d <= levels[k - 1])
      throw new RecforgeError('E_INVALID_ARG', `levels must be strictly increasing (levels[${k}] = ${d} after ${levels[k - 1]})`);
  });
  return Object.freeze([...levels]);
}
