/**
 * LightGCN (He et al., SIGIR 2020) and MF-BPR (its zero-layer case): embedding models whose
 * layer-0 table lives in native memory, trained by a {@link Trainer} and served by
 * {@link LightGCN.recommend}. See ALGORITHMS.md Part A for the exact model.
 *
 * ```ts
 * const model = await LightGCN.create(dataset, { dim: 64, layers: 3, seed: 1 });
 * for await (const e of new Trainer(model).fit({ epochs: 50, evalEvery: 10 })) console.log(e);
 * const top = await model.recommend(42, { k: 10 });   // top.items, top.scores
 * ```
 * @module
 */
import { resolveDevice } from './backends.js';
import type { Dataset, IdMap } from './dataset.js';
import { RecforgeError } from './errors.js';
import { runNative, type AsyncOptions } from './job.js';
import type { EmbeddingModel, EpochEvent, ModelOptions } from './model.js';
import { addon, type NativeLightGcn } from './native.js';
import { intOption } from './options.js';
import { denseId } from './dense-id.js';
import { prefixColumns, prefixDim, type EmbeddingOptions } from './prefix.js';
import { Tensor } from './tensor.js';

/** Options of {@link LightGCN.create}. */
export interface LightGCNOptions extends ModelOptions {
  /** Propagation layers K (default 3; 0 is MF-BPR). Integer in [0, 64]. */
  layers?: number;
  /** Standard deviation of the N(0, std²) initial table (default 0.1 as the PyTorch port; the TF code uses 0.01). */
  initStd?: number;
  /**
   * Initial table: `'normal'` (N(0, initStd²), default) or `'xavier'` (Xavier-uniform per table,
   * U(-b, b) with b = sqrt(6 / (rows + dim)), as the MRL4Rec code).
   */
  init?: 'normal' | 'xavier';
}

const MODEL_NAMES = { lightgcn: 'LightGCN', mf: 'MF', mrl: 'Matryoshka' } as const;

/** Options of {@link LightGCN.recommend} and {@link LightGCN.recommendBatch}. */
export interface RecommendOptions extends AsyncOptions {
  /** Number of items per user (default 10). */
  k?: number;
  /** `'train'` (default) never recommends the user's train items; `'none'` ranks every item. */
  exclude?: 'train' | 'none';
  /**
   * Score with the first `dim` coordinates only (an integer in [1, model dim]; default: all),
   * i.e. serve a nested-dimension model at a smaller size. With `shortlist`, the width of the
   * coarse pass instead.
   */
  dim?: number;
  /**
   * Coarse-to-fine retrieval: take the best `shortlist` items by the `dim`-prefix score, rerank
   * them by the full-width score and return the top k of those (an integer >= k; needs `dim`).
   * Returned scores are then full-width scores.
   */
  shortlist?: number;
}

/** One user's recommendations, best first. */
export interface Recommendation {
  /** Dense user id. */
  user: number;
  /** Dense item ids (fewer than k when the user has fewer unseen items). */
  items: Int32Array;
  /** Score (inner product of final embeddings, on the prefix when `dim` was given) of each item. */
  scores: Float32Array;
  /** External item ids, when the data had string ids. */
  itemIds?: string[];
}

/** Recommendations of many users as two `users.length × k` row-major tables. */
export interface BatchRecommendation {
  /** Dense user ids, one per row. */
  users: Int32Array;
  /** Columns per row. */
  k: number;
  /** Item of row u, rank r at `items[u * k + r]`; -1 where the user has fewer than k candidates. */
  items: Int32Array;
  /** Matching scores; -Infinity where `items` is -1. */
  scores: Float32Array;
}

/** The configuration a LightGCN model was built with. */
export interface LightGCNConfig {
  /** Number of users. */
  users: number;
  /** Number of items. */
  items: number;
  /** Embedding width. */
  dim: number;
  /** Propagation layers (0 = MF-BPR). */
  layers: number;
  /** Standard deviation of the initial table (for `init: 'normal'`). */
  initStd: number;
  /** How the initial table was drawn. */
  init: 'normal' | 'xavier';
  /** Seed of the initial table. */
  seed: number;
  /** Nested prefix sizes of a {@link Matryoshka} model (absent for plain LightGCN / MF). */
  levels?: readonly number[];
}

/** Everything a model needs that a Dataset provides (a loaded model owns its Dataset). @internal */
export interface ModelParts {
  native: NativeLightGcn;
  dataset: Dataset;
  ownsDataset: boolean;
  threads: number;
  /** Matryoshka levels, validated (Matryoshka models only). */
  levels?: readonly number[];
}

/**
 * A LightGCN model: user and item embeddings are the mean of K propagations of a trained
 * layer-0 table over the normalized train graph. Create with {@link LightGCN.create} (or
 * {@link loadModel}); train with {@link Trainer}. Every heavy operation runs off the event loop.
 *
 * Operations that read the table (`userEmbeddings`, `recommend` after training, saving) while a
 * training epoch runs are refused with `E_BUSY` rather than racing with it.
 */
export class LightGCN implements EmbeddingModel {
  readonly nUsers: number;
  readonly nItems: number;
  /** The configuration the model was created with. */
  readonly config: Readonly<LightGCNConfig>;
  /** Epochs trained so far, oldest first (restored by {@link loadModel} and by resuming). */
  readonly history: EpochEvent[] = [];
  #parts?: ModelParts;
  #final?: Promise<{ users: Float32Array; items: Float32Array }>;
  readonly #life = new AbortController();

  /** Use {@link LightGCN.create} or {@link MF.create}. @internal */
  protected constructor(parts: ModelParts) {
    this.#parts = parts;
    const i = parts.native.info();
    const config: LightGCNConfig = { users: i.users, items: i.items, dim: i.dim, layers: i.layers, initStd: i.initStd, init: i.init, seed: i.seed };
    if (parts.levels) config.levels = Object.freeze([...parts.levels]);
    this.config = Object.freeze(config);
    this.nUsers = i.users;
    this.nItems = i.items;
  }

  /**
   * Builds a model over `dataset`'s train interactions with a seeded N(0, initStd²) table (the
   * same seed gives the same table whatever `threads`). The model keeps what it needs from the
   * dataset: disposing the dataset later does not break the model.
   * @throws RecforgeError E_INVALID_ARG naming a bad option (dim < 1, layers outside [0, 64],
   *   negative or NaN initStd, bad seed/threads), E_BACKEND_UNAVAILABLE for `device: 'cuda'`
   *   without CUDA, E_DISPOSED for a disposed dataset.
   */
  static async create(dataset: Dataset, options: LightGCNOptions = {}, run: AsyncOptions = {}): Promise<LightGCN> {
    return new LightGCN(await buildParts(dataset, options, run, false));
  }

  /** `'lightgcn'`, `'mf'` for zero layers (`'mrl'` for a {@link Matryoshka} model). */
  get kind(): 'lightgcn' | 'mf' | 'mrl' {
    return this.config.layers === 0 ? 'mf' : 'lightgcn';
  }

  /** Embedding width. */
  get dim(): number {
    return this.config.dim;
  }

  /** The dataset the model was created from (for a loaded model: its train interactions). */
  get dataset(): Dataset {
    return this.#alive().dataset;
  }

  /** External user ids, when the data had string ids. */
  get userIds(): IdMap | undefined {
    return this.#parts?.dataset.userIds;
  }

  /** External item ids, when the data had string ids. */
  get itemIds(): IdMap | undefined {
    return this.#parts?.dataset.itemIds;
  }

  /** Worker threads used for propagation and recommendation (0 = all cores). */
  get threads(): number {
    return this.#alive().threads;
  }

  /** True after {@link LightGCN.dispose}. */
  get disposed(): boolean {
    return this.#parts === undefined;
  }

  /**
   * Final user embeddings (a copy), or their first `options.dim` columns.
   * @throws RecforgeError E_INVALID_ARG for a dim outside [1, dim], E_DISPOSED.
   */
  async userEmbeddings(options: EmbeddingOptions = {}): Promise<Tensor<'float32'>> {
    const d = prefixDim(options.dim, this.dim);
    const t = await this.finalTables(options);
    return prefixColumns(t.users, this.nUsers, this.dim, d);
  }

  /**
   * Final item embeddings (a copy), or their first `options.dim` columns.
   * @throws RecforgeError E_INVALID_ARG for a dim outside [1, dim], E_DISPOSED.
   */
  async itemEmbeddings(options: EmbeddingOptions = {}): Promise<Tensor<'float32'>> {
    const d = prefixDim(options.dim, this.dim);
    const t = await this.finalTables(options);
    return prefixColumns(t.items, this.nItems, this.dim, d);
  }

  /**
   * Top-k items of one user (a dense id, or an external id when the data had string ids), seen
   * items excluded by default. Fast after the first call: the final embeddings are computed once
   * per model state and cached natively. `dim` and `shortlist` as in {@link RecommendOptions}.
   * @throws RecforgeError E_OUT_OF_RANGE for an unknown user, E_INVALID_ARG for a bad k, dim or
   *   shortlist.
   */
  async recommend(user: number | string, options: RecommendOptions = {}): Promise<Recommendation> {
    const dense = this.#denseUser(user);
    const batch = await this.recommendBatch([dense], options);
    let n = 0;
    while (n < batch.k && batch.items[n] >= 0) n++;
    const out: Recommendation = { user: dense, items: batch.items.slice(0, n), scores: batch.scores.slice(0, n) };
    const ids = this.itemIds;
    if (ids) out.itemIds = Array.from(out.items, (i) => ids.toExternal[i]);
    return out;
  }

  /**
   * Top-k items of many users at once (dense ids), scored on all cores off the event loop.
   * `dim` and `shortlist` as in {@link RecommendOptions}.
   * @throws RecforgeError E_OUT_OF_RANGE for ids outside [0, nUsers), E_INVALID_ARG for a bad k,
   *   dim (not an integer in [1, model dim]) or shortlist (not an integer >= k, or without dim).
   */
  async recommendBatch(users: ArrayLike<number>, options: RecommendOptions = {}): Promise<BatchRecommendation> {
    const k = intOption('k', options.k, 1, 2147483647, 10);
    const dim = prefixDim(options.dim, this.dim);
    if (options.shortlist !== undefined && options.dim === undefined)
      throw new RecforgeError('E_INVALID_ARG', 'shortlist needs dim (the width of the coarse pass)');
    const shortlist = intOption('shortlist', options.shortlist, k, 2147483647, 0);
    const exclude = options.exclude ?? 'train';
    if (exclude !== 'train' && exclude !== 'none')
      throw new RecforgeError('E_INVALID_ARG', `exclude must be 'train' or 'none', got ${JSON.stringify(exclude)}`);
    const ids = users instanceof Int32Array ? users : Int32Array.from(users);
    if (!(users instanceof Int32Array))
      for (let q = 0; q < users.length; q++)
        if (ids[q] !== users[q]) throw new RecforgeError('E_OUT_OF_RANGE', `users[${q}] = ${users[q]} is not a valid user id`);
    await this.finalTables(options);
    const { native, threads } = this.#alive();
    const r = await runNative(options, (t, p) => native.recommend(ids, k, exclude === 'train', threads, dim, shortlist, t, p));
    return { users: ids, k: ids.length > 0 ? r.items.length / ids.length : Math.min(k, this.nItems), items: r.items, scores: r.scores };
  }

  /** Frees native memory now; a running training epoch is cancelled (fit then throws E_DISPOSED). */
  dispose(): void {
    const parts = this.#parts;
    if (!parts) return;
    this.#parts = undefined;
    this.#final = undefined;
    this.#life.abort();
    parts.native.dispose();
    if (parts.ownsDataset) parts.dataset.dispose();
  }

  /** The native model. @internal */
  native(): NativeLightGcn {
    return this.#alive().native;
  }

  /** Aborts when the model is disposed, so jobs on it stop. @internal */
  get lifeSignal(): AbortSignal {
    return this.#life.signal;
  }

  /** Drops the cached final embeddings after the table changed. @internal */
  markChanged(): void {
    this.#final = undefined;
  }

  /** Final embeddings, computed once per table state (shared, do not mutate). @internal */
  finalTables(options: AsyncOptions = {}): Promise<{ users: Float32Array; items: Float32Array }> {
    const { native, threads } = this.#alive();
    if (!this.#final) {
      const pending = runNative({ signal: options.signal }, (t, p) => native.finalEmbeddings(threads, t, p));
      this.#final = pending;
      pending.catch(() => {
        if (this.#final === pending) this.#final = undefined;
      });
    }
    return this.#final;
  }

  #denseUser(user: number | string): number {
    return denseId(user, this.nUsers, this.userIds, 'user');
  }

  #alive(): ModelParts {
    if (!this.#parts) throw new RecforgeError('E_DISPOSED', `${MODEL_NAMES[this.kind]} model was disposed`);
    return this.#parts;
  }

  /** Wraps native parts (used by {@link loadModel}). @internal */
  static fromParts(parts: ModelParts): LightGCN {
    return parts.native.info().layers === 0 ? new MF(parts) : new LightGCN(parts);
  }
}

/**
 * MF-BPR: matrix factorization trained with BPR, i.e. {@link LightGCN} with zero layers (the
 * final embeddings are the trained table itself).
 */
export class MF extends LightGCN {
  /**
   * Builds an MF model; options as {@link LightGCN.create} without `layers` (always 0).
   * @throws RecforgeError E_INVALID_ARG when `layers` is given and not 0, plus those of LightGCN.create.
   */
  static override async create(dataset: Dataset, options: LightGCNOptions = {}, run: AsyncOptions = {}): Promise<MF> {
    if (options.layers !== undefined && options.layers !== 0)
      throw new RecforgeError('E_INVALID_ARG', `layers must be 0 for MF (use LightGCN for ${String(options.layers)} layers)`);
    return new MF(await buildParts(dataset, { ...options, layers: 0 }, run, false));
  }
}

/** Creates the native model over a dataset. @internal */
export async function buildParts(dataset: Dataset, options: LightGCNOptions, run: AsyncOptions, ownsDataset: boolean): Promise<ModelParts> {
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  // 'auto' means CPU until LightGCN has CUDA kernels; an explicit 'cuda' is refused either way.
  if (resolveDevice(options.device === 'auto' ? 'cpu' : options.device) === 'cuda')
    throw new RecforgeError('E_BACKEND_UNAVAILABLE', "device 'cuda' is not available for LightGCN: no CUDA kernels in this build");
  const threads = intOption('threads', options.threads, 0, 4096, 0);
  const graph = await dataset.graph(run);
  const config = {
    dim: options.dim ?? 64, layers: options.layers ?? 3, initStd: options.initStd ?? 0.1, init: options.init ?? 'normal',
    seed: options.seed ?? 0,
  };
  const native = await runNative(run, (t, p) => addon().createLightGcn(graph, config, threads, t, p));
  return { native, dataset, ownsDataset, threads };
}
