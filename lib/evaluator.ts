/**
 * Full-ranking top-K evaluation of embedding recommenders (and popularity / random baselines)
 * against a Dataset's held-out interactions. Scoring, masking and top-K run natively on all
 * cores without materializing the users × items score matrix.
 *
 * Protocol (LightGCN / NGCF): every user with at least one ground-truth item is scored against
 * all items; the user's train items (and, when evaluating on test, validation items) are never
 * recommended; ties rank the lower item id first; metrics are unweighted means over users.
 * @module
 */
import type { Dataset } from './dataset.js';
import { RecforgeError } from './errors.js';
import { runNative, type AsyncOptions } from './job.js';
import type { EmbeddingModel } from './model.js';
import { addon, type NativeCancelToken, type NativeCsr, type NativeEvalResult, type NativeExtraMask } from './native.js';
import { levelKey, prefixDims } from './prefix.js';
import { describe, expectMatrix } from './tensor.js';
import type { Tensor } from './tensor.js';

/** Ranking metrics (binary relevance; T = the user's ground-truth items, hits = |top-K ∩ T|).
 * - `precision`: hits / K
 * - `recall`: hits / |T|
 * - `ndcg`: DCG / IDCG, DCG = Σ_{r≤K} rel_r / log2(r+1), IDCG over min(K, |T|) hits
 * - `hitrate`: 1 if hits > 0
 * - `map`: (1 / min(K, |T|)) Σ_{r≤K} rel_r · precision@r
 * - `mrr`: 1 / rank of the first hit within K, else 0
 */
export type MetricName = 'precision' | 'recall' | 'ndcg' | 'hitrate' | 'map' | 'mrr';

/** Every metric, in the order results list them. */
export const METRIC_NAMES: readonly MetricName[] = Object.freeze(['precision', 'recall', 'ndcg', 'hitrate', 'map', 'mrr']);

/** Options of {@link Evaluator}. */
export interface EvaluatorOptions {
  /** Cutoff(s), each an integer in [1, nItems] (default 20). Duplicates are ignored. */
  k?: number | number[];
  /** Metrics to report (default: all of {@link METRIC_NAMES}). */
  metrics?: MetricName[];
  /** Worker threads (default 0 = all cores). Results do not depend on it. */
  threads?: number;
  /** Also return every evaluated user's value of every metric (default false). */
  perUser?: boolean;
  /** Ground truth split (default `'test'`). On test, validation items are masked too. */
  on?: 'test' | 'validation';
  /**
   * Which items may be ranked (default `'all'`). `'train'`: only items with at least one train
   * interaction, for every method (models and baselines) alike. An item that never occurs in
   * train has an untrained embedding row, and where a model's scores for unseen items are mostly
   * negative (word2vec-style models with popular negatives) those rows, near 0, can fill the
   * lists. `'train'` is the catalog of protocols that build the item set from the train split (the
   * Interact2Vec authors'). Ground truth is unchanged: a test item absent from train counts as a
   * miss, so the figures stay comparable across methods.
   */
  catalog?: 'all' | 'train';
}

/** Per-user values: `values['recall@20'][j]` belongs to user `users[j]`. */
export interface PerUserMetrics {
  /** Evaluated user ids (those with at least one ground-truth item), ascending. */
  users: Int32Array;
  /** One array per `metric@k` key, aligned with `users`. */
  values: Record<string, Float32Array>;
}

/** Options of {@link Evaluator.evaluate} and {@link Evaluator.evaluateModel}. */
export interface EvaluateOptions extends AsyncOptions {
  /**
   * Also evaluate every prefix width in this list (strictly increasing integers in [1, dim]),
   * for nested-dimension ("Matryoshka") embeddings whose first d coordinates form a model of
   * their own. All widths are scored in one pass (the cost of about one full-width evaluation)
   * and reported under keys `${metric}@${k}/d${dim}`, e.g. `recall@20/d4`, next to the
   * full-width keys, which stay exactly what an evaluation without `dims` gives.
   */
  dims?: number[];
}

/**
 * `{'recall@20': 0.18, 'ndcg@20': 0.15, ...}`, plus `'recall@20/d4'`-style keys for each prefix
 * width when evaluated with `dims`, plus `perUser` (full width only) when asked for.
 */
export type EvaluationResult = { [key: `${string}@${number}` | `${string}@${number}/d${number}`]: number } & {
  /** Every evaluated user's values, when the Evaluator was created with `perUser: true`. */
  perUser?: PerUserMetrics;
};

/**
 * Evaluates recommenders on one Dataset with fixed cutoffs and metrics.
 *
 * ```ts
 * const ev = new Evaluator(dataset, { k: [10, 20] });
 * const r = await ev.evaluate(userEmb, itemEmb);   // r['recall@20'], r['ndcg@10'], ...
 * ```
 */
export class Evaluator {
  /** The cutoffs, ascending. */
  readonly ks: readonly number[];
  /** The reported metrics. */
  readonly metrics: readonly MetricName[];
  readonly #data: Dataset;
  readonly #threads: number;
  readonly #perUser: boolean;
  readonly #on: 'test' | 'validation';
  /** With catalog 'train': flags of the items with no train interaction, once the graph is built. */
  #excluded?: Uint8Array;
  readonly #excludedReady?: Promise<Uint8Array>;

  /**
   * @throws RecforgeError E_INVALID_ARG for a bad cutoff (not an integer, ≤ 0 or > nItems), an
   *   unknown metric or a bad thread count; E_EMPTY when the dataset has no such split.
   */
  constructor(dataset: Dataset, options: EvaluatorOptions = {}) {
    this.#data = dataset;
    const k = options.k ?? 20;
    const ks = Array.isArray(k) ? k : [k];
    if (ks.length === 0) throw new RecforgeError('E_INVALID_ARG', 'k must list at least one cutoff');
    for (const v of ks)
      if (!Number.isInteger(v) || v <= 0 || v > dataset.nItems)
        throw new RecforgeError('E_INVALID_ARG', `k must be an integer in [1, ${dataset.nItems}] (the number of items), got ${String(v)}`);
    this.ks = Object.freeze([...new Set(ks)].sort((a, b) => a - b));
    const metrics = options.metrics ?? [...METRIC_NAMES];
    if (!Array.isArray(metrics) || metrics.length === 0)
      throw new RecforgeError('E_INVALID_ARG', 'metrics must list at least one metric');
    for (const m of metrics)
      if (!METRIC_NAMES.includes(m))
        throw new RecforgeError('E_INVALID_ARG', `unknown metric '${String(m)}'; known: ${METRIC_NAMES.join(', ')}`);
    this.metrics = Object.freeze([...new Set(metrics)]);
    const threads = options.threads ?? 0;
    if (!Number.isInteger(threads) || threads < 0 || threads > 4096)
      throw new RecforgeError('E_INVALID_ARG', `threads must be an integer in [0, 4096], got ${String(threads)}`);
    this.#threads = threads;
    this.#perUser = options.perUser ?? false;
    this.#on = options.on ?? 'test';
    if (this.#on !== 'test' && this.#on !== 'validation')
      throw new RecforgeError('E_INVALID_ARG', `on must be 'test' or 'validation', got ${String(this.#on)}`);
    if (!dataset.matrix(this.#on)) throw new RecforgeError('E_EMPTY', `dataset has no ${this.#on} split to evaluate on`);
    const catalog = options.catalog ?? 'all';
    if (catalog !== 'all' && catalog !== 'train')
      throw new RecforgeError('E_INVALID_ARG', `catalog must be 'all' or 'train', got ${String(catalog)}`);
    if (catalog === 'train') {
      // Item degrees come from the (cached) graph, built off the event loop; started now so the
      // first evaluation rarely waits.
      this.#excludedReady = dataset.graph().then((g) => {
        const degree = g.degrees('items');
        const flags = new Uint8Array(degree.length);
        for (let i = 0; i < degree.length; i++) flags[i] = degree[i] === 0 ? 1 : 0;
        return (this.#excluded = flags);
      });
      this.#excludedReady.catch(() => undefined);  // reported by the evaluation that needs it
    }
  }

  /**
   * Scores every user against every item by inner product of the two tables.
   * @param userEmb - [nUsers, dim] float32 Tensor (copied before the promise is returned)
   * @param itemEmb - [nItems, dim] float32 Tensor
   * @param options - `dims`: also report each prefix width (see {@link EvaluateOptions})
   * @throws RecforgeError E_TYPE (not a float32 Tensor), E_SHAPE (rows differ from the dataset
   *   or widths differ), E_NONFINITE (NaN/Inf in either table), E_INVALID_ARG (dims not strictly
   *   increasing integers in [1, dim]), E_ABORTED.
   */
  async evaluate(userEmb: Tensor, itemEmb: Tensor, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    const du = expectMatrix(userEmb, 'userEmb', this.#data.nUsers);
    const dv = expectMatrix(itemEmb, 'itemEmb', this.#data.nItems);
    if (du !== dv) throw new RecforgeError('E_SHAPE', `userEmb has width ${du} but itemEmb has width ${dv}`);
    if (du === 0) throw new RecforgeError('E_SHAPE', 'embeddings must have at least one column');
    if (options.dims !== undefined) return this.#evaluatePrefixes(userEmb, itemEmb, du, prefixDims(options.dims, du), options);
    const [u, v] = await this.#settled(userEmb, itemEmb);
    const t = this.#targets();
    const raw = await runNative(options, (tok, p) =>
      addon().evaluate(u, v, du, t.truth, t.mask, t.extra, [...this.ks], this.#threads, tok, p),
    );
    return this.#shape(raw);
  }

  /** Evaluates a model's final embeddings, at full width and at each of `options.dims` (see {@link evaluate}). */
  async evaluateModel(model: EmbeddingModel, options: EvaluateOptions = {}): Promise<EvaluationResult> {
    if (model === null || typeof model !== 'object' || typeof model.userEmbeddings !== 'function')
      throw new RecforgeError('E_TYPE', `model must be an EmbeddingModel, got ${describe(model)}`);
    const run: AsyncOptions = { signal: options.signal, onProgress: options.onProgress };
    const [u, v] = await Promise.all([model.userEmbeddings(run), model.itemEmbeddings(run)]);
    return this.evaluate(u, v, options);
  }

  /**
   * Full width plus every prefix in one native pass: the widths scored are `dims`, with the full
   * width appended when it is not already the last, so the full-width keys come from the same
   * kernel and summation order as a plain evaluation (bit-identical values).
   */
  async #evaluatePrefixes(userEmb: Tensor, itemEmb: Tensor, width: number, dims: number[],
    options: AsyncOptions): Promise<EvaluationResult> {
    const levels = dims[dims.length - 1] === width ? dims : [...dims, width];
    const [u, v] = await this.#settled(userEmb, itemEmb);
    const t = this.#targets();
    const raws = await runNative(options, (tok, p) =>
      addon().evaluatePrefixes(u, v, width, levels, t.truth, t.mask, t.extra, [...this.ks], this.#threads, tok, p),
    );
    const out = this.#shape(raws[raws.length - 1]);
    dims.forEach((d, l) => {
      const raw = raws[l];
      const nk = raw.ks.length;
      for (const name of this.metrics) {
        const m = raw.metrics.indexOf(name);
        raw.ks.forEach((k, j) => {
          out[levelKey(name, k, d)] = raw.mean[m * nk + j];
        });
      }
    });
    return out;
  }

  /** Most-popular baseline: every user gets the items with the most train interactions. */
  async popularity(options: AsyncOptions = {}): Promise<EvaluationResult> {
    return this.#baseline('popularity', 0, options);
  }

  /** Random baseline: a seeded uniform score per (user, item); same seed, same result. */
  async random(seed = 0, options: AsyncOptions = {}): Promise<EvaluationResult> {
    if (!Number.isInteger(seed) || seed < 0 || seed > 2147483647)
      throw new RecforgeError('E_INVALID_ARG', `seed must be an integer in [0, 2147483647], got ${String(seed)}`);
    return this.#baseline('random', seed, options);
  }

  async #baseline(kind: 'popularity' | 'random', seed: number, options: AsyncOptions): Promise<EvaluationResult> {
    await this.#excludedReady;
    const t = this.#targets();
    const train = this.#data.matrix('train')!;
    const raw = await runNative(options, (tok, p) =>
      addon().evaluateBaseline(kind, seed, train, t.truth, t.mask, t.extra, [...this.ks], this.#threads, tok, p),
    );
    return this.#shape(raw);
  }

  /**
   * Runs a native evaluation (a model's own scorer) over this evaluator's split, masks, cutoffs
   * and threads, and shapes its result like {@link evaluate}'s. @internal
   */
  async evaluateWith(
    start: (truth: NativeCsr, mask: NativeCsr | null, extra: NativeExtraMask, ks: number[], threads: number,
      token: NativeCancelToken, progress?: (f: number) => void) => Promise<NativeEvalResult>,
    options: AsyncOptions = {},
  ): Promise<EvaluationResult> {
    await this.#excludedReady;
    const t = this.#targets();
    const raw = await runNative(options, (tok, p) => start(t.truth, t.mask, t.extra, [...this.ks], this.#threads, tok, p));
    return this.#shape(raw);
  }

  /**
   * The tables' data, after the catalog flags are ready: as given when they already are (the
   * addon copies them synchronously), otherwise copied first, so a caller may still reuse its
   * tensors as soon as evaluate() returns its promise.
   */
  async #settled(userEmb: Tensor, itemEmb: Tensor): Promise<[Float32Array, Float32Array]> {
    const u = userEmb.data as Float32Array, v = itemEmb.data as Float32Array;
    if (!this.#excludedReady || this.#excluded) return [u, v];
    const copies: [Float32Array, Float32Array] = [u.slice(), v.slice()];
    await this.#excludedReady;
    return copies;
  }

  /**
   * Ground truth and masks for the configured split (throws E_DISPOSED after dataset.dispose()).
   * With catalog 'train' the extra mask carries the never-ranked items' flags (call after
   * `#excludedReady` settled).
   */
  #targets(): { truth: NativeCsr; mask: NativeCsr | null; extra: NativeExtraMask } {
    const truth = this.#data.matrix(this.#on);
    if (!truth) throw new RecforgeError('E_EMPTY', `dataset has no ${this.#on} split to evaluate on`);
    const extra = this.#on === 'test' ? this.#data.matrix('validation') ?? null : null;
    return {
      truth,
      mask: this.#data.matrix('train') ?? null,
      extra: this.#excluded ? { mask: extra, excludedItems: this.#excluded } : extra,
    };
  }

  /** Picks the requested metrics out of the native layout; per-user arrays are views, not copies. */
  #shape(raw: NativeEvalResult): EvaluationResult {
    const out: EvaluationResult = {};
    const nk = raw.ks.length;
    const nu = raw.users.length;
    const values: Record<string, Float32Array> = {};
    for (const name of this.metrics) {
      const m = raw.metrics.indexOf(name);
      raw.ks.forEach((k, j) => {
        const key = `${name}@${k}` as const;
        out[key] = raw.mean[m * nk + j];
        if (this.#perUser) values[key] = raw.perUser.subarray((m * nk + j) * nu, (m * nk + j + 1) * nu);
      });
    }
    if (this.#perUser) out.perUser = { users: raw.users, values };
    return out;
  }
}
