/**
 * What the server asks of a model, in the dataset's own ids: resolving user and item ids (404
 * for unknown ones), single-user top-k on the synchronous fast path, similar items and fold-in
 * where the model has them (501 where it does not), with answers mapped back to external ids.
 * @internal
 * @module
 */
import type { IdMap } from '../dataset.js';
import { Interact2Vec } from '../interact2vec.js';
import type { LightGCN, RecommendOptions } from '../lightgcn.js';
import type { SavedModel } from '../model-file.js';
import { HttpError } from './http-error.js';

/** A ranked list of items in the dataset's ids, best first. */
export interface RankedItems {
  items: (string | number)[];
  scores: number[];
}

/** Options of a recommend request, already validated against the schema. */
export interface RecommendQuery {
  k: number;
  exclude?: 'train' | 'none';
  dim?: number;
  /** Comma-separated item ids. */
  allow?: string;
  /** Comma-separated item ids. */
  deny?: string;
}

/** A model method the server calls when present (LightGCN gains similarItems / foldInUser elsewhere). */
type Method = (this: unknown, arg: unknown, options: { k: number }) => unknown;

export class ServedModel {
  readonly #users?: IdMap;
  readonly #items?: IdMap;

  constructor(readonly model: SavedModel) {
    this.#users = model.userIds;
    this.#items = model.itemIds;
  }

  /** True for the LightGCN family (LightGCN, MF, Matryoshka): recommendSync, dim, allow, deny. */
  get lightgcn(): LightGCN | undefined {
    return this.model instanceof Interact2Vec ? undefined : this.model;
  }

  /** Dense id of a user named in a request; 404 when the model does not know it. */
  user(id: string): number {
    return resolve(id, this.model.nUsers, this.#users, 'user');
  }

  /** Dense id of an item named in a request (a number is read as its decimal string); 404 when unknown. */
  item(id: string | number): number {
    return resolve(String(id), this.model.nItems, this.#items, 'item');
  }

  /** Dense ids of a comma-separated item list ('' is the empty list). */
  itemList(csv: string): Int32Array {
    if (csv === '') return new Int32Array(0);
    const parts = csv.split(',');
    const out = new Int32Array(parts.length);
    for (let j = 0; j < parts.length; j++) out[j] = this.item(parts[j]);
    return out;
  }

  /** The user as the reply names it: the external id when the data had string ids, else the dense id. */
  echoUser(id: string, dense: number): string | number {
    return this.#users ? id : dense;
  }

  /**
   * Top-k of one user. LightGCN-family models answer synchronously from the cached final
   * embeddings (recommendSync) once warm, and through the async path otherwise.
   */
  recommend(user: number, q: RecommendQuery): RankedItems | Promise<RankedItems> {
    const gcn = this.lightgcn;
    if (!gcn) {
      for (const key of ['dim', 'allow', 'deny'] as const)
        if (q[key] !== undefined) throw new HttpError(400, `${key} is not supported by ${this.model.kind} models`);
      return (this.model as Interact2Vec).recommend(user, { k: q.k, exclude: q.exclude }).then((r) => this.#ranked(r.items, r.scores));
    }
    const options: RecommendOptions = { k: q.k, exclude: q.exclude, dim: q.dim };
    if (q.allow !== undefined) options.allow = this.itemList(q.allow);
    if (q.deny !== undefined) options.deny = this.itemList(q.deny);
    if (gcn.ready) {
      const r = gcn.recommendSync(user, options);
      return this.#ranked(r.items, r.scores);
    }
    return gcn.recommend(user, options).then((r) => this.#ranked(r.items, r.scores));
  }

  /** The k items most similar to `item`; 501 when the model has no similarItems. */
  async similarItems(item: number, k: number): Promise<RankedItems> {
    return this.#ranking(await this.#call('similarItems', 'similar items', item, k), 'similarItems');
  }

  /** Top-k for a new user who interacted with `items` (dense ids); 501 when the model has no foldInUser. */
  async foldIn(items: number[], k: number): Promise<RankedItems> {
    const r = await this.#call('foldInUser', 'fold-in', items, k);
    const nested = r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : {};
    return this.#ranking(nested.recommendation ?? nested.recommendations ?? r, 'foldInUser');
  }

  async #call(name: 'similarItems' | 'foldInUser', what: string, arg: unknown, k: number): Promise<unknown> {
    const method = (this.model as unknown as Record<string, unknown>)[name];
    if (typeof method !== 'function') throw new HttpError(501, `${what} is not available for ${this.model.kind} models (no ${name} method)`);
    return (method as Method).call(this.model, arg, { k });
  }

  /** A Recommendation ({items, scores}) or Neighbours ({ids, scores}) result as external ids. */
  #ranking(r: unknown, from: string): RankedItems {
    const o = (r !== null && typeof r === 'object' ? r : {}) as Record<string, unknown>;
    const items = o.items ?? o.ids;
    if (!(items instanceof Int32Array) || !(o.scores instanceof Float32Array || o.scores instanceof Float64Array))
      throw new Error(`${from} returned neither {items, scores} nor {ids, scores}`);
    return this.#ranked(items, o.scores);
  }

  /** Dense items and scores as the reply lists them (padding -1 dropped). */
  #ranked(items: Int32Array, scores: Float32Array | Float64Array): RankedItems {
    let n = 0;
    while (n < items.length && items[n] >= 0) n++;
    const map = this.#items;
    const out: RankedItems = { items: new Array(n), scores: new Array(n) };
    for (let q = 0; q < n; q++) {
      out.items[q] = map ? map.toExternal[items[q]] : items[q];
      out.scores[q] = scores[q];
    }
    return out;
  }
}

/** Dense id of `id`: looked up in `map`, or a decimal dense id when the data had integer ids. */
function resolve(id: string, n: number, map: IdMap | undefined, what: 'user' | 'item'): number {
  const dense = map ? map.toDense(id) : /^\d{1,10}$/.test(id) ? Number(id) : undefined;
  if (dense === undefined || dense >= n) throw new HttpError(404, `unknown ${what} '${id}'`);
  return dense;
}
