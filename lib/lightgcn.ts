/**
 * LightGCN (He et al., SIGIR 2020) and MF-BPR (its zero-layer case): embedding models whose
 * layer-0 table lives in native memory, trained by a {@link Trainer} and served by
 * {@link LightGCN.recommend}. See ALGORITHMS.md Part A for the exact model.
 *
 * ```ts
 * const model = await LightGCN.create(dataset, { dim: 64, layers: 3, seed: 1 });
 * for await (const e of new Trainer(model).fit({ epochs: 50, evalEvery: 10 })) console.log(e);
 * const top = await model.recommend(42, { k: 10 });   // top.items, top.scores
 * const fast = model.recommendSync(42, { k: 10 });     // synchronous, once the model is warm
 * ```
 * @module
 */
import { resolveDevice, type Device } from './backends.js';
import type { Dataset, IdMap } from './dataset.js';
import { RecforgeError } from './errors.js';
import { callNative, runNative, type AsyncOptions } from './job.js';
import type { EmbeddingModel, EpochEvent, ModelOptions } from './model.js';
import { addon, type NativeLightGcn, type RawFoldInOptions } from './native.js';
import { choiceOption, intOption, numberOption } from './options.js';
import { denseId, denseIdList } from './dense-id.js';
import { memberScoreOffsets, rawEmbedding, resolveEmbedding, type EmbeddingTableOptions, type ModelClusters, type ResolvedEmbedding } from './embedding.js';
import { prefixColumns, prefixDim, type EmbeddingOptions } from './prefix.js';
import type { NewInteractions, PartialFitOptions, PartialFitResult } from './partial-fit.js';
import { similarNeighbours, type Neighbours, type SimilarOptions, type SimilarSource } from './similar.js';
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
  /**
   * The layer-0 table: full (default) or clustered / hashed / frequency-shared rows under a
   * budget (see {@link EmbeddingTableOptions}, docs/cel.md). Clustered tables train on the CPU.
   */
  embedding?: EmbeddingTableOptions;
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
  /**
   * Only these items (dense ids) are candidates: an Int32Array or an array of integers, in any
   * order, duplicates allowed; an empty list leaves no candidates. Scored item by item, so a
   * short list is cheaper than a full scan.
   */
  allow?: Int32Array | readonly number[];
  /** Items (dense ids) never returned, on top of `exclude`; same types as `allow`. */
  deny?: Int32Array | readonly number[];
}

/** Caller-provided result arrays of {@link LightGCN.recommendMany}. */
export interface RecommendOutput {
  /** Receives the items, `users.length × k` row-major (at least that many elements). */
  items: Int32Array;
  /** Receives the scores, same layout as `items`. */
  scores: Float32Array;
}

/** Options of {@link LightGCN.recommendMany}: those of {@link RecommendOptions} plus `out`. */
export interface RecommendManyOptions extends RecommendOptions {
  /** Write the results into these arrays (no allocation for the results) instead of new ones. */
  out?: RecommendOutput;
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

/** The tables a model ranks with ({@link LightGCN.rankingEmbeddings}). */
export interface RankingEmbeddings {
  /** Users x width: the final user embeddings (plus a column of 1 with `embedding.splitScores`). */
  users: Tensor<'float32'>;
  /** Items x width: the final item embeddings (plus the -log(members) column with `embedding.splitScores`). */
  items: Tensor<'float32'>;
}

/** The ranking tables without copies: row-major, `width` columns. @internal */
export interface RankingTables {
  users: Float32Array;
  items: Float32Array;
  width: number;
}

/** Final tables widened by one column, 1 for users and the item's score offset for items. */
function widenForRanking(t: { users: Float32Array; items: Float32Array }, offset: Float32Array, d: number): RankingTables {
  const w = d + 1;
  const widen = (rows: Float32Array, last: (r: number) => number) => {
    const n = rows.length / d, out = new Float32Array(n * w);
    for (let r = 0; r < n; r++) {
      out.set(rows.subarray(r * d, r * d + d), r * w);
      out[r * w + d] = last(r);
    }
    return out;
  };
  return { users: widen(t.users, () => 1), items: widen(t.items, (i) => offset[i]), width: w };
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

/**
 * Options of {@link LightGCN.foldInUser}: how the new user's embedding is found, and the serving
 * options of its recommendations ({@link RecommendOptions}; `exclude: 'train'`, the default,
 * leaves out the items given).
 */
export interface FoldInOptions extends RecommendOptions {
  /**
   * Gradient steps fitting the user's layer-0 row against the frozen item embeddings (BPR, see
   * {@link LightGCN.foldInUser}). Default 0 with propagation layers (the embedding is the
   * propagation from the items alone), 20 without (MF, a Matryoshka MF backbone), where at least
   * one step is needed. An integer in [0, 100000].
   */
  steps?: number;
  /** Size of the pool of negative items the fit ranks the user's items above (default 500). */
  negatives?: number;
  /** L2 weight on the fitted row, >= 0 (default 0.01). */
  reg?: number;
  /** Seed of the negative pool (default: the model's seed); the same seed gives the same bits. */
  seed?: number;
  /**
   * A model whose user table shares rows (`embedding.tables` `'users'` or `'both'`): how the new
   * user's cluster is chosen. `'best'`: the used, unpinned cluster whose row gives the lowest
   * fold-in loss on the user's items (exact over all of them). `'rule'`: the kind's own
   * assignment, which needs no data: `'hashed'` takes the bucket of {@link FoldInOptions.hashId},
   * `'frequency'` the shared last row (a new user has no train interactions, so it ranks last),
   * `'clustered'` the best fit (CEL assigns by loss). Default: `'best'` for `'clustered'`,
   * `'rule'` for `'hashed'` and `'frequency'` (the baselines keep their fixed assignment, so they
   * are compared as they are defined). Ignored for a plain user table.
   */
  assign?: 'best' | 'rule';
  /**
   * A `'hashed'` user table under `assign: 'rule'`: the dense id whose bucket the user joins
   * (default: `nUsers`, the id {@link LightGCN.partialFit} would give the next new user; give
   * distinct ids to spread several new users over buckets). A non-negative integer.
   */
  hashId?: number;
}

/** A user folded into a model by {@link LightGCN.foldInUser}: its embedding and recommendations. */
export interface FoldInResult {
  /** The user's final embedding (model dim floats): items are scored by their inner product with it. */
  embedding: Float32Array;
  /** Dense item ids, best first (fewer than k when fewer candidates remain). */
  items: Int32Array;
  /** Score of each item (on the prefix when `dim` was given, as {@link LightGCN.recommend}). */
  scores: Float32Array;
  /** External item ids, when the data had string ids. */
  itemIds?: string[];
  /** Gradient steps taken (fewer than asked once no step lowers the objective). */
  steps: number;
  /**
   * The fitting objective at the returned embedding (0 without steps). With a shared user table
   * and no residual: the chosen cluster row's fold-in loss.
   */
  loss: number;
  /** A shared user table: the cluster (row of `clusters().users.centers`) the user joined. */
  cluster?: number;
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
  /** Shared-row embedding tables (absent: full tables). */
  embedding?: ResolvedEmbedding;
}

/** Everything a model needs that a Dataset provides (a loaded model owns its Dataset). @internal */
export interface ModelParts {
  native: NativeLightGcn;
  dataset: Dataset;
  ownsDataset: boolean;
  threads: number;
  /** Where the model trains ('auto' already resolved). */
  device: 'cpu' | 'cuda';
  /** Matryoshka levels, validated (Matryoshka models only). */
  levels?: readonly number[];
  /** The validated embedding option (clustered tables only). */
  embedding?: ResolvedEmbedding;
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
  /** Epochs trained so far, oldest first (restored by {@link loadModel} and by resuming). */
  readonly history: EpochEvent[] = [];
  #parts?: ModelParts;
  #config: Readonly<LightGCNConfig>;
  #final?: Promise<{ users: Float32Array; items: Float32Array }>;
  /** With embedding.splitScores: the ranking tables of the same state as #final, widened once. */
  #ranking?: Promise<RankingTables>;
  #ready = false;
  readonly #life = new AbortController();

  /** Use {@link LightGCN.create} or {@link MF.create}. @internal */
  protected constructor(parts: ModelParts) {
    this.#parts = parts;
    this.#config = configOf(parts);
  }

  /** Number of users (rows of the user table; grows with {@link LightGCN.partialFit}). */
  get nUsers(): number {
    return this.#config.users;
  }

  /** Number of items (grows with {@link LightGCN.partialFit}). */
  get nItems(): number {
    return this.#config.items;
  }

  /** The configuration the model was created with (its user and item counts grow with {@link LightGCN.partialFit}). */
  get config(): Readonly<LightGCNConfig> {
    return this.#config;
  }

  /**
   * Builds a model over `dataset`'s train interactions with a seeded N(0, initStd²) table (the
   * same seed gives the same table whatever `threads`). The model keeps what it needs from the
   * dataset: disposing the dataset later does not break the model.
   * `device: 'cuda'` trains on the GPU (needs the CUDA addon and a usable GPU, see
   * {@link listBackends}); `'auto'` (default) picks CUDA when it is available, else CPU.
   * Evaluation, recommendation and saving always run on the CPU from the trained table.
   * @throws RecforgeError E_INVALID_ARG naming a bad option (dim < 1, layers outside [0, 64],
   *   negative or NaN initStd, bad seed/threads, unknown device), E_BACKEND_UNAVAILABLE for
   *   `device: 'cuda'` when CUDA is not available (the message says why), E_DISPOSED for a
   *   disposed dataset.
   */
  static async create(dataset: Dataset, options: LightGCNOptions = {}, run: AsyncOptions = {}): Promise<LightGCN> {
    return new LightGCN(await buildParts(dataset, options, run, false));
  }

  /** `'lightgcn'`, `'mf'` for zero layers (`'mrl'` for a {@link Matryoshka} model). */
  get kind(): 'lightgcn' | 'mf' | 'mrl' {
    return this.config.layers === 0 ? 'mf' : 'lightgcn';
  }

  /**
   * Where the model trains: `'cuda'` (the GPU trainer) or `'cpu'`, resolved at creation from the
   * `device` option. A {@link Trainer} runs its epochs there.
   */
  get device(): 'cpu' | 'cuda' {
    return this.#alive().device;
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

  /**
   * The clustered embedding tables (assignments, cluster rows, residuals, bytes) and the counts of
   * cluster steps, or undefined for full tables.
   * @throws RecforgeError E_BUSY while training runs, E_DISPOSED.
   */
  clusters(): ModelClusters | undefined {
    return this.#alive().native.clusters();
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
   * The tables every full-width ranking of this model scores with (evaluation during fit,
   * recommend, fold-in): the final embeddings, or with `embedding.splitScores` the final
   * embeddings widened by one column, 1 for users and -log(members of the item's row) for items,
   * so that `new Evaluator(dataset).evaluate(r.users, r.items)` ranks exactly as the model does.
   * @throws RecforgeError E_BUSY while training runs, E_DISPOSED.
   */
  async rankingEmbeddings(options: AsyncOptions = {}): Promise<RankingEmbeddings> {
    const t = await this.rankingTables(options);
    return { users: new Tensor(t.users.slice(), [this.nUsers, t.width]), items: new Tensor(t.items.slice(), [this.nItems, t.width]) };
  }

  /** {@link LightGCN.rankingEmbeddings} without the copies (shared, do not mutate). @internal */
  async rankingTables(options: AsyncOptions = {}): Promise<RankingTables> {
    const final = this.finalTables(options);
    const ranking = this.#ranking;  // taken with `final`, so both describe the same state
    const t = await final;
    return ranking ? ranking : { ...t, width: this.dim };
  }

  /**
   * True when the final embeddings of the current table are cached, so {@link LightGCN.recommendSync}
   * can run. False before the first async recommend / {@link LightGCN.warmup} and again after each
   * training epoch or state import.
   */
  get ready(): boolean {
    return this.#ready && this.#parts !== undefined;
  }

  /**
   * Computes and caches the final embeddings off the event loop (a no-op when {@link LightGCN.ready}),
   * so that {@link LightGCN.recommendSync} can serve.
   * @throws RecforgeError E_DISPOSED, E_ABORTED.
   */
  async warmup(options: AsyncOptions = {}): Promise<void> {
    await this.finalTables(options);
  }

  /**
   * Top-k items of one user (a dense id, or an external id when the data had string ids), seen
   * items excluded by default. Fast after the first call: the final embeddings are computed once
   * per model state and cached natively. Options as in {@link RecommendOptions}; once the model is
   * warm, {@link LightGCN.recommendSync} gives the same answer without a thread hop.
   * @throws RecforgeError E_OUT_OF_RANGE for an unknown user or an allow / deny id outside
   *   [0, nItems), E_INVALID_ARG for a bad k, dim or shortlist, E_TYPE for allow / deny of another
   *   type.
   */
  async recommend(user: number | string, options: RecommendOptions = {}): Promise<Recommendation> {
    const dense = this.#denseUser(user);
    const batch = await this.recommendBatch([dense], options);
    let n = 0;
    while (n < batch.k && batch.items[n] >= 0) n++;
    return this.#single(dense, batch.items.slice(0, n), batch.scores.slice(0, n));
  }

  /**
   * The synchronous serving path: the top-k items of one user, computed on the calling thread in
   * tens of microseconds (one SIMD scan over the packed item table with a bounded heap; see
   * bench/README.md), with the same results and bit-identical scores as {@link LightGCN.recommend}.
   * Needs the cached final embeddings: call (and await) {@link LightGCN.warmup}, or any async
   * recommend, once after creating, loading or training the model. While a training epoch runs it
   * serves the embeddings of the last warm state. Options as in {@link RecommendOptions} (the
   * async ones, signal and onProgress, are ignored).
   * @throws RecforgeError E_NOT_READY when the model is not warm, E_OUT_OF_RANGE for an unknown
   *   user or an allow / deny id outside [0, nItems), E_INVALID_ARG for a bad k, dim or shortlist,
   *   E_TYPE for allow / deny of another type, E_DISPOSED.
   */
  recommendSync(user: number | string, options: RecommendOptions = {}): Recommendation {
    const { native } = this.#alive();
    if (!this.#ready)
      throw new RecforgeError('E_NOT_READY', `${MODEL_NAMES[this.kind]} model has no cached final embeddings for its current state: await model.warmup() (or an async recommend) first`);
    const dense = this.#denseUser(user);
    const o = this.#serveOptions(options);
    const r = callNative(() => native.recommendSync(dense, o.k, o.excludeTrain, o.dim, o.shortlist, o.allow, o.deny));
    return this.#single(dense, r.items, r.scores);
  }

  /**
   * Top-k items of many users at once (dense ids), scored on all cores off the event loop; always
   * `users.length × k` results, row-major, padded with item -1 / score -Infinity only where a
   * user has fewer than k candidates. With `options.out` the results are written into the
   * caller's arrays (and those arrays are returned). Without `allow`, users are scored in blocks
   * with the evaluator's tiled micro-kernel and top-K; with `allow`, each user gathers just the
   * allowed items. Options as in {@link RecommendManyOptions}.
   * @throws RecforgeError E_OUT_OF_RANGE for user ids outside [0, nUsers) or allow / deny ids
   *   outside [0, nItems), E_INVALID_ARG for a bad k, dim or shortlist, E_TYPE for allow / deny or
   *   out arrays of another type, E_SHAPE for out arrays shorter than users.length × k, E_DISPOSED.
   */
  async recommendMany(users: ArrayLike<number>, options: RecommendManyOptions = {}): Promise<BatchRecommendation> {
    const o = this.#serveOptions(options);
    const ids = userList(users);
    const n = ids.length, k = o.k;
    const out = options.out;
    if (out !== undefined) {
      if (out === null || typeof out !== 'object' || !(out.items instanceof Int32Array) || !(out.scores instanceof Float32Array))
        throw new RecforgeError('E_TYPE', 'out must be { items: Int32Array, scores: Float32Array }');
      if (out.items.length < n * k || out.scores.length < n * k)
        throw new RecforgeError('E_SHAPE', `out arrays hold ${out.items.length} items and ${out.scores.length} scores; ${n} users × k = ${k} need ${n * k}`);
    }
    const r = await this.#batch(ids, o, options);
    const items = out ? out.items : new Int32Array(n * k);
    const scores = out ? out.scores : new Float32Array(n * k);
    const cols = n > 0 ? r.items.length / n : k;
    if (cols === k) {
      items.set(r.items);
      scores.set(r.scores);
    } else {  // k > nItems: the native lists stop at nItems columns
      for (let q = 0; q < n; q++) {
        items.set(r.items.subarray(q * cols, (q + 1) * cols), q * k);
        scores.set(r.scores.subarray(q * cols, (q + 1) * cols), q * k);
        items.fill(-1, q * k + cols, (q + 1) * k);
        scores.fill(-Infinity, q * k + cols, (q + 1) * k);
      }
    }
    return { users: ids, k, items, scores };
  }

  /**
   * Top-k items of many users at once (dense ids), scored on all cores off the event loop; k is
   * capped at nItems. Options as in {@link RecommendOptions}; {@link LightGCN.recommendMany} is the
   * same with exactly k columns and caller-provided output arrays.
   * @throws RecforgeError E_OUT_OF_RANGE for ids outside [0, nUsers), E_INVALID_ARG for a bad k,
   *   dim (not an integer in [1, model dim]) or shortlist (not an integer >= k, or without dim).
   */
  async recommendBatch(users: ArrayLike<number>, options: RecommendOptions = {}): Promise<BatchRecommendation> {
    const o = this.#serveOptions(options);
    const ids = userList(users);
    const r = await this.#batch(ids, o, options);
    return { users: ids, k: ids.length > 0 ? r.items.length / ids.length : Math.min(o.k, this.nItems), items: r.items, scores: r.scores };
  }

  /**
   * The k items most similar to `item` (a dense id, or an external id when the data had string
   * ids) by the cosine of their final embeddings (`metric: 'dot'` for the inner product; `dim`
   * for a prefix), the item itself never listed, computed off the event loop from the cached final
   * embeddings (see {@link SimilarOptions} for why cosine is the default).
   * @throws RecforgeError E_OUT_OF_RANGE for an unknown item or exclude id, E_INVALID_ARG for a
   *   bad k, dim or metric, E_TYPE for options or exclude of the wrong type, E_DISPOSED, E_ABORTED.
   */
  async similarItems(item: number | string, options: SimilarOptions = {}): Promise<Neighbours> {
    return similarNeighbours(this.#similarSource(), 'item', item, options);
  }

  /**
   * The k users most similar to `user` by the cosine of their final embeddings, the user itself
   * never listed; as {@link LightGCN.similarItems} otherwise.
   * @throws RecforgeError E_OUT_OF_RANGE for an unknown user or exclude id, E_INVALID_ARG for a
   *   bad k, dim or metric, E_TYPE for options or exclude of the wrong type, E_DISPOSED, E_ABORTED.
   */
  async similarUsers(user: number | string, options: SimilarOptions = {}): Promise<Neighbours> {
    return similarNeighbours(this.#similarSource(), 'user', user, options);
  }

  /**
   * Embeds a user who was not in training from the items they interacted with (dense ids, or
   * external ids when the data had string ids; any order, duplicates ignored) and recommends for
   * them, every trained table frozen (the model does not change; see {@link LightGCN.partialFit}
   * to add users for good). Runs off the event loop in about a millisecond per 10 fitting steps.
   *
   * With K propagation layers the user is treated as a new node with edges to its s items, as the
   * model's propagation would: its layer l+1 is Σ_i e_i^(l) / sqrt(s (deg_i + 1)), so its final
   * embedding, the layer mean, is (e_u^(0) + Σ_i P_i / sqrt(s (deg_i + 1))) / (K + 1) with P_i
   * the item's layers 0..K-1 summed. The approximation: the items' layers stay those of the
   * trained graph (the new edges would raise their degrees and feed the user back into their
   * deeper layers, O(1/deg_i) effects). The unknown layer-0 row e_u^(0) is 0, or fitted by
   * `steps` gradient steps. Without layers (MF) the embedding is that fitted row.
   *
   * The fit minimizes the model's BPR loss restricted to the user's row, with the item embeddings
   * frozen: the mean of softplus(score(j) - score(i)) over the user's items i and a seeded pool of
   * `negatives` other items j (a Matryoshka model: averaged over its levels' prefixes), plus
   * reg/2 |e_u^(0)|^2, by gradient descent with a backtracking line search: deterministic for a
   * given seed.
   *
   * A model whose user table shares rows (`embedding.tables` `'users'` or `'both'`, docs/cel.md)
   * has no free row to fit: the user joins one of its clusters ({@link FoldInOptions.assign}) and
   * e_u^(0) is that cluster's row W[c], compared by the same objective's data part (the mean
   * softplus above; the reg term is taken relative to W[c], so it is 0 there). The search is
   * exact: every candidate row is scored, a Jensen lower bound orders them, and exact losses are
   * computed until the bound exceeds the best (ties go to the lower cluster id). With residuals
   * (`embedding.residual`) e_u^(0) = W[c] + δ, δ fitted by `steps` steps on the objective plus
   * reg/2 |δ|^2; without them `steps` is not used (and may be 0 without layers). `cluster` in the
   * result names the row. Propagation layers then work as above from that row. A shared item
   * table needs nothing special (its gathered rows are the item embeddings); with an item bias
   * (`embedding.bias`) the user's last coordinate is held at 1, as in training.
   * @throws RecforgeError E_INVALID_ARG for no items or a bad option (steps 0 without layers and
   *   a free user row, negatives < 1, negative reg, bad assign / hashId / k / dim / shortlist),
   *   E_OUT_OF_RANGE for an unknown item, E_TYPE for items of the wrong type, E_DISPOSED,
   *   E_ABORTED.
   */
  async foldInUser(items: Int32Array | readonly (number | string)[], options: FoldInOptions = {}): Promise<FoldInResult> {
    const o = this.#serveOptions(options);
    const ids = denseIdList(items, 'items', this.nItems, this.itemIds, 'item');
    const e = this.config.embedding;
    const sharedUsers = e !== undefined && e.tables !== 'items';
    const fit: RawFoldInOptions = {
      steps: intOption('steps', options.steps, 0, 100000, this.config.layers > 0 ? 0 : 20),
      negatives: intOption('negatives', options.negatives, 1, 2147483647, 500),
      reg: numberOption('reg', options.reg, 0, 0.01),
      seed: intOption('seed', options.seed, 0, Number.MAX_SAFE_INTEGER, this.config.seed),
      ...(this.config.levels ? { levels: [...this.config.levels] } : {}),
    };
    const assign = choiceOption('assign', options.assign, ['best', 'rule'] as const, e?.kind === 'clustered' ? 'best' : 'rule');
    const hashId = intOption('hashId', options.hashId, 0, Number.MAX_SAFE_INTEGER, this.nUsers);
    if (sharedUsers) Object.assign(fit, { assign, hashId });
    if (fit.steps === 0 && this.config.layers === 0 && !sharedUsers)
      throw new RecforgeError('E_INVALID_ARG', 'steps must be >= 1 for a model without propagation layers: its user row is fitted');
    await this.finalTables(options);
    const { native } = this.#alive();
    const r = await runNative(options, (t, p) =>
      native.foldIn(ids, fit, o.k, o.excludeTrain, o.dim, o.shortlist, o.allow, o.deny, t, p));
    const out: FoldInResult = { embedding: r.embedding, items: r.items, scores: r.scores, steps: r.steps, loss: r.loss };
    if (r.cluster !== undefined) out.cluster = r.cluster;
    const map = this.itemIds;
    if (map) out.itemIds = Array.from(r.items, (i) => map.toExternal[i]);
    return out;
  }

  #similarSource(): SimilarSource {
    const { native, threads } = this.#alive();
    return {
      nUsers: this.nUsers, nItems: this.nItems, dim: this.dim, userIds: this.userIds, itemIds: this.itemIds, threads,
      prepare: (run) => this.finalTables(run), similar: native.similar.bind(native),
    };
  }

  async #batch(ids: Int32Array, o: ServeOptions, run: AsyncOptions): Promise<{ items: Int32Array; scores: Float32Array }> {
    await this.finalTables(run);
    const { native, threads } = this.#alive();
    return runNative(run, (t, p) => native.recommend(ids, o.k, o.excludeTrain, threads, o.dim, o.shortlist, o.allow, o.deny, t, p));
  }

  #serveOptions(options: RecommendOptions): ServeOptions {
    if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
    const k = intOption('k', options.k, 1, 2147483647, 10);
    const dim = prefixDim(options.dim, this.dim);
    if (options.shortlist !== undefined && options.dim === undefined)
      throw new RecforgeError('E_INVALID_ARG', 'shortlist needs dim (the width of the coarse pass)');
    const shortlist = intOption('shortlist', options.shortlist, k, 2147483647, 0);
    const exclude = options.exclude ?? 'train';
    if (exclude !== 'train' && exclude !== 'none')
      throw new RecforgeError('E_INVALID_ARG', `exclude must be 'train' or 'none', got ${JSON.stringify(exclude)}`);
    return { k, dim, shortlist, excludeTrain: exclude === 'train', allow: itemList('allow', options.allow), deny: itemList('deny', options.deny) };
  }

  #single(user: number, items: Int32Array, scores: Float32Array): Recommendation {
    const out: Recommendation = { user, items, scores };
    const ids = this.itemIds;
    if (ids) out.itemIds = Array.from(items, (i) => ids.toExternal[i]);
    return out;
  }

  /**
   * Adds interactions, growing the tables for user and item ids the model has not seen, and trains
   * a few epochs on them without retraining from scratch. After it, the new ids can be recommended
   * for and recommended, and recommendations leave out the new interactions like any train pair.
   *
   * Ids: with string ids (the data had an {@link IdMap}), a string the map lacks is a new id,
   * numbered after the existing ones in order of first appearance; without, a dense number >=
   * nUsers (nItems) is new, and the new numbers must continue from nUsers (nItems) without gaps.
   * New rows are drawn from the model's init (its `init` and `initStd`).
   *
   * Training: each epoch runs every new pair once plus `replay` times as many pairs drawn
   * uniformly from all train pairs (old and new), each with a uniform negative, through the
   * model's BPR step (its layers and, for a Matryoshka model, its nested objective) with a fresh
   * optimizer, on the CPU. New rows move most; the replayed pairs keep fitting the rest of the
   * model so it does not drift towards the new interactions alone. Propagation runs over the new
   * graph, so new edges also reach their neighbours' embeddings.
   *
   * The model then owns a new dataset (its train split with the new pairs, its test / validation
   * splits kept), available as {@link LightGCN.dataset}; a dataset passed to `create` is left as it
   * was. A {@link Trainer}'s next `fit` on the model starts a fresh optimizer run.
   * @throws RecforgeError E_TYPE / E_SHAPE for interactions that are not two id lists of one
   *   length, E_EMPTY for no pairs, E_OUT_OF_RANGE for an id that is neither known nor a valid new
   *   one (naming the entry), E_INVALID_ARG for a bad option, E_BUSY while a fit runs, E_ABORTED,
   *   E_DISPOSED.
   */
  async partialFit(interactions: NewInteractions, options: PartialFitOptions = {}): Promise<PartialFitResult> {
    const { partialFit } = await import('./partial-fit.js');  // dynamic: partial-fit imports the Trainer, which imports this module
    return partialFit(this, interactions, options);
  }

  /**
   * Takes over `dataset` after the native model grew onto its graph (partialFit): the shape
   * follows the native model, the old dataset is disposed when the model owned it. @internal
   */
  adoptGrown(dataset: Dataset): void {
    const parts = this.#alive();
    if (parts.ownsDataset && parts.dataset !== dataset) parts.dataset.dispose();
    parts.dataset = dataset;
    parts.ownsDataset = true;
    this.#config = configOf(parts);
    this.markChanged();
  }

  /** Frees native memory now; a running training epoch is cancelled (fit then throws E_DISPOSED). */
  dispose(): void {
    const parts = this.#parts;
    if (!parts) return;
    this.#parts = undefined;
    this.#final = undefined;
    this.#ranking = undefined;
    this.#ready = false;
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
    this.#ranking = undefined;
    this.#ready = false;
  }

  /** Final embeddings, computed once per table state (shared, do not mutate). @internal */
  finalTables(options: AsyncOptions = {}): Promise<{ users: Float32Array; items: Float32Array }> {
    const { native, threads, embedding } = this.#alive();
    if (!this.#final) {
      let offset: Float32Array | undefined;
      if (embedding?.splitScores) {
        // Row sizes change with every split and reassignment: offsets follow the current table.
        offset = memberScoreOffsets(native.clusters()!.items);
        native.setItemScoreOffset(offset);
      }
      const pending: Promise<{ users: Float32Array; items: Float32Array }> = runNative(
        { signal: options.signal }, (t, p) => native.finalEmbeddings(threads, t, p),
      ).then((tables) => {
        if (this.#final === pending) this.#ready = true;  // the native cache now holds this state
        return tables;
      });
      this.#final = pending;
      this.#ranking = offset && pending.then((t) => widenForRanking(t, offset, this.dim));
      this.#ranking?.catch(() => undefined);  // a failure is reported through #final
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

/** The configuration of a model, read from its native side (levels from its parts). */
function configOf(parts: ModelParts): Readonly<LightGCNConfig> {
  const i = parts.native.info();
  const config: LightGCNConfig = { users: i.users, items: i.items, dim: i.dim, layers: i.layers, initStd: i.initStd, init: i.init, seed: i.seed };
  if (parts.levels) config.levels = Object.freeze([...parts.levels]);
  if (parts.embedding) config.embedding = parts.embedding;
  return Object.freeze(config);
}

/** Validated serving options. */
interface ServeOptions {
  k: number;
  dim: number;
  shortlist: number;
  excludeTrain: boolean;
  allow?: Int32Array;
  deny?: Int32Array;
}

/** Dense user ids as an Int32Array (E_OUT_OF_RANGE for values that are not int32). */
function userList(users: ArrayLike<number>): Int32Array {
  if (users instanceof Int32Array) return users;
  if (users === null || typeof users !== 'object' || typeof users.length !== 'number')
    throw new RecforgeError('E_TYPE', 'users must be an Int32Array or an array of user ids');
  const ids = Int32Array.from(users);
  for (let q = 0; q < users.length; q++)
    if (ids[q] !== users[q]) throw new RecforgeError('E_OUT_OF_RANGE', `users[${q}] = ${users[q]} is not a valid user id`);
  return ids;
}

/** An allow / deny list as an Int32Array (the native side checks the range). */
function itemList(name: string, v: unknown): Int32Array | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Int32Array) return v;
  if (!Array.isArray(v)) throw new RecforgeError('E_TYPE', `${name} must be an Int32Array or an array of item ids`);
  const out = new Int32Array(v.length);
  for (let j = 0; j < v.length; j++) {
    const x: unknown = v[j];
    if (typeof x !== 'number') throw new RecforgeError('E_TYPE', `${name}[${j}] must be a number, got ${typeof x}`);
    if (!Number.isInteger(x) || x < -2147483648 || x > 2147483647)
      throw new RecforgeError('E_OUT_OF_RANGE', `${name}[${j}] = ${x} is not a valid item id`);
    out[j] = x;
  }
  return out;
}

/**
 * The device a LightGCN-family model trains on. LightGCN / MF: `'auto'` is CUDA when available,
 * an explicit `'cuda'` must be available. Matryoshka models train on CPU only (the GPU trainer has
 * no Matryoshka objective), so `'auto'` is CPU for them and `'cuda'` is refused.
 * @internal
 */
export function modelDevice(device: Device | undefined, family: 'lightgcn' | 'mrl'): 'cpu' | 'cuda' {
  if (family === 'mrl') {
    if (device === 'cuda')
      throw new RecforgeError('E_BACKEND_UNAVAILABLE',
        "device 'cuda' is not available for Matryoshka models: the GPU trainer has no Matryoshka objective (use device 'cpu' or 'auto')");
    return resolveDevice(device === undefined || device === 'auto' ? 'cpu' : device);
  }
  return resolveDevice(device);
}

/** Creates the native model over a dataset. @internal */
export async function buildParts(dataset: Dataset, options: LightGCNOptions, run: AsyncOptions, ownsDataset: boolean,
  family: 'lightgcn' | 'mrl' = 'lightgcn'): Promise<ModelParts> {
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  const device = modelDevice(options.device, family);
  const threads = intOption('threads', options.threads, 0, 4096, 0);
  const graph = await dataset.graph(run);
  const embedding = resolveEmbedding(options.embedding);
  if (embedding?.splitScores && family === 'mrl')
    throw new RecforgeError('E_INVALID_ARG', 'embedding.splitScores is not available for Matryoshka models (its offset column has no prefix)');
  if (embedding && device === 'cuda' && options.device === 'cuda')
    throw new RecforgeError('E_INVALID_ARG', "clustered embedding tables train on the CPU only (use device 'cpu' or 'auto')");
  const config = {
    dim: options.dim ?? 64, layers: options.layers ?? 3, initStd: options.initStd ?? 0.1, init: options.init ?? 'normal',
    seed: options.seed ?? 0, ...(embedding ? { embedding: rawEmbedding(embedding) } : {}),
  };
  const native = await runNative(run, (t, p) => addon().createLightGcn(graph, config, threads, t, p));
  return { native, dataset, ownsDataset, threads, device: embedding ? 'cpu' : device, embedding };
}
