/**
 * Loads the native addon and types its raw surface. This interface is the one place where the
 * facade/addon contract is written down, so the compiler checks every call into native code.
 * @internal
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CleanReport } from './clean.js';
import { RecforgeError } from './errors.js';
import type { Interact2VecTraining } from './interact2vec.js';
import type { NativeSimilar } from './similar.js';
import { fileURLToPath } from 'node:url';

/** Native cancellation flag, flipped from an AbortSignal listener. */
export interface NativeCancelToken {
  cancel(): void;
  readonly cancelled: boolean;
}

/** Progress callback receiving a fraction in [0, 1]. */
export type ProgressFn = (fraction: number) => void;

/** A CSR matrix exported to JS. */
export interface CsrArrays {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
}

/** Native user -> items sparse matrix. */
export interface NativeCsr {
  readonly rows: number;
  readonly cols: number;
  readonly nnz: number;
  export(): CsrArrays;
  dispose(): void;
}

/**
 * An evaluation's extra mask: a per-user CSR (e.g. validation items when testing), or that plus
 * per-item flags (non-zero = never ranked for anyone).
 */
export type NativeExtraMask = NativeCsr | null | { mask: NativeCsr | null; excludedItems: Uint8Array };

/** Native bipartite graph with LightGCN normalization. */
export interface NativeGraph {
  info(): { nUsers: number; nItems: number; nnz: number };
  export(): { userItems: CsrArrays; itemUsers: CsrArrays; userNorm: Float32Array; itemNorm: Float32Array };
  userItems(): NativeCsr;
  /** Degree of every user or item (O(users) / O(items)). */
  degrees(side: 'users' | 'items'): Int32Array;
  dispose(): void;
}

/** Facts about this build of the addon. */
export interface BuildInfo {
  simd: string;
  threads: number;
  /**
   * compiled: the addon holds the CUDA backend (recforge_cuda.node); available: compiled and a
   * usable device was found; reason: the device (when available) or why not; device: its name.
   */
  cuda: { compiled: boolean; available?: boolean; reason: string; device?: string; driverVersion?: number; runtimeVersion?: number };
}

/** Raw evaluation result; see native/addon/evaluate.hpp for the layout. */
export interface NativeEvalResult {
  /** Evaluated user ids (users with at least one ground-truth item), ascending. */
  users: Int32Array;
  ks: number[];
  /** Metric names in the order of the layout below. */
  metrics: string[];
  /** mean[m * ks.length + k]. */
  mean: Float64Array;
  /** perUser[(m * ks.length + k) * users.length + u]. */
  perUser: Float32Array;
}

/** LightGCN hyperparameters of the model itself (see native/addon/train_options.hpp). */
export interface RawLightGcnConfig {
  dim: number;
  layers: number;
  initStd: number;
  init?: 'normal' | 'xavier';
  seed: number;
  embedding?: RawEmbedding;
}

/** The Matryoshka objective of a training run (levels come from the model). */
export interface RawMatryoshkaOptions {
  levels: number[];
  weights?: number[];
  candidates: number;
  mode: 'mns' | 'shared' | 'dns';
}

/** Training hyperparameters as the addon takes them (already validated by the facade). */
export interface RawTrainOptions {
  /** Where the run trains (default 'cpu'); 'cuda' needs the CUDA addon (else E_NO_DEVICE). */
  device?: 'cpu' | 'cuda';
  sampler: 'tf' | 'torch' | 'stratified' | 'pairs';
  dropLast?: boolean;
  matryoshka?: RawMatryoshkaOptions;
  negatives: 'uniform' | 'popularity';
  negativeAlpha: number;
  batchSize: number;
  reg: number;
  regByConfiguredBatch: boolean;
  optimizer: 'adam' | 'lazy-adam' | 'sgd';
  lr: number;
  threads: number;
  seed: number;
}

/** Everything needed to continue a training run bit-for-bit. */
export interface RawLightGcnState {
  /** Layer-0 table, (users + items) x dim. */
  ego: Float32Array;
  /** Adam first moments (absent for SGD or before training is configured). */
  m?: Float32Array;
  /** Adam second moments. */
  v?: Float32Array;
  /** Optimizer steps done (drives Adam's bias correction). */
  steps: number;
  /**
   * Clustered embedding tables (a model created with `embedding`): the tables and the CEL
   * trainer's state; `ego` is then ignored on import (native/addon/lightgcn_state.cpp).
   */
  cel?: RawCelState;
}

/** One side's clustered table plus its training state (rf::CelSideState). */
export interface RawCelSide {
  assign: Int32Array;
  centers: Float32Array;
  residual?: Float32Array;
  bias?: Float32Array;
  /** Adam moments of the cluster rows, capacity x dim. */
  m?: Float32Array;
  v?: Float32Array;
  /** Adam moments of the residual, entities x dim. */
  mr?: Float32Array;
  vr?: Float32Array;
  /** Adam moments of the bias, entities values. */
  mb?: Float32Array;
  vb?: Float32Array;
  /** CEL's gradient window since the last split round, entities x dim. */
  window?: Float32Array;
}

/** Counts of CEL's cluster steps (the rounds seed their draws). */
export interface RawCelCounters {
  splits: number;
  splitRounds: number;
  moves: number;
  reassignRounds: number;
}

/** The CEL part of a native state. */
export interface RawCelState {
  counters: RawCelCounters;
  users: RawCelSide;
  items: RawCelSide;
}

/** One side of a native embedding config (see native/addon/lightgcn_cel.hpp). */
export interface RawEmbeddingSide {
  kind: 'full' | 'clustered' | 'hashed' | 'frequency';
  clusters?: number;
  ratio?: number;
  residual?: boolean;
  hot?: number;
  bias?: boolean;
}

/** Native embedding config of a LightGCN model: both sides and the CEL schedule. */
export interface RawEmbedding {
  users: RawEmbeddingSide;
  items: RawEmbeddingSide;
  online: boolean;
  splitEvery: number;
  reassignEvery: number;
  candidates: number;
  reassignMinGain?: number;
  reassignEpochs?: number;
}

/** A clustered table as the addon exchanges it. */
export interface RawClusterTable {
  kind: 'full' | 'clustered' | 'hashed' | 'frequency';
  capacity: number;
  used: number;
  stateBytes: number;
  assign: Int32Array;
  centers: Float32Array;
  residual?: Float32Array;
  bias?: Float32Array;
}

/** Both clustered tables of a model and its cluster-step counters (native/addon/lightgcn_cel.hpp). */
export interface RawClusters {
  users: RawClusterTable;
  items: RawClusterTable;
  counters: { splits: number; splitRounds: number; moves: number; reassignRounds: number };
}

/** What importClusters takes: per side the assignment, cluster rows and (when the model has them) residuals / biases. */
export interface RawClusterImport {
  users: Pick<RawClusterTable, 'assign' | 'centers' | 'residual' | 'bias'>;
  items: Pick<RawClusterTable, 'assign' | 'centers' | 'residual' | 'bias'>;
}

/** Fold-in options as the addon takes them (recforge/fold_in.hpp's FoldInSpec). */
export interface RawFoldInOptions {
  steps: number;
  negatives: number;
  reg: number;
  seed: number;
  levels?: number[];
  /** A shared user table: join the best-fitting cluster, or follow the kind's rule. */
  assign?: 'best' | 'rule';
  /** A hashed user table under the rule: the id whose bucket the user joins. */
  hashId?: number;
}

/** Interact2Vec fold-in options as the addon takes them (FoldInSpec with the SGNS objective). */
export interface RawInteract2VecFoldInOptions {
  steps: number;
  negatives: number;
  reg: number;
  seed: number;
  /** Exponent of the negative weights count^alpha. */
  alpha: number;
  /** K: weight of the negative term (negatives per positive in training). */
  negativeMass: number;
  /** The user row starts at U(-initRange, initRange). */
  initRange: number;
}

/** Native LightGCN / MF-BPR model (see native/addon/lightgcn.hpp). */
export interface NativeLightGcn {
  configureTraining(options: RawTrainOptions, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<void>;
  trainEpoch(epoch: number, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<number>;
  finalEmbeddings(threads: number, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<{ users: Float32Array; items: Float32Array }>;
  /** Per-item offsets added to every full-width ranking score from the next finalEmbeddings on (null: none). */
  setItemScoreOffset(offset: Float32Array | null): void;
  exportState(cancel?: NativeCancelToken, progress?: ProgressFn): Promise<RawLightGcnState>;
  importState(state: RawLightGcnState, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<void>;
  /**
   * dim: prefix width of the ranking score (0 = full); shortlist > 0: rerank that many at full width;
   * allow / deny: optional item lists (only these / never these).
   */
  recommend(users: Int32Array, k: number, excludeTrain: boolean, threads: number, dim: number, shortlist: number,
    allow: Int32Array | undefined, deny: Int32Array | undefined,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<{ items: Int32Array; scores: Float32Array }>;
  /** One user on the calling thread, from the table cached by finalEmbeddings; real results only (no padding). */
  recommendSync(user: number, k: number, excludeTrain: boolean, dim: number, shortlist: number,
    allow: Int32Array | undefined, deny: Int32Array | undefined): { items: Int32Array; scores: Float32Array };
  /** Nearest neighbours within the final user or item table cached by finalEmbeddings (native/addon/similar.cpp). */
  similar: NativeSimilar;
  /** Folds in a new user from its items, then ranks items for it (native/addon/fold_in.cpp); real results only. */
  foldIn(items: Int32Array, options: RawFoldInOptions, k: number, excludeTrain: boolean, dim: number, shortlist: number,
    allow: Int32Array | undefined, deny: Int32Array | undefined, cancel?: NativeCancelToken, progress?: ProgressFn):
    Promise<{ embedding: Float32Array; items: Int32Array; scores: Float32Array; steps: number; loss: number; cluster?: number }>;
  /** Moves the model onto a larger train graph, new rows from the init (native/addon/partial_fit.cpp). */
  grow(graph: NativeGraph, generation: number, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<void>;
  /** One incremental epoch: the pairs plus `replay` x as many train pairs; the mean batch loss. */
  trainPairs(users: Int32Array, items: Int32Array, replay: number, epoch: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<number>;
  trainMatrix(): NativeCsr;
  /** The clustered tables (undefined for plain tables); E_BUSY while a job holds the model. */
  clusters(): RawClusters | undefined;
  /** Replaces the clustered tables (assign, centers, residual per side) and re-gathers the layer-0 table. */
  importClusters(tables: RawClusterImport): void;
  info(): { users: number; items: number; dim: number; layers: number; initStd: number; init: 'normal' | 'xavier'; seed: number;
    trainer: boolean; device?: 'cpu' | 'cuda'; busy: boolean };
  dispose(): void;
}

/** Interact2Vec model hyperparameters (see native/addon/interact2vec.cpp). */
export interface RawInteract2VecConfig {
  dim: number;
  init: 'uniform' | 'word2vec';
  initRange: number;
  seed: number;
  /** Clustered embedding tables (as LightGCN's). */
  embedding?: RawEmbedding;
}

/** Interact2Vec training options as the addon takes them (ranges checked natively). */
export interface RawInteract2VecOptions extends Interact2VecTraining {
  epochs: number;
  threads: number;
  seed: number;
}

/** What one native Interact2Vec epoch reports. */
export interface RawInteract2VecEpoch {
  loss: number;
  reg: number;
  kept: number;
  lastLr: number;
  steps: number;
}

/** Native Interact2Vec model (see native/addon/interact2vec.hpp). */
export interface NativeInteract2Vec {
  configureTraining(options: RawInteract2VecOptions, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<void>;
  trainEpoch(cancel?: NativeCancelToken, progress?: ProgressFn): Promise<RawInteract2VecEpoch>;
  embeddings(cancel?: NativeCancelToken, progress?: ProgressFn): Promise<{ users: Float32Array; items: Float32Array }>;
  /** Replaces U and V (sizes must match: E_SHAPE; values finite: E_NONFINITE); drops the configured training run. */
  importTables(users: Float32Array, items: Float32Array, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<void>;
  /** scoring 'knn' / 'blend' (user-item only) use `neighbours`-item lists; blend weighs cosine by userWeight. */
  topK(queries: Int32Array, k: number, scoring: 'dot' | 'cosine' | 'knn' | 'blend',
    excludeTrain: boolean, threads: number, neighbours: number, userWeight: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<{ items: Int32Array; scores: Float32Array }>;
  /** Nearest neighbours within the user or the item table (see native/addon/similar.cpp). */
  similar: NativeSimilar;
  /** Folds in a new user (the SGNS objective of recforge/fold_in.hpp), then ranks items for it (native/addon/fold_in.cpp). */
  foldIn(items: Int32Array, options: RawInteract2VecFoldInOptions, k: number, excludeTrain: boolean, scoring: 'dot' | 'cosine',
    cancel?: NativeCancelToken, progress?: ProgressFn):
    Promise<{ embedding: Float32Array; items: Int32Array; scores: Float32Array; steps: number; loss: number }>;
  /** Evaluation with the knn / blend scorer (dot and cosine go through the plain evaluator). */
  evaluate(scoring: 'knn' | 'blend', neighbours: number, userWeight: number, truth: NativeCsr, mask: NativeCsr | null,
    extraMask: NativeExtraMask, ks: number[], threads: number, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeEvalResult>;
  /** The clustered tables (undefined for plain tables); E_BUSY while a job holds the model. */
  clusters(): RawClusters | undefined;
  /** Replaces the clustered tables and re-gathers U and V; drops the configured training run. */
  importClusters(tables: RawClusterImport): void;
  info(): { users: number; items: number; dim: number; init: 'uniform' | 'word2vec'; initRange: number; seed: number; trainer: boolean; busy: boolean };
  dispose(): void;
}

/** The raw addon. Async functions take `(…, cancel?, progress?)` as their last arguments. */
export interface RawAddon extends RawLoadAddon {
  createLightGcn(graph: NativeGraph, config: RawLightGcnConfig, threads: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeLightGcn>;
  createInteract2Vec(train: NativeCsr, config: RawInteract2VecConfig, threads: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeInteract2Vec>;
  CancelToken: new () => NativeCancelToken;
  buildCsr(users: Int32Array, items: Int32Array, nUsers: number, nItems: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeCsr>;
  buildGraph(users: Int32Array, items: Int32Array, nUsers: number, nItems: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeGraph>;
  buildInfo(): BuildInfo;
  /**
   * Which certified scan recommendSync's full-width queries use (process-wide; all return the same
   * exact results): sets it when `route` is given, returns the setting and whether this CPU runs
   * the int8 kernel (AVX-512 VNNI). For A/B benchmarks.
   */
  servingScan(route?: 'auto' | 'float' | 'bf16' | 'int8'): { route: string; int8Supported: boolean };
  projectionEmbeddings(graph: NativeGraph, dim: number, seed: number, threads: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<{ users: Float32Array; items: Float32Array; dim: number }>;
  evaluate(users: Float32Array, items: Float32Array, dim: number, truth: NativeCsr, mask: NativeCsr | null,
    extraMask: NativeExtraMask, ks: number[], threads: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeEvalResult>;
  /** One result per prefix width in `dims` (strictly increasing, in [1, dim]), scored in one pass. */
  evaluatePrefixes(users: Float32Array, items: Float32Array, dim: number, dims: number[], truth: NativeCsr,
    mask: NativeCsr | null, extraMask: NativeExtraMask, ks: number[], threads: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeEvalResult[]>;
  evaluateBaseline(kind: 'popularity' | 'random', seed: number, train: NativeCsr, truth: NativeCsr,
    mask: NativeCsr | null, extraMask: NativeExtraMask, ks: number[], threads: number,
    cancel?: NativeCancelToken, progress?: ProgressFn): Promise<NativeEvalResult>;
  generateSynthetic(options: object, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<{
    nUsers: number; nItems: number;
    train: { users: Int32Array; items: Int32Array };
    test: { users: Int32Array; items: Int32Array };
  }>;
}

/** Raw edge list crossing the addon boundary (loaders, cleaning, splits). */
export interface RawEdges {
  nUsers: number;
  nItems: number;
  users: Int32Array;
  items: Int32Array;
  weights?: Float32Array;
  timestamps?: Float64Array;
}

/** What the native parsers return. */
export interface RawParsed extends RawEdges {
  userIds?: string[];
  itemIds?: string[];
  rows: number;
  filteredRows: number;
  delimiter?: string;
  header?: string[];
}

/** Native options of parseDelimited (already normalized by the facade). */
export interface RawDelimitedOptions {
  delimiter?: string;
  header?: 'auto' | 'present' | 'absent';
  user?: number | string;
  item?: number | string;
  weight?: number | string;
  timestamp?: number | string;
  idMode?: 'integer' | 'string';
  minWeight?: number;
}

/** What the native cleaner returns: the public report's counts and maps, with raw edges. */
export interface RawCleaned extends Omit<CleanReport, 'data'> {
  data: RawEdges;
}

/** The loader family of the raw addon (see native/addon/load_*.hpp). */
export interface RawLoadAddon {
  parseLines(bytes: Uint8Array, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<RawParsed>;
  parseDelimited(bytes: Uint8Array, options: RawDelimitedOptions, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<RawParsed>;
  cleanInteractions(data: RawEdges, options: object, cancel?: NativeCancelToken, progress?: ProgressFn): Promise<RawCleaned>;
  splitInteractions(data: RawEdges, test: object, validation: object | undefined, cancel?: NativeCancelToken,
    progress?: ProgressFn): Promise<{ train: RawEdges; test: RawEdges; validation?: RawEdges; cutTime?: number }>;
}

const require = createRequire(import.meta.url);
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Which addon this process loaded, and from where. */
export interface LoadedAddon {
  /** `'cpu'`: the shipped addon (prebuilds/ or build/Release); `'cuda'`: the CUDA variant. */
  variant: 'cpu' | 'cuda';
  /** File of the CUDA variant (undefined for the CPU addon, which node-gyp-build locates). */
  path?: string;
  /** Why an auto-detected CUDA addon was not used (it failed to load), when that happened. */
  cudaLoadError?: string;
}

/** Where cmake-js puts the CUDA variant (scripts/build-cuda-addon.mjs), newest layout first. */
export const CUDA_ADDON_CANDIDATES: readonly string[] = [
  path.join('build-cuda-addon', 'Release', 'recforge_cuda.node'),
  path.join('build-cuda-addon', 'recforge_cuda.node'),
];

/**
 * The CUDA addon to load instead of the CPU one: none when RECFORGE_CUDA is '0'; else
 * RECFORGE_ADDON_PATH when set (explicit: it must exist), else the first of
 * {@link CUDA_ADDON_CANDIDATES} under the package root that exists.
 */
export function cudaAddonPath(env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } | undefined {
  if (env.RECFORGE_CUDA === '0') return undefined;
  const explicit = env.RECFORGE_ADDON_PATH;
  if (explicit) return { path: path.resolve(explicit), explicit: true };
  for (const rel of CUDA_ADDON_CANDIDATES) {
    const p = path.join(packageRoot, rel);
    if (existsSync(p)) return { path: p, explicit: false };
  }
  return undefined;
}

/**
 * Why an auto-detected CUDA addon must not be used, or undefined: a CPU addon built after it means
 * the sources changed since the CUDA build, and an addon from older sources can disagree with this
 * facade about its arguments (e.g. fail every evaluation with a type error). An explicit
 * RECFORGE_ADDON_PATH is not checked. @internal
 */
export function staleCudaAddon(cudaPath: string, cpuPath: string = path.join(packageRoot, 'build', 'Release', 'recforge.node')): string | undefined {
  if (!existsSync(cpuPath)) return undefined;
  if (statSync(cpuPath).mtimeMs <= statSync(cudaPath).mtimeMs) return undefined;
  return `${cudaPath} is older than ${cpuPath} (built from older sources): rebuild it with npm run build:cuda, or set RECFORGE_ADDON_PATH to load it anyway`;
}

let cached: RawAddon | undefined;
let loaded: LoadedAddon | undefined;

/**
 * The loaded addon, loaded once per thread: the CUDA variant when {@link cudaAddonPath} names
 * one, else the CPU addon (build/Release first, then prebuilds/). An explicit RECFORGE_ADDON_PATH
 * that cannot be loaded throws; an auto-detected CUDA addon that cannot be loaded, or that is
 * older than build/Release's CPU addon ({@link staleCudaAddon}), falls back to the CPU addon and
 * the reason is reported by listBackends().
 */
export function addon(): RawAddon {
  if (!cached) {
    const cuda = cudaAddonPath();
    let cudaLoadError: string | undefined;
    const stale = cuda && !cuda.explicit ? staleCudaAddon(cuda.path) : undefined;
    if (stale) cudaLoadError = stale;
    else if (cuda) {
      try {
        if (cuda.explicit && !existsSync(cuda.path)) throw new Error(`no such file: ${cuda.path}`);
        cached = require(cuda.path) as RawAddon;
        loaded = { variant: 'cuda', path: cuda.path };
        return cached;
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        if (cuda.explicit)
          throw new RecforgeError('E_IO', `cannot load the addon named by RECFORGE_ADDON_PATH (${cuda.path}): ${why}`, { cause: e });
        cudaLoadError = `${cuda.path} failed to load: ${why}`;
      }
    }
    const load = require('node-gyp-build') as (dir: string) => unknown;
    cached = load(packageRoot) as RawAddon;
    loaded = { variant: 'cpu', cudaLoadError };
  }
  return cached;
}

/** Which addon {@link addon} loaded (loading it first). */
export function loadedAddon(): LoadedAddon {
  addon();
  return loaded!;
}
