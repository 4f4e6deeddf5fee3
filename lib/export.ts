/**
 * Embedding export: a model's final user and item tables (or a nested-dimension prefix of them)
 * as NumPy `.npy` files and/or one safetensors file, plus the id maps as JSON, so that other
 * tools read them without recforge (docs/export.md loads them in Python with numpy only).
 *
 * ```ts
 * await exportEmbeddings(model, 'emb/', { dim: 16, format: 'both' });
 * // emb/users.npy, emb/items.npy, emb/embeddings.safetensors, emb/user_ids.json, emb/item_ids.json
 * ```
 * @module
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { IdMap } from './dataset.js';
import { ensureDir } from './ensure-dir.js';
import { RecforgeError } from './errors.js';
import { throwIfAborted, type AsyncOptions } from './job.js';
import type { EmbeddingModel } from './model.js';
import { serializeNpy } from './npy.js';
import { choiceOption } from './options.js';
import { serializeSafetensors, writeFileAtomic } from './safetensors.js';
import type { Tensor } from './tensor.js';

/** Which embedding files {@link exportEmbeddings} writes. */
export type ExportFormat = 'npy' | 'safetensors' | 'both';

/** Value of the `format` metadata key of the exported safetensors file. */
export const EXPORT_FORMAT = 'recforge.embeddings';

/** Names of the files {@link exportEmbeddings} writes inside its folder. */
export const EXPORT_FILES = {
  /** User table, [nUsers, dim] float32 .npy. */
  usersNpy: 'users.npy',
  /** Item table, [nItems, dim] float32 .npy. */
  itemsNpy: 'items.npy',
  /** Both tables (tensors `users` and `items`) in one safetensors file. */
  safetensors: 'embeddings.safetensors',
  /** JSON object: dataset user id → row of the user table. */
  userIds: 'user_ids.json',
  /** JSON object: dataset item id → row of the item table. */
  itemIds: 'item_ids.json',
} as const;

/** Options of {@link exportEmbeddings}. */
export interface ExportOptions extends AsyncOptions {
  /** Export only the first `dim` coordinates (an integer in [1, model dim]; default: all). */
  dim?: number;
  /** `'npy'`, `'safetensors'` or `'both'` (default). */
  format?: ExportFormat;
}

/**
 * What {@link exportEmbeddings} accepts: any {@link EmbeddingModel} ({@link LightGCN}, {@link MF},
 * {@link Matryoshka}, {@link Interact2Vec}, {@link FixedEmbeddings}); the optional fields are read
 * when present.
 */
export interface ExportableModel extends EmbeddingModel {
  /** Model kind, stored in the safetensors metadata (`model` key). */
  readonly kind?: string;
  /** Full embedding width. */
  readonly dim?: number;
  /** Dataset ids of the users (exported as `user_ids.json`). */
  readonly userIds?: IdMap;
  /** Dataset ids of the items (exported as `item_ids.json`). */
  readonly itemIds?: IdMap;
}

/** Paths written by {@link exportEmbeddings} (absent: not written). */
export interface ExportedFiles {
  /** `users.npy`. */
  usersNpy?: string;
  /** `items.npy`. */
  itemsNpy?: string;
  /** `embeddings.safetensors`. */
  safetensors?: string;
  /** `user_ids.json` (only when the model has user ids). */
  userIds?: string;
  /** `item_ids.json` (only when the model has item ids). */
  itemIds?: string;
}

/** What {@link exportEmbeddings} wrote. */
export interface ExportResult {
  /** The folder. */
  dir: string;
  /** Width of the exported tables. */
  dim: number;
  /** Full width of the model. */
  modelDim: number;
  /** Rows of the user table. */
  nUsers: number;
  /** Rows of the item table. */
  nItems: number;
  /** The format written. */
  format: ExportFormat;
  /** The files written. */
  files: ExportedFiles;
}

/**
 * Writes a model's final embeddings (the first `options.dim` columns when given) into folder
 * `dir` (created if missing): `users.npy` / `items.npy` and/or `embeddings.safetensors` (tensors
 * `users`, `items`; metadata `format`, `model`, `dim`, `model_dim`), and, when the model has id
 * maps, `user_ids.json` / `item_ids.json` mapping each dataset id to its row. Each file is written
 * atomically; files of this list that the export does not write (e.g. from an earlier export in
 * the same folder) are removed, so the folder always holds one consistent export.
 * @throws RecforgeError E_TYPE when `model` is not an embedding model or `options` not an object,
 *   E_INVALID_ARG for an empty `dir`, an unknown format or a dim outside [1, model dim] (before
 *   anything is written), E_IO when the folder or a file cannot be written, E_DISPOSED, E_ABORTED.
 */
export async function exportEmbeddings(model: ExportableModel, dir: string, options: ExportOptions = {}): Promise<ExportResult> {
  if (model === null || typeof model !== 'object' || typeof model.userEmbeddings !== 'function' || typeof model.itemEmbeddings !== 'function')
    throw new RecforgeError('E_TYPE', 'model must be an embedding model (LightGCN, MF, Matryoshka, Interact2Vec or FixedEmbeddings)');
  if (typeof dir !== 'string' || dir.length === 0) throw new RecforgeError('E_INVALID_ARG', 'dir must be a non-empty folder path');
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  const format = choiceOption('format', options.format, ['npy', 'safetensors', 'both'] as const, 'both');
  const run = { dim: options.dim, signal: options.signal };
  // Both tables first, so a bad dim fails before anything is written.
  const [users, items] = await Promise.all([model.userEmbeddings(run), model.itemEmbeddings(run)]);
  const modelDim = typeof model.dim === 'number' ? model.dim : users.cols;
  const contents = new Map<keyof ExportedFiles, () => Uint8Array>();
  if (format !== 'safetensors') {
    contents.set('usersNpy', () => serializeNpy(users));
    contents.set('itemsNpy', () => serializeNpy(items));
  }
  if (format !== 'npy') contents.set('safetensors', () => embeddingsSafetensors(users, items, model.kind, modelDim));
  if (model.userIds) contents.set('userIds', idMapJson(model.userIds, users.rows, 'user'));
  if (model.itemIds) contents.set('itemIds', idMapJson(model.itemIds, items.rows, 'item'));

  await ensureDir(dir);
  const files: ExportedFiles = {};
  for (const key of Object.keys(EXPORT_FILES) as (keyof ExportedFiles)[]) {
    throwIfAborted(options.signal);
    const file = path.join(dir, EXPORT_FILES[key]);
    const bytes = contents.get(key);
    if (bytes) {
      await writeFileAtomic(file, bytes());
      files[key] = file;
    } else await removeStale(file);
  }
  return { dir, dim: users.cols, modelDim, nUsers: users.rows, nItems: items.rows, format, files };
}

/** The safetensors bytes of both tables with their metadata. */
function embeddingsSafetensors(users: Tensor, items: Tensor, kind: string | undefined, modelDim: number): Uint8Array {
  return serializeSafetensors({
    tensors: { users, items },
    metadata: { format: EXPORT_FORMAT, model: kind ?? 'embeddings', dim: String(users.cols), model_dim: String(modelDim) },
  });
}

/** `{"<dataset id>": row, ...}` as UTF-8 JSON, checked against the table's row count. */
function idMapJson(ids: IdMap, rows: number, side: string): () => Uint8Array {
  if (ids.size !== rows) throw new RecforgeError('E_SHAPE', `the model has ${ids.size} ${side} ids but ${rows} ${side} rows`);
  return () => Buffer.from(JSON.stringify(Object.fromEntries(ids.toExternal.map((id, row) => [id, row]))), 'utf8');
}

async function removeStale(file: string): Promise<void> {
  try {
    await rm(file, { force: true });
  } catch (e) {
    throw new RecforgeError('E_IO', `${file}: cannot remove a stale export file (${(e as Error).message})`, { file, cause: e });
  }
}
