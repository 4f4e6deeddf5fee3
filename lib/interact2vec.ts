/**
 * Interact2Vec (Pires & Almeida, Applied Soft Computing 2025): skip-gram with negative sampling
 * where the user is the "word" and every item the user interacted with is a context, learning
 * user and item embeddings together at a cost linear in the number of interactions. Trained by
 * word2vec-style Hogwild SGD (default) or by the authors' mini-batch Adam; see ALGORITHMS.md
 * Part B section 2.
 *
 * ```ts
 * const model = await Interact2Vec.create(dataset, { dim: 64, negatives: 5, alpha: -0.5, seed: 1 });
 * for await (const e of model.fit({ epochs: 30, evalEvery: 10 })) console.log(e.epoch, e.loss, e.metrics?.['recall@20']);
 * const top = await model.recommend(42, { k: 10, scoring: 'cosine' });
 * const like = await model.similarItems(7, { k: 20 });
 * await saveModel(model, 'i2v.safetensors');  // loadModel gives it back (docs/model-format.md)
 * ```
 * @module
 */
import { resolveDevice } from './backends.js';
import type { Dataset, IdMap } from './dataset.js';
import { RecforgeError, isRecforgeError } from './errors.js';
import { Evaluator, type EvaluationResult, type MetricName } from './evaluator.js';
import { runNative, throwIfAborted, type AsyncOptions } from './job.js';
import type { FoldInResult, Recommendation } from './lightgcn.js';
import type { EmbeddingModel, EpochEvent, FitOptions, ModelOptions } from './model.js';
import { rawEmbedding, resolveEmbedding, type EmbeddingTableOptions, type ModelClusters, type ResolvedEmbedding } from './embedding.js';
import { addon, type NativeInteract2Vec, type RawClusterImport, type RawInteract2VecConfig, type RawInteract2VecOptions } from './native.js';
import { choiceOption, intOption, numberOption } from './options.js';
import { denseId, denseIdList } from './dense-id.js';
import { prefixColumns, prefixDim, type EmbeddingOptions } from './prefix.js';
import { similarNeighbours, type Neighbours, type SimilarOptions } from './similar.js';
import { Tensor } from './tensor.js';

/** Options of {@link Interact2Vec.create}: the model and how {@link Interact2Vec.fit} trains it. */
export interface Interact2VecOptions extends ModelOptions {
  /** Negative items per kept interaction, K (default 5). Integer in [1, 1000]. */
  negatives?: number;
  /**
   * Negatives are drawn with probability proportional to (item count)^alpha, any finite alpha
   * (default -0.5). Negative values sample rare items more often and keep popularity information;
   * word2vec's 0.75 tends to fall to the popularity baseline for top-N recommendation.
   */
  alpha?: number;
  /** Subsampling threshold rho of the word2vec keep rule (default 0 = keep every interaction). */
  subsample?: number;
  /** `'once'` (default, the reference code): one draw before training; `'epoch'`: a fresh draw each epoch (word2vec). */
  subsampleMode?: 'once' | 'epoch';
  /** Initial tables: `'uniform'` (default, U(-initRange, initRange) for both) or `'word2vec'` (users U(-0.5/dim, 0.5/dim), items 0). */
  init?: 'uniform' | 'word2vec';
  /** Half-width of the uniform initial tables (default 0.05, the reference code). */
  initRange?: number;
  /** `'sgd'` (default): Hogwild SGD with linear learning-rate decay; `'adam'`: the reference's mini-batch Adam. */
  optimizer?: 'sgd' | 'adam';
  /** Learning rate: SGD's initial rate, Adam's constant rate (default 0.025 for both). */
  lr?: number;
  /** SGD: the rate never falls below lr × minLrRatio (default 1e-4, word2vec). */
  minLrRatio?: number;
  /** Adam: rows (positives and negatives mixed) per step (default 8192). */
  batchRows?: number;
  /**
   * Adam: `'shuffled'` (default: steadier; measured in bench/README.md) or `'user'` (rows streamed
   * in user order, a user's positives then their negatives: the reference code, whose Keras `fit`
   * on a generator does not shuffle).
   */
  adamRowOrder?: 'shuffled' | 'user';
  /** Adam: L2 weight λ on both whole tables (default 1e-6). */
  l2?: number;
  /** SGD: weight of the item-item objective (items of the same user predict each other; default 0 = off). */
  itemItemWeight?: number;
  /**
   * The user and item tables: full (default) or clustered / hashed / frequency-shared rows under
   * a budget, as on LightGCN (see {@link EmbeddingTableOptions}, docs/cel.md; `bias` is for MF
   * only). SGD updates the cluster rows through the assignments, Adam scatters each step's row
   * gradients into them; a step of the CEL schedule is an SGD block of 8192 interactions or an
   * Adam batch.
   */
  embedding?: EmbeddingTableOptions;
}

/** How {@link Interact2Vec.recommend}, {@link Interact2Vec.evaluate} and fit's evaluation score a user-item pair. */
export interface ScoringOptions {
  /** `'dot'` (default; the model's own score σ(u·v) ranks the same), `'cosine'`, `'knn'` or `'blend'`. */
  scoring?: Interact2VecScoring;
  /**
   * knn / blend: neighbour-list length per item (default 64, as the authors). The lists cost
   * O(items² · dim) to build; they are kept until the next training epoch or another length.
   */
  neighbours?: number;
  /** blend: weight of the user-item cosine, in [0, 1] (default 0.5); knn gets the rest. */
  userWeight?: number;
}

/** Options of {@link Interact2Vec.evaluate}. */
export interface Interact2VecEvaluateOptions extends ScoringOptions, AsyncOptions {}

/** Options of {@link Interact2Vec.fit}. */
export interface Interact2VecFitOptions extends FitOptions, ScoringOptions {
  /** Cutoffs of the evaluation run every `evalEvery` epochs (default 20). */
  k?: number | number[];
  /** Metrics of that evaluation (default: all). */
  metrics?: MetricName[];
  /** Split evaluated: `'test'` (default) or `'validation'`. */
  on?: 'test' | 'validation';
  /** Items the evaluations may rank: `'all'` (default) or `'train'` (see {@link EvaluatorOptions.catalog}). */
  catalog?: 'all' | 'train';
}

/** One epoch of {@link Interact2Vec.fit}. */
export interface Interact2VecEpochEvent extends EpochEvent {
  /** Interactions trained on this epoch (after subsampling). */
  kept: number;
  /** SGD: the learning rate at the end of the epoch; Adam: its constant rate. */
  lr: number;
}

/**
 * How a user-item pair is scored: `'dot'` (U_u · V_j), `'cosine'`, `'knn'` (item-based: the mean
 * over the user's train items i of cos(V_i, V_j), counted only when j is among i's `neighbours`
 * most similar items) or `'blend'` (userWeight × cosine + (1 − userWeight) × knn).
 */
export type Interact2VecScoring = 'dot' | 'cosine' | 'knn' | 'blend';

/** Options of {@link Interact2Vec.recommend}. */
export interface Interact2VecRecommendOptions extends ScoringOptions, AsyncOptions {
  /** Number of items (default 10). */
  k?: number;
  /** `'train'` (default) never recommends the user's train items; `'none'` ranks every item. */
  exclude?: 'train' | 'none';
}

/**
 * Options of {@link Interact2Vec.foldInUser}: how the new user's vector is fitted, and how its
 * recommendations are ranked.
 */
export interface Interact2VecFoldInOptions extends AsyncOptions {
  /** Number of items (default 10). */
  k?: number;
  /** `'train'` (default) never recommends the items given; `'none'` ranks every item. */
  exclude?: 'train' | 'none';
  /**
   * `'dot'` (default) or `'cosine'`, as {@link Interact2Vec.recommend}; `'knn'` and `'blend'`
   * are refused (E_INVALID_ARG).
   */
  scoring?: Interact2VecScoring;
  /** Gradient steps fitting the user vector against the frozen item vectors, an integer in [1, 100000] (default 20). */
  steps?: number;
  /** Size of the seeded pool of negative items (default 500). */
  negatives?: number;
  /** L2 weight on the fitted vector, >= 0 (default 0.01). */
  reg?: number;
  /** Seed of the negative pool and of the starting vector (default: the model's seed). */
  seed?: number;
}

/** The configuration an Interact2Vec model was built with. */
export interface Interact2VecConfig {
  /** Number of users. */
  users: number;
  /** Number of items. */
  items: number;
  /** Embedding width. */
  dim: number;
  /** How the initial tables were drawn. */
  init: 'uniform' | 'word2vec';
  /** Half-width of the uniform initial tables. */
  initRange: number;
  /** Seed of the initial tables and of training. */
  seed: number;
  /** Shared-row embedding tables (absent: full tables). */
  embedding?: ResolvedEmbedding;
}

/**
 * The training hyperparameters of an Interact2Vec model (its {@link Interact2VecOptions} with
 * defaults filled in), stored in model files so a loaded model trains on the same way.
 */
export interface Interact2VecTraining {
  /** Negative items per kept interaction, K. */
  negatives: number;
  /** Exponent of the negative-sampling distribution (item count)^alpha. */
  alpha: number;
  /** Subsampling threshold rho (0 = off). */
  subsample: number;
  /** One subsampling draw per run (`'once'`) or per epoch (`'epoch'`). */
  subsampleMode: 'once' | 'epoch';
  /** `'sgd'` (Hogwild, linear decay) or `'adam'` (the reference's mini-batch Adam). */
  optimizer: 'sgd' | 'adam';
  /** SGD's initial rate, Adam's constant rate. */
  lr: number;
  /** SGD: floor of the rate as a fraction of lr. */
  minLrRatio: number;
  /** Adam: rows per step. */
  batchRows: number;
  /** Adam: order of each epoch's rows. */
  adamRowOrder: 'shuffled' | 'user';
  /** Adam: L2 weight on both whole tables. */
  l2: number;
  /** SGD: weight of the item-item objective (0 = off). */
  itemItemWeight: number;
}

/**
 * An Interact2Vec model: user table U and item table V in native memory, a user-item pair scored
 * σ(U_u · V_j). Create with {@link Interact2Vec.create}, train with {@link Interact2Vec.fit}.
 * Every heavy operation runs off the event loop; one that reads the tables while an epoch runs
 * is refused with `E_BUSY` rather than racing with it.
 */
export class Interact2Vec implements EmbeddingModel {
  readonly nUsers: number;
  readonly nItems: number;
  /** The configuration the model was created with. */
  readonly config: Readonly<Interact2VecConfig>;
  /** The training hyperparameters {@link Interact2Vec.fit} uses (from the options, or from the model file). */
  readonly training: Readonly<Interact2VecTraining>;
  /** Epochs trained so far, oldest first. */
  readonly history: Interact2VecEpochEvent[] = [];
  #native?: NativeInteract2Vec;
  /** Copies of the tables, fetched once per table state (concurrent readers share one job). */
  #tablesCache?: Promise<{ users: Float32Array; items: Float32Array }>;
  readonly #dataset: Dataset;
  readonly #ownsDataset: boolean;
  readonly #training: Omit<RawInteract2VecOptions, 'epochs'>;
  readonly #threads: number;
  readonly #life = new AbortController();

  private constructor(native: NativeInteract2Vec, dataset: Dataset, training: Omit<RawInteract2VecOptions, 'epochs'>, ownsDataset: boolean,
    embedding: ResolvedEmbedding | undefined) {
    this.#native = native;
    this.#dataset = dataset;
    this.#ownsDataset = ownsDataset;
    this.#training = training;
    this.#threads = training.threads;
    const { threads: _threads, seed: _seed, ...hyper } = training;
    this.training = Object.freeze(hyper);
    const i = native.info();
    this.config = Object.freeze({
      users: i.users, items: i.items, dim: i.dim, init: i.init, initRange: i.initRange, seed: i.seed, ...(embedding ? { embedding } : {}),
    });
    this.nUsers = i.users;
    this.nItems = i.items;
  }

  /**
   * Builds a model over `dataset`'s train interactions with seeded initial tables (the same seed
   * gives the same tables whatever `threads`). Training options are checked here, so a bad one
   * fails before any work.
   * @throws RecforgeError E_INVALID_ARG naming a bad option (dim < 1, negatives outside
   *   [1, 1000], non-finite alpha, negative subsample, lr ≤ 0, itemItemWeight with Adam, a bad
   *   embedding budget: 0 clusters, more clusters than entities, ratio < 1; embedding.bias, ...),
   *   E_TYPE for a non-object, E_BACKEND_UNAVAILABLE for `device: 'cuda'`, E_DISPOSED for a
   *   disposed dataset, E_EMPTY when the dataset has no train split.
   */
  static async create(dataset: Dataset, options: Interact2VecOptions = {}, run: AsyncOptions = {}): Promise<Interact2Vec> {
    return Interact2Vec.#build(dataset, options, run, false);
  }

  /**
   * A model over `dataset` (which it then owns and disposes) with the given tables instead of
   * seeded ones (for clustered tables: their assignments and rows, the tables being their
   * gathered views): how {@link loadModel} rebuilds a saved model. @internal
   */
  static async restore(dataset: Dataset, options: Interact2VecOptions, tables: { users: Float32Array; items: Float32Array },
    run: AsyncOptions = {}, clusters?: RawClusterImport): Promise<Interact2Vec> {
    const model = await Interact2Vec.#build(dataset, options, run, true);
    try {
      if (clusters) model.#alive().importClusters(clusters);
      else await runNative(run, (t, p) => model.#alive().importTables(tables.users, tables.items, t, p));
      return model;
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  static async #build(dataset: Dataset, options: Interact2VecOptions, run: AsyncOptions, ownsDataset: boolean): Promise<Interact2Vec> {
    const { config, training, embedding } = resolveInteract2VecOptions(options);
    const train = dataset.matrix('train');
    if (!train) throw new RecforgeError('E_EMPTY', 'dataset has no train split');
    const raw: RawInteract2VecConfig = embedding ? { ...config, embedding: rawEmbedding(embedding) } : config;
    const native = await runNative(run, (t, p) => addon().createInteract2Vec(train, raw, training.threads, t, p));
    return new Interact2Vec(native, dataset, training, ownsDataset, embedding);
  }

  /** `'interact2vec'` (the `model` key of its model files; LightGCN models say `'lightgcn'`, `'mf'` or `'mrl'`). */
  get kind(): 'interact2vec' {
    return 'interact2vec';
  }

  /** Worker threads used for training and queries (0 = all cores). */
  get threads(): number {
    return this.#threads;
  }

  /** Embedding width. */
  get dim(): number {
    return this.config.dim;
  }

  /** The dataset the model was created from (for a loaded model: its train interactions). */
  get dataset(): Dataset {
    return this.#dataset;
  }

  /** External user ids, when the data had string ids. */
  get userIds(): IdMap | undefined {
    return this.#dataset.disposed ? undefined : this.#dataset.userIds;
  }

  /** External item ids, when the data had string ids. */
  get itemIds(): IdMap | undefined {
    return this.#dataset.disposed ? undefined : this.#dataset.itemIds;
  }

  /**
   * The clustered embedding tables (assignments, cluster rows, residuals, bytes) and the counts of
   * cluster steps of the last {@link Interact2Vec.fit}, or undefined for full tables.
   * @throws RecforgeError E_BUSY while training runs, E_DISPOSED.
   */
  clusters(): ModelClusters | undefined {
    return this.#alive().clusters();
  }

  /** True after {@link Interact2Vec.dispose}. */
  get disposed(): boolean {
    return this.#native === undefined;
  }

  /**
   * Trains `epochs` epochs, yielding one event per epoch; with `evalEvery`, evaluates the
   * embeddings on the dataset's test (or validation) split every that many epochs and on the
   * last one. Each call starts a new run over the current tables: SGD's learning rate decays
   * over this call's `epochs`, and Adam starts from fresh moments. Breaking out of the loop stops
   * training after the current epoch; `signal` stops it mid-epoch (E_ABORTED), with the epochs
   * already done kept; disposing the model stops it with E_DISPOSED. `onProgress` receives the
   * fraction of the whole call (all epochs). A model from {@link loadModel} trains the same way
   * from its loaded tables and stored hyperparameters (a file holds no optimizer state, and none
   * is needed: every call starts a new run); it has no test split, so `evalEvery` fails with E_EMPTY.
   * @throws RecforgeError E_INVALID_ARG for bad epochs / evalEvery / k, E_EMPTY when evaluation
   *   needs a split the dataset lacks, E_BUSY while another job uses the model, E_ABORTED, E_DISPOSED.
   */
  async *fit(options: Interact2VecFitOptions): AsyncGenerator<Interact2VecEpochEvent, void, undefined> {
    if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
    const epochs = intOption('epochs', options.epochs, 1, 1e9, Number.NaN);
    if (Number.isNaN(epochs)) throw new RecforgeError('E_INVALID_ARG', 'epochs is required');
    const evalEvery = intOption('evalEvery', options.evalEvery, 0, 1e9, 0);
    const scoring = scoringOptions(options);
    const evaluator = evalEvery > 0
      ? new Evaluator(this.#dataset, { k: options.k ?? 20, metrics: options.metrics, on: options.on, catalog: options.catalog, threads: this.#threads })
      : undefined;
    const native = this.#alive();
    const signal = options.signal ? AbortSignal.any([options.signal, this.#life.signal]) : this.#life.signal;
    const report = options.onProgress;
    try {
      await runNative({ signal }, (t, p) => native.configureTraining({ ...this.#training, epochs }, t, p));
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const t0 = performance.now();
        this.#tablesCache = undefined;
        // Progress of the whole fit: epochs done plus the fraction of this one.
        const run: AsyncOptions = { signal, onProgress: report && ((f) => report((epoch - 1 + f) / epochs)) };
        const s = await runNative(run, (t, p) => native.trainEpoch(t, p)).finally(() => {
          this.#tablesCache = undefined;
        });
        const event: Interact2VecEpochEvent = {
          epoch: this.history.length + 1, loss: s.loss + s.reg, seconds: (performance.now() - t0) / 1000, kept: s.kept, lr: s.lastLr,
        };
        if (evaluator && (epoch % evalEvery === 0 || epoch === epochs)) {
          const e0 = performance.now();
          event.metrics = { ...(await this.evaluate(evaluator, { ...scoring, signal })) } as Record<string, number>;
          event.evalSeconds = (performance.now() - e0) / 1000;
        }
        this.history.push(event);
        yield event;
      }
    } catch (e) {
      if (this.disposed && isRecforgeError(e, 'E_ABORTED'))
        throw new RecforgeError('E_DISPOSED', 'the model was disposed during training', { cause: e });
      throw e;
    }
  }

  /**
   * The user table U (a copy), or its first `options.dim` columns.
   * @throws RecforgeError E_INVALID_ARG for a dim outside [1, dim], E_BUSY during an epoch, E_DISPOSED.
   */
  async userEmbeddings(options: EmbeddingOptions = {}): Promise<Tensor<'float32'>> {
    const d = prefixDim(options.dim, this.dim);
    const t = await this.#tables(options);
    return prefixColumns(t.users, this.nUsers, this.dim, d);
  }

  /**
   * The item table V (a copy), or its first `options.dim` columns.
   * @throws RecforgeError E_INVALID_ARG for a dim outside [1, dim], E_BUSY during an epoch, E_DISPOSED.
   */
  async itemEmbeddings(options: EmbeddingOptions = {}): Promise<Tensor<'float32'>> {
    const d = prefixDim(options.dim, this.dim);
    const t = await this.#tables(options);
    return prefixColumns(t.items, this.nItems, this.dim, d);
  }

  /**
   * Top-k items of one user (a dense id, or an external id when the data had string ids) by the
   * dot product (default), the cosine of the user and item vectors, item-based knn or their
   * blend (see {@link Interact2VecScoring}); train items excluded by default.
   * @throws RecforgeError E_OUT_OF_RANGE for an unknown user, E_INVALID_ARG for a bad k, scoring
   *   or exclude, E_BUSY during an epoch, E_DISPOSED.
   */
  async recommend(user: number | string, options: Interact2VecRecommendOptions = {}): Promise<Recommendation> {
    const dense = denseId(user, this.nUsers, this.userIds, 'user');
    const k = intOption('k', options.k, 1, 2147483647, 10);
    const { scoring, neighbours, userWeight } = scoringOptions(options);
    const exclude = choiceOption('exclude', options.exclude, ['train', 'none'] as const, 'train');
    const r = await this.#topK(dense, k, scoring, exclude === 'train', options, neighbours, userWeight);
    const out: Recommendation = { user: dense, items: r.ids, scores: r.scores };
    const ids = this.itemIds;
    if (ids) out.itemIds = Array.from(r.ids, (i) => ids.toExternal[i]);
    return out;
  }

  /**
   * Evaluates the model on `evaluator`'s split, cutoffs and metrics under a scoring: `'dot'`
   * (the same as `evaluator.evaluateModel(model)`), `'cosine'`, `'knn'` or `'blend'` (see
   * {@link Interact2VecScoring}). Train items are masked as in every evaluation.
   * @throws RecforgeError E_INVALID_ARG for a bad scoring, neighbours or userWeight, E_SHAPE when
   *   the evaluator's dataset has other users or items, E_BUSY during an epoch, E_DISPOSED.
   */
  async evaluate(evaluator: Evaluator, options: Interact2VecEvaluateOptions = {}): Promise<EvaluationResult> {
    const { scoring, neighbours, userWeight } = scoringOptions(options);
    const run: AsyncOptions = { signal: options.signal, onProgress: options.onProgress };
    if (scoring === 'dot') return evaluator.evaluateModel(this, run);
    if (scoring === 'cosine')
      return evaluator.evaluate(unitRows(await this.userEmbeddings(run)), unitRows(await this.itemEmbeddings(run)), run);
    const native = this.#alive();
    return evaluator.evaluateWith((truth, mask, extra, ks, threads, t, p) =>
      native.evaluate(scoring, neighbours, userWeight, truth, mask, extra, ks, threads, t, p), run);
  }

  /**
   * The k items most similar to `item` (a dense id, or an external id when the data had string
   * ids) by the cosine of their item vectors (or `metric: 'dot'`), the item itself left out, off
   * the event loop. Options as in {@link SimilarOptions}.
   * @throws RecforgeError E_OUT_OF_RANGE for an unknown item, E_INVALID_ARG for a bad k, dim or
   *   metric, E_TYPE for a bad exclude, E_BUSY during an epoch, E_DISPOSED.
   */
  async similarItems(item: number | string, options: SimilarOptions = {}): Promise<Neighbours> {
    return similarNeighbours(this.#similarSource(), 'item', item, options);
  }

  /**
   * The k users most similar to `user` by the cosine of their user vectors (or `metric: 'dot'`),
   * the user itself left out; as {@link Interact2Vec.similarItems} otherwise.
   * @throws RecforgeError E_OUT_OF_RANGE for an unknown user, E_INVALID_ARG for a bad k, dim or
   *   metric, E_TYPE for a bad exclude, E_BUSY during an epoch, E_DISPOSED.
   */
  async similarUsers(user: number | string, options: SimilarOptions = {}): Promise<Neighbours> {
    return similarNeighbours(this.#similarSource(), 'user', user, options);
  }

  /**
   * Embeds a user who was not in training from the items they interacted with (dense ids, or
   * external ids when the data had string ids; any order, duplicates ignored) and recommends for
   * them; the model does not change. Off the event loop; E_BUSY during an epoch.
   *
   * The user vector u is fitted by `steps` gradient steps (backtracking line search) on the
   * model's own SGNS objective with the item vectors V frozen: mean over the given items i of
   * softplus(-u·V_i), plus K (the model's `negatives`) times the mean of softplus(u·V_j) over a
   * seeded pool of `negatives` other items weighted by the training negative distribution
   * count_j^alpha, plus reg/2 |u|². u starts as the model's user init draws a row
   * (U(-initRange, initRange), or U(-0.5/dim, 0.5/dim) for `init: 'word2vec'`), seeded: the same
   * seed gives the same bits. Items are then ranked by `scoring` (`'dot'` or `'cosine'`).
   * @throws RecforgeError E_INVALID_ARG for no items or a bad option (steps outside [1, 100000],
   *   negatives < 1, negative reg, bad k, scoring knn / blend), E_OUT_OF_RANGE for an unknown item,
   *   E_TYPE for items of the wrong type, E_BUSY during an epoch, E_DISPOSED, E_ABORTED.
   */
  async foldInUser(items: Int32Array | readonly (number | string)[], options: Interact2VecFoldInOptions = {}): Promise<FoldInResult> {
    const ids = denseIdList(items, 'items', this.nItems, this.itemIds, 'item');
    const k = intOption('k', options.k, 1, 2147483647, 10);
    const exclude = choiceOption('exclude', options.exclude, ['train', 'none'] as const, 'train');
    const scoring = choiceOption('scoring', options.scoring, ['dot', 'cosine'] as const, 'dot');
    const fit = {
      steps: intOption('steps', options.steps, 1, 100000, 20),
      negatives: intOption('negatives', options.negatives, 1, 2147483647, 500),
      reg: numberOption('reg', options.reg, 0, 0.01),
      seed: intOption('seed', options.seed, 0, Number.MAX_SAFE_INTEGER, this.config.seed),
      alpha: this.training.alpha,
      negativeMass: this.training.negatives,
      initRange: this.config.init === 'word2vec' ? 0.5 / this.dim : this.config.initRange,
    };
    const native = this.#alive();
    const r = await runNative(options, (t, p) => native.foldIn(ids, fit, k, exclude === 'train', scoring, t, p));
    const out: FoldInResult = { embedding: r.embedding, items: r.items, scores: r.scores, steps: r.steps, loss: r.loss };
    const map = this.itemIds;
    if (map) out.itemIds = Array.from(r.items, (i) => map.toExternal[i]);
    return out;
  }

  /**
   * Frees native memory now (and the dataset, for a loaded model); a running epoch is cancelled
   * (fit then throws E_DISPOSED).
   */
  dispose(): void {
    const native = this.#native;
    if (!native) return;
    this.#native = undefined;
    this.#tablesCache = undefined;
    this.#life.abort();
    native.dispose();
    if (this.#ownsDataset) this.#dataset.dispose();
  }

  #similarSource() {
    const native = this.#alive();
    return {
      nUsers: this.nUsers, nItems: this.nItems, dim: this.dim, userIds: this.userIds, itemIds: this.itemIds, threads: this.#threads,
      similar: native.similar.bind(native),
    };
  }

  async #topK(query: number, k: number, scoring: Interact2VecScoring, excludeTrain: boolean, options: AsyncOptions,
    neighbours: number, userWeight: number): Promise<{ ids: Int32Array; scores: Float32Array }> {
    const native = this.#alive();
    const r = await runNative(options, (t, p) =>
      native.topK(Int32Array.of(query), k, scoring, excludeTrain, this.#threads, neighbours, userWeight, t, p));
    let n = 0;
    while (n < r.items.length && r.items[n] >= 0) n++;
    return { ids: r.items.slice(0, n), scores: r.scores.slice(0, n) };
  }

  #tables(options: AsyncOptions): Promise<{ users: Float32Array; items: Float32Array }> {
    const native = this.#alive();
    throwIfAborted(options.signal);
    if (!this.#tablesCache) {
      const pending = runNative({ signal: options.signal }, (t, p) => native.embeddings(t, p));
      this.#tablesCache = pending;
      pending.catch(() => {
        if (this.#tablesCache === pending) this.#tablesCache = undefined;
      });
    }
    return this.#tablesCache;
  }

  #alive(): NativeInteract2Vec {
    if (!this.#native) throw new RecforgeError('E_DISPOSED', 'Interact2Vec model was disposed');
    return this.#native;
  }
}

/**
 * Every option of {@link Interact2Vec.create} checked, with defaults: the native model's config
 * and the training options. @internal
 * @throws RecforgeError E_TYPE, E_INVALID_ARG naming a bad option, E_BACKEND_UNAVAILABLE for cuda.
 */
export function resolveInteract2VecOptions(options: Interact2VecOptions):
  { config: RawInteract2VecConfig; training: Omit<RawInteract2VecOptions, 'epochs'>; embedding?: ResolvedEmbedding } {
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  if (options.device === 'cuda')
    throw new RecforgeError('E_BACKEND_UNAVAILABLE', "device 'cuda' is not available for Interact2Vec: it trains on CPU only (the CUDA backend covers LightGCN / MF)");
  resolveDevice(options.device === undefined || options.device === 'auto' ? 'cpu' : options.device);  // E_INVALID_ARG for an unknown device
  const training = trainingOptions(options);
  const config = {
    dim: intOption('dim', options.dim, 1, 4096, 64),
    init: choiceOption('init', options.init, ['uniform', 'word2vec'] as const, 'uniform'),
    initRange: numberOption('initRange', options.initRange, 0, 0.05),
    seed: training.seed,
  };
  const embedding = resolveEmbedding(options.embedding);
  if (embedding?.bias) throw new RecforgeError('E_INVALID_ARG', 'embedding.bias is for MF-BPR only');
  if (embedding?.splitScores) throw new RecforgeError('E_INVALID_ARG', 'embedding.splitScores is for LightGCN / MF-BPR only');
  return embedding ? { config, training, embedding } : { config, training };
}

/** Training options with defaults, each checked (E_INVALID_ARG naming it). */
function trainingOptions(o: Interact2VecOptions): Omit<RawInteract2VecOptions, 'epochs'> {
  const optimizer = choiceOption('optimizer', o.optimizer, ['sgd', 'adam'] as const, 'sgd');
  const itemItemWeight = numberOption('itemItemWeight', o.itemItemWeight, 0, 0);
  if (optimizer === 'adam' && itemItemWeight > 0)
    throw new RecforgeError('E_INVALID_ARG', "itemItemWeight is trained by optimizer 'sgd' only");
  const alpha = o.alpha ?? -0.5;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    throw new RecforgeError('E_INVALID_ARG', `alpha must be a finite number, got ${String(alpha)}`);
  const minLrRatio = numberOption('minLrRatio', o.minLrRatio, 0, 1e-4);
  if (minLrRatio > 1) throw new RecforgeError('E_INVALID_ARG', `minLrRatio must be in [0, 1], got ${minLrRatio}`);
  return {
    negatives: intOption('negatives', o.negatives, 1, 1000, 5),
    alpha,
    subsample: numberOption('subsample', o.subsample, 0, 0),
    subsampleMode: choiceOption('subsampleMode', o.subsampleMode, ['once', 'epoch'] as const, 'once'),
    optimizer,
    lr: numberOption('lr', o.lr, 0, 0.025, true),
    minLrRatio,
    batchRows: intOption('batchRows', o.batchRows, 1, 2147483647, 8192),
    adamRowOrder: choiceOption('adamRowOrder', o.adamRowOrder, ['shuffled', 'user'] as const, 'shuffled'),
    l2: numberOption('l2', o.l2, 0, 1e-6),
    itemItemWeight,
    threads: intOption('threads', o.threads, 0, 4096, 0),
    seed: intOption('seed', o.seed, 0, Number.MAX_SAFE_INTEGER, 0),
  };
}

/** A copy of a 2-D table with every row scaled to unit L2 norm (zero rows stay zero): dot products become cosines. */
function unitRows(t: Tensor<'float32'>): Tensor<'float32'> {
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < t.rows; r++) {
    let sq = 0;
    for (let c = 0; c < t.cols; c++) sq += t.data[r * t.cols + c] ** 2;
    const scale = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let c = 0; c < t.cols; c++) out[r * t.cols + c] = t.data[r * t.cols + c] * scale;
  }
  return new Tensor(out, [t.rows, t.cols]);
}

/** Scoring options with defaults, each checked (E_INVALID_ARG naming it). */
function scoringOptions(o: ScoringOptions): Required<ScoringOptions> {
  const scoring = choiceOption('scoring', o.scoring, ['dot', 'cosine', 'knn', 'blend'] as const, 'dot');
  const neighbours = intOption('neighbours', o.neighbours, 1, 2147483647, 64);
  const userWeight = numberOption('userWeight', o.userWeight, 0, 0.5);
  if (userWeight > 1) throw new RecforgeError('E_INVALID_ARG', `userWeight must be in [0, 1], got ${userWeight}`);
  return { scoring, neighbours, userWeight };
}
