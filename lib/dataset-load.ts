/**
 * Reading interaction files: the LightGCN/NGCF line format, CSV/TSV edge lists and MovieLens
 * u.data, optionally gzipped (detected by magic bytes). Parsing runs natively off the event loop.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

import { Dataset, IdMap, type SplitName } from './dataset.js';
import { type EdgeList } from './edge-list.js';
import { RecforgeError } from './errors.js';
import { detectFormat, type ResolvedFormat } from './format-detect.js';
import { runNative, type AsyncOptions } from './job.js';
import { addon, type RawDelimitedOptions, type RawParsed } from './native.js';
import { cleanInteractions, type CleanOptions } from './clean.js';
import { splitInteractions, type TrainTestOptions } from './splits.js';

const gunzipAsync = promisify(gunzip);

/** `auto` guesses from the file name and first lines (see the docs of each format). */
export type LoadFormat = 'auto' | ResolvedFormat;

/** A column by 0-based index or by header name. */
export type ColumnSpec = number | string;

/** How to parse an interaction file. */
export interface ParseOptions {
  /**
   * - `lines`: `user item item ...` per line (LightGCN/NGCF); integer ids; a user line with no
   *   items still counts towards nUsers.
   * - `csv` / `tsv` / `delimited`: one interaction per row, delimiter `,` / tab / `delimiter` or detected.
   * - `movielens`: u.data, i.e. tsv without header, columns user, item, rating (weight), timestamp.
   * Default `auto`.
   */
  format?: LoadFormat;
  /** Delimited formats: a single character (detected among tab, `,`, `;`, space when absent). */
  delimiter?: string;
  /** Delimited formats: whether the first row names the columns (default `auto`). */
  header?: boolean | 'auto';
  /** Delimited formats: where user, item (default 0, 1), weight and timestamp are. */
  columns?: {
    /** Column of the user id (index or header name). */
    user?: ColumnSpec;
    /** Column of the item id. */
    item?: ColumnSpec;
    /** Column of the interaction weight. */
    weight?: ColumnSpec;
    /** Column of the timestamp. */
    timestamp?: ColumnSpec;
  };
  /**
   * Delimited formats: `integer` (default) keeps ids as they are, counts = max id + 1;
   * `string` maps any token to dense ids in first-seen order (see `userIds` / `itemIds`).
   */
  idMode?: 'integer' | 'string';
  /** Delimited formats: skip rows whose weight is below this (e.g. 4 keeps MovieLens ratings >= 4). */
  minWeight?: number;
}

/** A parsed file. */
export interface LoadedInteractions extends EdgeList {
  /** The format used (the detected one for `auto`). */
  format: ResolvedFormat;
  /** Data rows (lines) read, headers and blank lines excluded. */
  rows: number;
  /** Rows skipped by `minWeight`. */
  filteredRows: number;
  /** Delimited formats: the delimiter used. */
  delimiter?: string;
  /** Delimited formats: the header row, when there was one. */
  header?: string[];
}

const FORMATS: readonly LoadFormat[] = ['auto', 'lines', 'csv', 'tsv', 'delimited', 'movielens'];

function delimitedOptions(format: ResolvedFormat, o: ParseOptions): RawDelimitedOptions {
  if (format === 'movielens') return { delimiter: '\t', header: 'absent', user: 0, item: 1, weight: 2, timestamp: 3, idMode: 'integer', ...(o.minWeight !== undefined && { minWeight: o.minWeight }) };
  const raw: RawDelimitedOptions = {};
  const delimiter = format === 'csv' ? ',' : format === 'tsv' ? '\t' : o.delimiter;
  if (delimiter !== undefined) raw.delimiter = delimiter;
  if (o.header !== undefined) raw.header = o.header === 'auto' ? 'auto' : o.header ? 'present' : 'absent';
  const c = o.columns ?? {};
  for (const key of ['user', 'item', 'weight', 'timestamp'] as const) if (c[key] !== undefined) raw[key] = c[key];
  if (o.idMode !== undefined) raw.idMode = o.idMode;
  if (o.minWeight !== undefined) raw.minWeight = o.minWeight;
  return raw;
}

function checkParseOptions(o: ParseOptions): void {
  if (o === null || typeof o !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  if (o.format !== undefined && !FORMATS.includes(o.format))
    throw new RecforgeError('E_INVALID_ARG', `options.format must be one of ${FORMATS.join(', ')}, got ${String(o.format)}`);
  if (o.delimiter !== undefined && (typeof o.delimiter !== 'string' || o.delimiter.length !== 1))
    throw new RecforgeError('E_INVALID_ARG', `options.delimiter must be a single character, got ${JSON.stringify(o.delimiter)}`);
}

function toLoaded(raw: RawParsed, format: ResolvedFormat): LoadedInteractions {
  const { userIds, itemIds, ...rest } = raw;
  const out: LoadedInteractions = { ...rest, format };
  if (userIds) out.userIds = new IdMap(userIds);
  if (itemIds) out.itemIds = new IdMap(itemIds);
  return out;
}

/**
 * Parses interactions held in memory (a string, Buffer or Uint8Array; gzip is inflated).
 * `label` names the source in error messages (`label:17, column 5: ...`).
 */
export async function parseInteractions(input: Uint8Array | string, options: ParseOptions = {}, run: AsyncOptions = {}, label?: string): Promise<LoadedInteractions> {
  checkParseOptions(options);
  let bytes: Uint8Array;
  if (typeof input === 'string') bytes = Buffer.from(input, 'utf8');
  else if (input instanceof Uint8Array) bytes = input;
  else throw new RecforgeError('E_TYPE', 'input must be a string, Buffer or Uint8Array');
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      const where = label ? `${label}: ` : '';
      throw new RecforgeError('E_PARSE', `${where}corrupt gzip data (${(e as Error).message})`, { file: label, cause: e });
    }
  }
  const format = !options.format || options.format === 'auto' ? detectFormat(label, bytes) : options.format;
  if (format === 'lines') {
    if (options.idMode === 'string' || options.columns || options.minWeight !== undefined)
      throw new RecforgeError('E_INVALID_ARG', 'idMode, columns and minWeight apply to delimited formats, not to format "lines"');
    return toLoaded(await runNative(run, (t, p) => addon().parseLines(bytes, t, p), label), format);
  }
  const raw = delimitedOptions(format, options);
  return toLoaded(await runNative(run, (t, p) => addon().parseDelimited(bytes, raw, t, p), label), format);
}

/**
 * Reads and parses an interaction file (gzip detected by magic bytes).
 * @throws RecforgeError E_IO when the file cannot be read; E_PARSE / E_OUT_OF_RANGE /
 *   E_NONFINITE with `file` and `line` set and the message starting `file:line`; E_EMPTY when it
 *   holds no interaction.
 */
export async function readInteractions(file: string, options: ParseOptions = {}, run: AsyncOptions = {}): Promise<LoadedInteractions> {
  if (typeof file !== 'string' || file.length === 0) throw new RecforgeError('E_TYPE', 'file must be a non-empty path string');
  let bytes: Buffer;
  try {
    bytes = await readFile(file, { signal: run.signal });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.name === 'AbortError') throw new RecforgeError('E_ABORTED', 'operation aborted', { cause: e });
    throw new RecforgeError('E_IO', `${file}: cannot read (${err.code ?? err.message})`, { file, cause: e });
  }
  return parseInteractions(bytes, options, run, file);
}

/** Files (and parse options shared by them) for {@link loadDataset}. */
export interface DatasetFiles extends ParseOptions {
  /** Training interactions (or everything, when `split` makes the test part). */
  train: string;
  /** Test interactions (ground truth for evaluation). */
  test?: string;
  /** Validation interactions (masked when evaluating on test). */
  validation?: string;
  /** Cleaning applied to the train file's edges before `split` (only without a test file). */
  clean?: CleanOptions;
  /** Makes test (and validation) from the train file when no test file is given. */
  split?: TrainTestOptions;
}

// Puts several files' string ids into one id space (the first file's order first).
function unifyIds(parts: LoadedInteractions[], side: 'user' | 'item'): IdMap | undefined {
  const key = side === 'user' ? 'userIds' : 'itemIds';
  if (!parts.every((p) => p[key])) return undefined;
  const index = new Map<string, number>();
  const names: string[] = [];
  for (const part of parts) {
    const local = part[key]!.toExternal;
    const remap = new Int32Array(local.length);
    local.forEach((name, k) => {
      let id = index.get(name);
      if (id === undefined) index.set(name, (id = names.push(name) - 1));
      remap[k] = id;
    });
    const ids = side === 'user' ? part.users : part.items;
    for (let k = 0; k < ids.length; ++k) ids[k] = remap[ids[k]];
  }
  return new IdMap(names);
}

/**
 * Loads a Dataset from files: counts are the largest over all files; string ids share one id
 * space. With only a train file, `clean` then `split` can make the test/validation parts.
 */
export async function loadDataset(files: DatasetFiles, run: AsyncOptions = {}): Promise<Dataset> {
  if (files === null || typeof files !== 'object' || typeof files.train !== 'string')
    throw new RecforgeError('E_TYPE', 'loadDataset expects { train: path, test?: path, ... }');
  const { clean, split, ...rest } = files;
  const { train: _t, test: _s, validation: _v, ...parse } = rest;
  const named = (['train', 'test', 'validation'] as const).filter((n) => files[n] !== undefined);
  if ((clean || split) && named.length > 1) throw new RecforgeError('E_INVALID_ARG', 'clean/split apply when only a train file is given');
  const parts = await Promise.all(named.map((n) => readInteractions(files[n]!, parse, run)));
  const userIds = unifyIds(parts, 'user');
  const itemIds = unifyIds(parts, 'item');
  const nUsers = userIds?.size ?? Math.max(...parts.map((p) => p.nUsers));
  const nItems = itemIds?.size ?? Math.max(...parts.map((p) => p.nItems));
  let sets: Partial<Record<SplitName, EdgeList>> = {};
  named.forEach((n, k) => (sets[n] = { ...parts[k], nUsers, nItems, ...(userIds && { userIds }), ...(itemIds && { itemIds }) }));
  if (clean) sets.train = (await cleanInteractions(sets.train!, clean, run)).data;
  if (split) {
    const s = await splitInteractions(sets.train!, split, run);
    sets = { train: s.train, test: s.test, ...(s.validation && { validation: s.validation }) };
  }
  const t = sets.train!;
  return Dataset.fromArrays({ nUsers: t.nUsers, nItems: t.nItems, train: t, test: sets.test, validation: sets.validation, userIds: t.userIds, itemIds: t.itemIds }, run);
}
