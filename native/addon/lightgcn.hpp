// NativeLightGcn: a LightGCN (or MF-BPR, layers = 0) model living in native memory, with its
// training state. Everything heavy is an async job; the jobs hold the state through shared_ptr, so
// dispose() during training only drops the wrapper's reference and the job finishes safely.
//
// JS surface (all async functions take `cancel?, progress?` last):
//   createLightGcn(graph, {dim, layers, initStd, seed}, threads) -> Promise<NativeLightGcn>
//   m.configureTraining(options)      -> Promise<void>   (new trainer: fresh Adam state;
//                                        options.device 'cpu' | 'cuda', see LightGcnState)
//   m.trainEpoch(epoch)               -> Promise<number> (mean batch loss)
//   m.finalEmbeddings(threads)        -> Promise<{users, items}>, also cached for recommend
//   m.setItemScoreOffset(offset | null) -> per-item score offsets (Float32Array, items values,
//                                        finite) that recommend / recommendSync / foldIn add to every
//                                        full-width score from the next finalEmbeddings on
//   m.exportState()                   -> Promise<{ego, m?, v?, steps, cel?}>
//   m.importState({ego, m?, v?, steps, cel?}) -> Promise<void>  (cel: lightgcn_state.cpp)
//   m.recommend(users, k, excludeTrain, threads, dim, shortlist, allow?, deny?) -> Promise<{items, scores}> (see recommend.cpp)
//   m.recommendSync(user, k, excludeTrain, dim, shortlist, allow?, deny?) -> {items, scores} (synchronous, see recommend.cpp)
//   m.similar(side, queries, k, dim, cosine, deny?, threads) -> Promise<{items, scores}> (see similar.cpp)
//   m.foldIn(items, options, k, excludeTrain, dim, shortlist, allow?, deny?)
//     -> Promise<{embedding, items, scores, steps, loss, cluster?}> (see fold_in.cpp)
//   m.grow(graph, generation) -> Promise<void>, m.trainPairs(users, items, replay, epoch) -> Promise<number>
//     (incremental training, see partial_fit.cpp)
//   m.trainMatrix() -> NativeCsr (the train user -> items matrix the model was built on)
//   m.clusters(), m.importClusters(tables): clustered embedding tables (lightgcn_cel.hpp)
//   m.info() -> {users, items, dim, layers, initStd, seed, trainer, device?, busy}, m.dispose()
// Jobs that read or write the embedding table take the model's busy flag: a second one while
// the first runs is refused with E_BUSY instead of racing.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <vector>

#include "busy_lease.hpp"
#include "recforge/csr.hpp"
#include "lightgcn_cel.hpp"
#include "recforge/cel_trainer.hpp"
#include "recforge/lightgcn.hpp"
#include "recforge/retrieval.hpp"

#ifdef RECFORGE_WITH_CUDA
#include "recforge/cuda/lightgcn_trainer.hpp"
#include "recforge/cuda/runtime.hpp"
#endif

namespace rfaddon {

// What fold-in needs of the clustered tables (fold_in.cpp), as the last finalEmbeddings saw them.
struct FoldInUserSide {
  rf::EmbeddingKind kind = rf::EmbeddingKind::kFull;  // of the user table
  rf::ClusteredTable rows;        // the user cluster rows: centers, capacity, dim, seed (no assign / residual)
  bool residual = false;          // the user table has residuals
  std::vector<int32_t> joinable;  // used, unpinned user clusters (ClusteredTable::joinableClusters)
  bool userLastIsOne = false;     // the item table has a bias: users' last coordinate is 1
};

struct LightGcnState {
  std::shared_ptr<const rf::BipartiteGraph> graph;
  rf::LightGcnModel model;
  // Clustered embedding tables (CEL) behind model.ego, when the model was created with an
  // `embedding` config; model.ego is then their gathered view, kept current by celTrainer.
  std::unique_ptr<rf::CelModel> cel;
  rf::CelSchedule celSchedule;
  // Declared after `model`: it holds references to it, so it must be destroyed first.
  std::unique_ptr<rf::LightGcnTrainer> trainer;
  std::unique_ptr<rf::CelTrainer> celTrainer;
#ifdef RECFORGE_WITH_CUDA
  // The GPU trainer of a run configured with device 'cuda' (then `trainer` is null). During an
  // epoch the device table is the truth; every job that ends an epoch or imports a state leaves
  // model.ego equal to it, so evaluation, recommendation and saving read the host table as usual.
  std::unique_ptr<rf::cuda::LightGcnTrainer> gpuTrainer;
  bool gpuAdam = false;  // the GPU run keeps Adam moments (optimizer 'adam')
#endif
  std::atomic<bool> busy{false};
  // Final embeddings of the last finalEmbeddings job, (users + items) x dim. Replaced on the main
  // thread only, so recommend jobs can hold the old table while training moves on.
  std::shared_ptr<const std::vector<float>> final;
  // The item rows of `final` packed for recommendSync; set and reset together with `final`.
  // With an item score offset they are the rows of `rank` instead.
  std::shared_ptr<const rf::PackedItems> packed;
  // Per-item score offsets (null: none), set from JS; a finalEmbeddings job reads the pointer it
  // captured on the main thread. With them, `rank` holds the ranking tables: (users + items) x
  // (dim + 1), user rows extended by 1 and item rows by their offset, so every retrieval route
  // (tiled, bf16, int8) ranks by <u, v_i> + offset_i unchanged. Set and reset with `final`.
  std::shared_ptr<const std::vector<float>> itemScoreOffset;
  std::shared_ptr<const std::vector<float>> rank;
  // Sum of the item rows' layers 0..K-1 of the same state (items x dim; null for K = 0), what
  // fold-in propagates to a new user; set and reset together with `final`.
  std::shared_ptr<const std::vector<float>> itemLayerSum;
  // The clustered tables' part of fold-in (null for a model without them); set with `final`.
  std::shared_ptr<const FoldInUserSide> foldInUsers;

  // "cpu" / "cuda" for the configured trainer; nullptr before configureTraining.
  const char* trainerDevice() const {
#ifdef RECFORGE_WITH_CUDA
    if (gpuTrainer) return "cuda";
#endif
    return trainer || celTrainer ? "cpu" : nullptr;
  }
};

using BusyLease = BusyLeaseOf<LightGcnState>;

class LightGcnWrap : public Napi::ObjectWrap<LightGcnWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit LightGcnWrap(const Napi::CallbackInfo& info);
  static Napi::Object wrap(Napi::Env env, std::shared_ptr<LightGcnState> state);
  // The state held by `this`; E_DISPOSED after dispose().
  std::shared_ptr<LightGcnState> state(Napi::Env env) const;

 private:
  Napi::Value ConfigureTraining(const Napi::CallbackInfo& info);
  Napi::Value TrainEpoch(const Napi::CallbackInfo& info);
  Napi::Value FinalEmbeddings(const Napi::CallbackInfo& info);
  Napi::Value SetItemScoreOffset(const Napi::CallbackInfo& info);
  Napi::Value ExportState(const Napi::CallbackInfo& info);
  Napi::Value Clusters(const Napi::CallbackInfo& info);
  Napi::Value ImportClusters(const Napi::CallbackInfo& info);
  Napi::Value ImportState(const Napi::CallbackInfo& info);
  Napi::Value Recommend(const Napi::CallbackInfo& info);
  Napi::Value RecommendSync(const Napi::CallbackInfo& info);
  Napi::Value Similar(const Napi::CallbackInfo& info);
  Napi::Value FoldIn(const Napi::CallbackInfo& info);
  Napi::Value Grow(const Napi::CallbackInfo& info);
  Napi::Value TrainPairs(const Napi::CallbackInfo& info);
  Napi::Value TrainMatrix(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<LightGcnState> state_;
};

// Jobs defined in lightgcn_state.cpp, recommend.cpp, similar.cpp, fold_in.cpp and partial_fit.cpp,
// started by the wrapper's methods.
Napi::Value startExportState(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info);
Napi::Value startImportState(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info);
Napi::Value startRecommend(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info);
Napi::Value recommendSync(Napi::Env env, const LightGcnState& s, const Napi::CallbackInfo& info);
Napi::Value startLightGcnSimilar(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info);
Napi::Value startFoldIn(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info);
Napi::Value startGrow(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info);
Napi::Value startTrainPairs(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info);

void registerLightGcnFunctions(Napi::Env env, Napi::Object exports);

}  // namespace rfaddon
