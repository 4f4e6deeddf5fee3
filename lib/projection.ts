/**
 * A training-free "trivial" embedding used as a sanity reference by the demo.
 * @module
 */
import type { Dataset } from './dataset.js';
import { runNative, type AsyncOptions } from './job.js';
import { addon } from './native.js';
import { Tensor } from './tensor.js';

/** Options of {@link projectionEmbeddings}. */
export interface ProjectionOptions extends AsyncOptions {
  /** Embedding width (default 64). */
  dim?: number;
  /** Seed of the random Gaussian user vectors (default 0). */
  seed?: number;
  /** Worker threads (default: all cores). */
  threads?: number;
}

/** A pair of embedding tables. */
export interface EmbeddingTables {
  /** [nUsers, dim] float32. */
  users: Tensor<'float32'>;
  /** [nItems, dim] float32. */
  items: Tensor<'float32'>;
}

/**
 * Random Gaussian user vectors G pushed once through the normalized train graph Â:
 * items = Â·G, users = Â·items. The inner product then approximates normalized two-hop
 * co-occurrence (item-based collaborative filtering by random projection). Nothing is trained.
 */
export async function projectionEmbeddings(data: Dataset, options: ProjectionOptions = {}): Promise<EmbeddingTables> {
  const graph = await data.graph(options);
  const dim = options.dim ?? 64;
  const out = await runNative(options, (t, p) =>
    addon().projectionEmbeddings(graph, dim, options.seed ?? 0, options.threads ?? 0, t, p),
  );
  return { users: new Tensor(out.users, [data.nUsers, dim]), items: new Tensor(out.items, [data.nItems, dim]) };
}
