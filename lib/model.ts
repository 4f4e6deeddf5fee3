/**
 * The model and trainer contracts that every recommender in recforge implements, and
 * {@link FixedEmbeddings}, a model over embeddings computed elsewhere (e.g. loaded from .npy).
 * @module
 */
import { RecforgeError } from './errors.js';
import type { AsyncOptions } from './job.js';
import { Tensor, expectMatrix } from './tensor.js';
import type { Device } from './backends.js';
import { prefixColumns, prefixDim, type EmbeddingOptions } from './prefix.js';

/** A recommender whose score is the inner product of a user and an item embedding. */
export interface EmbeddingModel {
  /** Number of users the model scores. */
  readonly nUsers: number;
  /** Number of items the model scores. */
  readonly nItems: number;
  /**
   * Final user embeddings, [nUsers, dim] float32 (a copy the caller owns); with `options.dim`,
   * only the first `dim` columns (the prefix a nested-dimension model serves at that size).
   */
  userEmbeddings(options?: EmbeddingOptions): Promise<Tensor<'float32'>>;
  /** Final item embeddings, [nItems, dim] float32 (a copy the caller owns); `options.dim` as for users. */
  itemEmbeddings(options?: EmbeddingOptions): Promise<Tensor<'float32'>>;
  /** Frees native memory; later calls throw E_DISPOSED. */
  dispose(): void;
}

/** Options shared by every model constructor. */
export interface ModelOptions {
  /** Embedding width. */
  dim?: number;
  /** Random seed; the same seed and thread count give bit-identical results. */
  seed?: number;
  /** Where to run: `'auto'` (default), `'cpu'` or `'cuda'`. */
  device?: Device;
  /** Worker threads on CPU (default: all cores). */
  threads?: number;
}

/** What a trainer reports after each epoch. */
export interface EpochEvent {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Wall-clock seconds spent training this epoch. */
  seconds: number;
  /** Metrics, on epochs where evaluation ran. */
  metrics?: Record<string, number>;
  /** Seconds spent evaluating, on epochs where evaluation ran. */
  evalSeconds?: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions extends AsyncOptions {
  /** Number of epochs to run. */
  epochs: number;
  /** Evaluate every N epochs (0 = never). */
  evalEvery?: number;
}

/** Trains a model; `fit` yields one event per epoch and never blocks the event loop. */
export interface Trainer {
  /** Runs training, yielding after every epoch. Breaking out of the loop stops training. */
  fit(options: FitOptions): AsyncIterable<EpochEvent>;
}

/**
 * A model over fixed user and item embeddings (no training), e.g. produced in Python and loaded
 * with {@link readNpy}. The tensors are used as given (not copied).
 */
export class FixedEmbeddings implements EmbeddingModel {
  readonly nUsers: number;
  readonly nItems: number;
  #users?: Tensor<'float32'>;
  #items?: Tensor<'float32'>;

  /**
   * @throws RecforgeError E_TYPE for non-float32 or non-Tensor input, E_SHAPE when the two
   *   tables are not 2-D or have different widths.
   */
  constructor(users: Tensor, items: Tensor) {
    const du = expectMatrix(users, 'users');
    const di = expectMatrix(items, 'items');
    if (du !== di) throw new RecforgeError('E_SHAPE', `users have dim ${du} but items have dim ${di}`);
    this.#users = users as Tensor<'float32'>;
    this.#items = items as Tensor<'float32'>;
    this.nUsers = users.rows;
    this.nItems = items.rows;
  }

  /** Embedding width. */
  get dim(): number {
    return this.#alive().users.cols;
  }

  /**
   * A copy of the user table, or of its first `options.dim` columns.
   * @throws RecforgeError E_INVALID_ARG for a dim outside [1, dim].
   */
  async userEmbeddings(options: EmbeddingOptions = {}): Promise<Tensor<'float32'>> {
    return prefixOf(this.#alive().users, options.dim);
  }

  /**
   * A copy of the item table, or of its first `options.dim` columns.
   * @throws RecforgeError E_INVALID_ARG for a dim outside [1, dim].
   */
  async itemEmbeddings(options: EmbeddingOptions = {}): Promise<Tensor<'float32'>> {
    return prefixOf(this.#alive().items, options.dim);
  }

  /** The embeddings as given, without copying (internal fast path). @internal */
  tables(): { users: Tensor<'float32'>; items: Tensor<'float32'> } {
    return this.#alive();
  }

  dispose(): void {
    this.#users = undefined;
    this.#items = undefined;
  }

  #alive(): { users: Tensor<'float32'>; items: Tensor<'float32'> } {
    if (!this.#users || !this.#items) throw new RecforgeError('E_DISPOSED', 'FixedEmbeddings was disposed');
    return { users: this.#users, items: this.#items };
  }
}

/** A copy of the first `dim` columns of a 2-D float32 table (all of them when undefined). */
function prefixOf(t: Tensor<'float32'>, dim: number | undefined): Tensor<'float32'> {
  return prefixColumns(t.data, t.rows, t.cols, prefixDim(dim, t.cols));
}
