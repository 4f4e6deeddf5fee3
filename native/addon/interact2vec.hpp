// NativeInteract2Vec: an Interact2Vec model (user table U, item table V) in native memory with
// its training run. Every O(nnz) or O(table) operation is an async job; jobs hold the state
// through shared_ptr, so dispose() during a job only drops the wrapper's reference.
//
// JS surface (async functions take `cancel?, progress?` last):
//   createInteract2Vec(train: NativeCsr, {dim, init, initRange, seed}, threads) -> Promise<NativeInteract2Vec>
//   m.configureTraining(options) -> Promise<void>  (a new run: fresh schedule and optimizer state)
//   m.trainEpoch()               -> Promise<{loss, reg, kept, lastLr, steps}>
//   m.embeddings()               -> Promise<{users, items}> (copies)
//   m.importTables(users, items) -> Promise<void> (replaces U and V; drops the training run)
//   m.topK(queries, k, scoring, excludeTrain, threads, neighbours, userWeight)
//     -> Promise<{items, scores}>, see interact2vec_query.cpp
//   m.foldIn(items, options, k, excludeTrain, scoring) -> Promise<{embedding, items, scores, steps, loss}>, see fold_in.cpp
//   m.similar(side, queries, k, dim, cosine, deny, threads) -> Promise<{items, scores}>, see similar.cpp
//   m.evaluate(scoring 'knn'|'blend', neighbours, userWeight, truth, mask, extraMask, ks, threads)
//     -> Promise<evaluation result> (evaluate.hpp layout)
//   m.clusters() -> undefined | { users, items, counters }, m.importClusters({ users, items }):
//     clustered embedding tables (config.embedding at creation; tables as in lightgcn_cel.hpp)
//   m.info() -> {users, items, dim, init, initRange, seed, trainer, busy}, m.dispose()
// Jobs that read or write the tables take the busy flag: a second one is refused with E_BUSY.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

#include "busy_lease.hpp"
#include "recforge/cel_trainer.hpp"
#include "recforge/csr.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/item_knn.hpp"

namespace rfaddon {

struct Interact2VecState {
  std::shared_ptr<const rf::Csr> train;  // user -> train items
  rf::Interact2VecModel model;
  // Clustered embedding tables (config.embedding): model.users / model.items are their gathered
  // views, kept current by the trainer.
  std::unique_ptr<rf::CelModel> cel;
  rf::CelSchedule celSchedule;
  // Declared after `model` and `cel`: it holds references to them, so it must be destroyed first.
  std::unique_ptr<rf::Interact2VecTrainer> trainer;
  std::atomic<bool> busy{false};
  // Item neighbour lists of the last knn / blend query (O(items^2 dim) to build), for the
  // tables as they were then: training drops them. Touched only under the busy lease.
  std::shared_ptr<const rf::ItemNeighbours> neighbours;
  int32_t neighboursK = 0;
};

using Interact2VecLease = BusyLeaseOf<Interact2VecState>;

class Interact2VecWrap : public Napi::ObjectWrap<Interact2VecWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit Interact2VecWrap(const Napi::CallbackInfo& info);
  static Napi::Object wrap(Napi::Env env, std::shared_ptr<Interact2VecState> state);
  // The held state; E_DISPOSED after dispose().
  std::shared_ptr<Interact2VecState> state(Napi::Env env) const;

 private:
  Napi::Value ConfigureTraining(const Napi::CallbackInfo& info);
  Napi::Value TrainEpoch(const Napi::CallbackInfo& info);
  Napi::Value Embeddings(const Napi::CallbackInfo& info);
  Napi::Value ImportTables(const Napi::CallbackInfo& info);
  Napi::Value TopK(const Napi::CallbackInfo& info);
  Napi::Value Similar(const Napi::CallbackInfo& info);
  Napi::Value FoldIn(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Clusters(const Napi::CallbackInfo& info);
  Napi::Value ImportClusters(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<Interact2VecState> state_;
};

// Jobs defined in interact2vec_query.cpp, similar.cpp and fold_in.cpp.
Napi::Value startInteract2VecFoldIn(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info);
Napi::Value startInteract2VecEmbeddings(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info);
Napi::Value startInteract2VecTopK(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info);
Napi::Value startInteract2VecSimilar(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info);
Napi::Value startInteract2VecEvaluate(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info);

void registerInteract2VecFunctions(Napi::Env env, Napi::Object exports);

}  // namespace rfaddon
