/**
 * recforge: learn, evaluate and serve recommender embeddings inside Node.js.
 * @packageDocumentation
 */
export { RecforgeError, isRecforgeError, type ErrorCode, type ErrorLocation } from './errors.js';
export { Tensor, type DType, type TypedArrayOf } from './tensor.js';
export { readNpy, writeNpy, parseNpy, serializeNpy } from './npy.js';
export { listBackends, resolveDevice, type Device, type BackendInfo } from './backends.js';
export { Interactions, type InteractionArrays } from './interactions.js';
export { Dataset, IdMap, type DatasetArrays, type DatasetStats, type DegreeSummary, type SplitName } from './dataset.js';
export { type AsyncOptions } from './job.js';
export { syntheticDataset, type SyntheticOptions } from './synthetic.js';
export { readInteractions, parseInteractions, loadDataset, type ParseOptions, type LoadFormat, type ColumnSpec, type ColumnMap, type LoadedInteractions, type DatasetFiles } from './dataset-load.js';
export { type EdgeList } from './edge-list.js';
export { cleanInteractions, type CleanOptions, type CleanReport } from './clean.js';
export { splitInteractions, type SplitMethod, type SplitOptions, type TrainTestOptions, type SplitParts } from './splits.js';
export { projectionEmbeddings, type ProjectionOptions, type EmbeddingTables } from './projection.js';
export {
  FixedEmbeddings, type EmbeddingModel, type ModelOptions, type Trainer as TrainerContract, type FitOptions, type EpochEvent,
} from './model.js';
export {
  Evaluator, METRIC_NAMES, type EvaluatorOptions, type EvaluateOptions, type EvaluationResult, type MetricName, type PerUserMetrics,
} from './evaluator.js';
export { levelKey, type EmbeddingOptions } from './prefix.js';
export {
  type EmbeddingKind, type EmbeddingTableOptions, type ResolvedEmbedding, type ClusterTable, type ModelClusters, type ClusterCounters,
} from './embedding.js';
export { serializeSafetensors, parseSafetensors, type SafetensorsContent } from './safetensors.js';
export {
  exportEmbeddings, EXPORT_FILES, EXPORT_FORMAT, type ExportFormat, type ExportOptions, type ExportableModel, type ExportedFiles, type ExportResult,
} from './export.js';
export { renderTrainingReport, writeTrainingReport, type TrainingReportOptions } from './report/training-report.js';
export {
  LightGCN, MF, type LightGCNOptions, type LightGCNConfig, type RecommendOptions, type Recommendation, type BatchRecommendation,
  type RecommendManyOptions, type RecommendOutput, type FoldInOptions, type FoldInResult, type RankingEmbeddings,
} from './lightgcn.js';
export {
  Interact2Vec, type Interact2VecOptions, type Interact2VecFitOptions, type Interact2VecEpochEvent, type Interact2VecScoring,
  type Interact2VecRecommendOptions, type Interact2VecEvaluateOptions, type ScoringOptions,
  type Interact2VecConfig, type Interact2VecTraining, type Interact2VecFoldInOptions,
} from './interact2vec.js';
export { type SimilarOptions, type Neighbours } from './similar.js';
export { type NewInteractions, type PartialFitOptions, type PartialFitResult } from './partial-fit.js';
export { Matryoshka, DEFAULT_LEVELS, type MatryoshkaOptions } from './matryoshka.js';
export {
  Trainer, type TrainerOptions, type MatryoshkaTraining, type ResolvedTrainerOptions, type ResolvedMatryoshkaTraining, type TrainFitOptions, type TrainEpochEvent, type BestEpoch, type EarlyStopping, type CheckpointOptions,
} from './trainer.js';
export {
  saveModel, loadModel, MODEL_FORMAT, MODEL_FORMAT_VERSION, type SaveModelOptions, type LoadModelOptions, type SavedModel, type ModelFamily,
} from './model-file.js';
export { type ResolvedFormat } from './format-detect.js';
export { createServer, type ServerOptions, type RecforgeServer, type ServerAddress } from './server/server.js';
