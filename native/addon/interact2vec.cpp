#include "interact2vec.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "addon_state.hpp"
#include "convert.hpp"
#include "errors.hpp"
#include "graph.hpp"
#include "job.hpp"
#include "lightgcn_cel.hpp"
#include "option_fields.hpp"
#include "recforge/interact2vec_cel.hpp"

namespace rfaddon {

namespace {

// {dim, init: 'uniform'|'word2vec', initRange, seed, embedding?}; users/items come from the train
// matrix; embedding as LightGCN's (lightgcn_cel.hpp).
rf::Interact2VecConfig parseConfig(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::Interact2VecConfig c;
  c.dim = int32Field(o, "dim", 1, 4096, c.dim);
  static const char* const initNames[] = {"uniform", "word2vec"};
  static const rf::I2vInit inits[] = {rf::I2vInit::kUniform, rf::I2vInit::kWord2vec};
  c.init = enumField(o, "init", initNames, inits, c.init);
  c.initRange = finiteField(o, "initRange", c.initRange, 0, false);
  c.seed = seedField(o, 0);
  return c;
}

// {epochs, negatives, alpha, subsample, subsampleMode: 'once'|'epoch', optimizer: 'sgd'|'adam',
//  lr, minLrRatio, batchRows, adamRowOrder: 'shuffled'|'user', l2, itemItemWeight, threads, seed}. Ranges are checked by the core
// (validateInteract2VecOptions), synchronously, by the job's constructor.
rf::Interact2VecOptions parseOptions(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::Interact2VecOptions t;
  t.epochs = int32Field(o, "epochs", 1, INT32_MAX, t.epochs);
  t.negatives = int32Field(o, "negatives", 1, 1000, t.negatives);
  t.alpha = anyFiniteField(o, "alpha", t.alpha);
  t.subsample = finiteField(o, "subsample", t.subsample, 0, false);
  static const char* const modeNames[] = {"once", "epoch"};
  static const rf::I2vSubsample modes[] = {rf::I2vSubsample::kOnce, rf::I2vSubsample::kPerEpoch};
  t.subsampleMode = enumField(o, "subsampleMode", modeNames, modes, t.subsampleMode);
  static const char* const optimizerNames[] = {"sgd", "adam"};
  static const rf::I2vOptimizer optimizers[] = {rf::I2vOptimizer::kSgd, rf::I2vOptimizer::kAdam};
  t.optimizer = enumField(o, "optimizer", optimizerNames, optimizers, t.optimizer);
  t.lr = finiteField(o, "lr", t.lr, 0, true);
  t.minLrRatio = finiteField(o, "minLrRatio", t.minLrRatio, 0, false);
  t.batchRows = int32Field(o, "batchRows", 1, INT32_MAX, t.batchRows);
  static const char* const orderNames[] = {"shuffled", "user"};
  static const bool shuffles[] = {true, false};
  t.shuffleAdamRows = enumField(o, "adamRowOrder", orderNames, shuffles, t.shuffleAdamRows);
  t.l2 = finiteField(o, "l2", t.l2, 0, false);
  t.itemItemWeight = finiteField(o, "itemItemWeight", t.itemItemWeight, 0, false);
  t.threads = int32Field(o, "threads", 0, 4096, 0);
  t.seed = seedField(o, 0);
  rf::validateInteract2VecOptions(t);
  return t;
}

class CreateJob : public Job {
 public:
  CreateJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:createInteract2Vec", info[3], info[4]),
        train_(CsrWrap::unwrap(info[0], "train")),
        config_(parseConfig(info[1])),
        cel_(parseCelConfig(info[1])),
        threads_(int32Arg(info[2], "threads", 0, 4096)) {
    config_.users = train_->rows;
    config_.items = train_->cols;
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ctl.checkCancelled();
    state_ = std::make_shared<Interact2VecState>();
    state_->train = train_;
    state_->model = rf::Interact2VecModel::create(config_, threads_);
    if (cel_) {
      state_->cel = std::make_unique<rf::CelModel>(
          rf::createInteract2VecCel(*train_, state_->model, cel_->users, cel_->items));
      state_->celSchedule = cel_->schedule;
    }
  }
  Napi::Value Result(Napi::Env env) override { return Interact2VecWrap::wrap(env, std::move(state_)); }

 private:
  std::shared_ptr<const rf::Csr> train_;
  rf::Interact2VecConfig config_;
  std::optional<CelConfig> cel_;
  int32_t threads_;
  std::shared_ptr<Interact2VecState> state_;
};

class ConfigureJob : public Job {
 public:
  ConfigureJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecConfigure", info[1], info[2]),
        options_(parseOptions(info[0])),
        lease_(env, std::move(s), "configure training") {}

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    lease_->trainer.reset();  // frees the old run before building the new one
    // The trainer takes an edge list: the CSR's rows spelled out.
    const rf::Csr& a = *lease_->train;
    std::vector<int32_t> users(static_cast<size_t>(a.nnz()));
    for (int32_t u = 0; u < a.rows; ++u)
      for (int64_t q = a.indptr[u]; q < a.indptr[u + 1]; ++q) users[q] = u;
    const rf::EdgeView edges{users.data(), a.indices.data(), a.nnz(), a.rows, a.cols};
    rf::CelModel* cel = lease_->cel.get();
    lease_->trainer = std::make_unique<rf::Interact2VecTrainer>(edges, lease_->model, options_, cel,
                                                                cel ? &lease_->celSchedule : nullptr);
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  rf::Interact2VecOptions options_;
  Interact2VecLease lease_;
};

class TrainEpochJob : public Job {
 public:
  TrainEpochJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecTrainEpoch", info[0], info[1]), lease_(env, std::move(s), "train") {
    if (!lease_->trainer) throwError(env, rf::code::kInvalidArgument, "configureTraining must run before trainEpoch");
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    lease_->neighbours.reset();  // the tables move: neighbour lists go stale
    stats_ = lease_->trainer->trainEpoch(ctl);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", stats_.loss);
    o.Set("reg", stats_.reg);
    o.Set("kept", static_cast<double>(stats_.kept));
    o.Set("lastLr", stats_.lastLr);
    o.Set("steps", static_cast<double>(stats_.steps));
    return o;
  }

 private:
  Interact2VecLease lease_;
  rf::I2vEpochStats stats_;
};

// m.importTables(users: Float32Array, items: Float32Array): replaces U and V (a model file's
// tables). Sizes are checked on the main thread (E_SHAPE), values in the job (E_NONFINITE), so a
// damaged file cannot poison the model. The training run is dropped (its optimizer state belongs
// to the old tables): the next fit configures a new one.
class ImportTablesJob : public Job {
 public:
  ImportTablesJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecImportTables", info[2], info[3]),
        users_(float32Vector(info[0], "users")),
        items_(float32Vector(info[1], "items")),
        lease_(env, std::move(s), "import tables") {
    if (lease_->cel)
      throwError(env, rf::code::kInvalidArgument, "a model with clustered embedding tables imports them with importClusters");
    const rf::Interact2VecModel& m = lease_->model;
    if (users_.size() != m.users.size() || items_.size() != m.items.size())
      throwError(env, rf::code::kShape,
                 "tables have " + std::to_string(users_.size()) + " + " + std::to_string(items_.size()) +
                     " values but the model needs " + std::to_string(m.users.size()) + " + " + std::to_string(m.items.size()));
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    for (const auto* t : {&users_, &items_})
      for (float x : *t)
        if (!std::isfinite(x)) rf::fail(rf::code::kNonFinite, "tables hold NaN or Inf values");
    lease_->trainer.reset();
    lease_->neighbours.reset();
    lease_->model.users.swap(users_);
    lease_->model.items.swap(items_);
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::vector<float> users_, items_;
  Interact2VecLease lease_;
};

}  // namespace

void Interact2VecWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor =
      DefineClass(env, "NativeInteract2Vec",
                  {InstanceMethod<&Interact2VecWrap::ConfigureTraining>("configureTraining"),
                   InstanceMethod<&Interact2VecWrap::TrainEpoch>("trainEpoch"),
                   InstanceMethod<&Interact2VecWrap::Embeddings>("embeddings"),
                   InstanceMethod<&Interact2VecWrap::ImportTables>("importTables"),
                   InstanceMethod<&Interact2VecWrap::TopK>("topK"),
                   InstanceMethod<&Interact2VecWrap::Similar>("similar"), InstanceMethod<&Interact2VecWrap::Evaluate>("evaluate"),
                   InstanceMethod<&Interact2VecWrap::FoldIn>("foldIn"),
                   InstanceMethod<&Interact2VecWrap::Clusters>("clusters"),
                   InstanceMethod<&Interact2VecWrap::ImportClusters>("importClusters"),
                   InstanceMethod<&Interact2VecWrap::Info>("info"),
                   InstanceMethod<&Interact2VecWrap::Dispose>("dispose")});
  addonState(env).interact2VecCtor = Napi::Persistent(ctor);
  exports.Set("NativeInteract2Vec", ctor);
}

Interact2VecWrap::Interact2VecWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Interact2VecWrap>(info) {}

Napi::Object Interact2VecWrap::wrap(Napi::Env env, std::shared_ptr<Interact2VecState> state) {
  Napi::Object o = addonState(env).interact2VecCtor.New({});
  Unwrap(o)->state_ = std::move(state);
  return o;
}

std::shared_ptr<Interact2VecState> Interact2VecWrap::state(Napi::Env env) const {
  if (!state_) throwError(env, rf::code::kDisposed, "NativeInteract2Vec was disposed");
  return state_;
}

Napi::Value Interact2VecWrap::ConfigureTraining(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startJob<ConfigureJob>(info.Env(), state(info.Env()), info); });
}
Napi::Value Interact2VecWrap::TrainEpoch(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startJob<TrainEpochJob>(info.Env(), state(info.Env()), info); });
}
Napi::Value Interact2VecWrap::Embeddings(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startInteract2VecEmbeddings(info.Env(), state(info.Env()), info); });
}
Napi::Value Interact2VecWrap::ImportTables(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startJob<ImportTablesJob>(info.Env(), state(info.Env()), info); });
}
Napi::Value Interact2VecWrap::TopK(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startInteract2VecTopK(info.Env(), state(info.Env()), info); });
}
Napi::Value Interact2VecWrap::Similar(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startInteract2VecSimilar(info.Env(), state(info.Env()), info); });
}
Napi::Value Interact2VecWrap::FoldIn(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startInteract2VecFoldIn(info.Env(), state(info.Env()), info); });
}
Napi::Value Interact2VecWrap::Evaluate(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startInteract2VecEvaluate(info.Env(), state(info.Env()), info); });
}

Napi::Value Interact2VecWrap::Clusters(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    auto s = state(info.Env());
    if (!s->cel) return info.Env().Undefined();
    Interact2VecLease lease(info.Env(), s, "read the clusters");
    return celTablesObject(info.Env(), *s->cel, s->trainer ? s->trainer->celCounters() : nullptr);
  });
}

// Replaces the clustered tables (a model file's); the views are gathered from them, and the
// training run is dropped (its optimizer state belongs to the old tables).
Napi::Value Interact2VecWrap::ImportClusters(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto s = state(env);
    if (!s->cel) throwError(env, rf::code::kInvalidArgument, "the model has no clustered embedding tables");
    Interact2VecLease lease(env, s, "import clusters");
    rf::CelModel next = celImportedTables(env, *s->cel, info[0]);
    s->trainer.reset();
    rf::materializeInteract2Vec(next, s->model);  // validates (E_SHAPE / E_OUT_OF_RANGE) before anything changes
    *s->cel = std::move(next);
    s->neighbours.reset();
    return env.Undefined();
  });
}

// Config fields never change after creation; the epoch count is read only when idle.
Napi::Value Interact2VecWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto s = state(env);
  const rf::Interact2VecConfig& c = s->model.config;
  Napi::Object o = Napi::Object::New(env);
  o.Set("users", c.users);
  o.Set("items", c.items);
  o.Set("dim", c.dim);
  o.Set("init", c.init == rf::I2vInit::kWord2vec ? "word2vec" : "uniform");
  o.Set("initRange", c.initRange);
  o.Set("seed", static_cast<double>(c.seed));
  o.Set("trainer", s->trainer != nullptr);
  o.Set("busy", s->busy.load());
  return o;
}

Napi::Value Interact2VecWrap::Dispose(const Napi::CallbackInfo& info) {
  state_.reset();
  return info.Env().Undefined();
}

void registerInteract2VecFunctions(Napi::Env env, Napi::Object exports) {
  Interact2VecWrap::Register(env, exports);
  exportJob<CreateJob>(env, exports, "createInteract2Vec");
}

}  // namespace rfaddon
