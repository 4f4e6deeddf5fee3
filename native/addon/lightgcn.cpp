#include "lightgcn.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "addon_state.hpp"
#include "convert.hpp"
#include "errors.hpp"
#include "graph.hpp"
#include "job.hpp"
#include "train_options.hpp"

namespace rfaddon {

namespace {

class CreateJob : public Job {
 public:
  CreateJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:createLightGcn", info[3], info[4]),
        graph_(GraphWrap::unwrap(info[0], "graph")),
        config_(parseLightGcnConfig(info[1])),
        cel_(parseCelConfig(info[1])),
        threads_(int32Arg(info[2], "threads", 0, 4096)) {
    config_.users = graph_->nUsers();
    config_.items = graph_->nItems();
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ctl.checkCancelled();
    state_ = std::make_shared<LightGcnState>();
    state_->graph = graph_;
    state_->model = rf::LightGcnModel::create(config_, threads_);
    if (cel_) {
      state_->cel = std::make_unique<rf::CelModel>(
          rf::CelModel::create(*graph_, state_->model, cel_->users, cel_->items, config_.seed));
      state_->celSchedule = cel_->schedule;
    }
  }
  Napi::Value Result(Napi::Env env) override { return LightGcnWrap::wrap(env, std::move(state_)); }

 private:
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  rf::LightGcnConfig config_;
  std::optional<CelConfig> cel_;
  int32_t threads_;
  std::shared_ptr<LightGcnState> state_;
};

class ConfigureJob : public Job {
 public:
  ConfigureJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:configureTraining", info[1], info[2]),
        options_(parseTrainOptions(info[0])),
        device_(parseTrainDevice(info[0])),
        lease_(env, std::move(s), "configure training") {
#ifndef RECFORGE_WITH_CUDA
    if (device_ == TrainDevice::kCuda)
      throwError(env, rf::code::kNoDevice,
                 "this build of the addon was compiled without CUDA support (build recforge_cuda.node with npm run build:cuda)");
#endif
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    // Frees the old workspaces (and device memory) before allocating new ones. model.ego is
    // current (see LightGcnState), so a run may move between devices.
    lease_->trainer.reset();
    lease_->celTrainer.reset();
    if (lease_->cel) {
      if (device_ == TrainDevice::kCuda)
        rf::fail(rf::code::kInvalidArgument, "clustered embedding tables train on the CPU only (device 'cpu')");
      lease_->celTrainer = std::make_unique<rf::CelTrainer>(*lease_->graph, lease_->model, *lease_->cel, options_,
                                                            lease_->celSchedule);
      return;
    }
#ifdef RECFORGE_WITH_CUDA
    lease_->gpuTrainer.reset();
    if (device_ == TrainDevice::kCuda) {
      // Uploads the graph and the current table; E_NO_DEVICE / E_DEVICE_OOM / E_DEVICE on failure,
      // E_INVALID_ARG for what the GPU trainer does not support (lazy-adam).
      lease_->gpuTrainer = std::make_unique<rf::cuda::LightGcnTrainer>(*lease_->graph, lease_->model, options_);
      lease_->gpuAdam = options_.optimizer == rf::OptimizerKind::kAdam;
      // Jobs run on different worker threads, each with its own default stream (the backend is
      // built with --default-stream=per-thread): finish this thread's uploads and fills before
      // another thread's kernels read them.
      rf::cuda::synchronize();
      return;
    }
#endif
    lease_->trainer = std::make_unique<rf::LightGcnTrainer>(*lease_->graph, lease_->model, options_);
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  rf::TrainOptions options_;
  TrainDevice device_;
  BusyLease lease_;
};

class TrainEpochJob : public Job {
 public:
  TrainEpochJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:trainEpoch", info[1], info[2]),
        epoch_(numberArg(info[0], "epoch")),
        lease_(env, std::move(s), "train") {
    if (!(epoch_ >= 0 && epoch_ <= 9007199254740991.0) || static_cast<double>(static_cast<int64_t>(epoch_)) != epoch_)
      throwError(env, rf::code::kInvalidArgument, "epoch must be a non-negative integer");
    if (!lease_->trainerDevice()) throwError(env, rf::code::kInvalidArgument, "configureTraining must run before trainEpoch");
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
#ifdef RECFORGE_WITH_CUDA
    if (lease_->gpuTrainer) {
      rf::cuda::LightGcnTrainer& gpu = *lease_->gpuTrainer;
      try {
        loss_ = gpu.trainEpoch(static_cast<int64_t>(epoch_), ctl);
      } catch (...) {
        // Cancelled (or failed) mid-epoch: the batches already applied stay applied, as on the
        // CPU, so bring the host table up to date when the device still answers.
        try {
          gpu.downloadModel();
        } catch (...) {
        }
        throw;
      }
      gpu.downloadModel();  // eval / recommend / save read the host table
      return;
    }
#endif
    if (lease_->celTrainer) {
      loss_ = lease_->celTrainer->trainEpoch(static_cast<int64_t>(epoch_), ctl);
      return;
    }
    loss_ = lease_->trainer->trainEpoch(static_cast<int64_t>(epoch_), ctl);
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, loss_); }

 private:
  double epoch_;
  BusyLease lease_;
  double loss_ = 0;
};

// The ranking tables of LightGcnState::rank: every final row widened by one coordinate, 1 for
// users and the item's score offset for items.
std::vector<float> rankingTables(const std::vector<float>& final, int32_t users, int32_t items, int32_t dim,
                                 const std::vector<float>& offset) {
  const int64_t w = dim + 1;
  std::vector<float> out(static_cast<size_t>((static_cast<int64_t>(users) + items) * w));
  for (int64_t r = 0; r < static_cast<int64_t>(users) + items; ++r) {
    std::copy(final.begin() + r * dim, final.begin() + (r + 1) * dim, out.begin() + r * w);
    out[r * w + dim] = r < users ? 1.0f : offset[r - users];
  }
  return out;
}

class FinalJob : public Job {
 public:
  FinalJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:finalEmbeddings", info[1], info[2]),
        threads_(int32Arg(info[0], "threads", 0, 4096)),
        lease_(env, s, "compute final embeddings"),
        state_(std::move(s)),
        offset_(state_->itemScoreOffset) {}  // declared after state_

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    auto layerSum = std::make_shared<std::vector<float>>();
    auto all = std::make_shared<std::vector<float>>(state_->model.finalEmbeddings(*state_->graph, threads_, layerSum.get()));
    if (!layerSum->empty()) layerSum_ = std::move(layerSum);
    const auto split = all->begin() + static_cast<int64_t>(state_->model.config.users) * state_->model.config.dim;
    users_.assign(all->begin(), split);
    items_.assign(split, all->end());
    const rf::LightGcnConfig& c = state_->model.config;
    if (offset_ && static_cast<int64_t>(offset_->size()) != c.items)
      rf::fail(rf::code::kShape, "the item score offsets have " + std::to_string(offset_->size()) + " values for " +
                                     std::to_string(c.items) + " items (set them again after the item count changed)");
    if (offset_) {
      rank_ = std::make_shared<const std::vector<float>>(rankingTables(*all, c.users, c.items, c.dim, *offset_));
      packed_ = std::make_shared<const rf::PackedItems>(
          rf::MatrixView{rank_->data() + static_cast<int64_t>(c.users) * (c.dim + 1), c.items, c.dim + 1}, threads_);
    } else {
      packed_ = std::make_shared<const rf::PackedItems>(
          rf::MatrixView{all->data() + static_cast<int64_t>(c.users) * c.dim, c.items, c.dim}, threads_);
    }
    final_ = std::move(all);
    if (const rf::CelModel* cel = state_->cel.get()) {
      auto f = std::make_shared<FoldInUserSide>();
      f->kind = cel->spec[0].kind;
      f->userLastIsOne = !cel->table[1].bias.empty();
      if (f->kind != rf::EmbeddingKind::kFull) {
        const rf::ClusteredTable& t = cel->table[0];
        f->joinable = t.joinableClusters();
        f->residual = !t.residual.empty();
        f->rows.entities = t.entities;
        f->rows.dim = t.dim;
        f->rows.capacity = t.capacity;
        f->rows.seed = t.seed;
        f->rows.centers = t.centers;
      }
      foldInUsers_ = std::move(f);
    }
  }
  Napi::Value Result(Napi::Env env) override {
    state_->final = std::move(final_);  // main thread: recommend jobs see either table, whole
    state_->packed = std::move(packed_);
    state_->rank = std::move(rank_);
    state_->itemLayerSum = std::move(layerSum_);
    state_->foldInUsers = std::move(foldInUsers_);
    return userItemTables(env, std::move(users_), std::move(items_));
  }

 private:
  int32_t threads_;
  BusyLease lease_;
  std::shared_ptr<LightGcnState> state_;
  std::shared_ptr<const std::vector<float>> final_;
  std::shared_ptr<const rf::PackedItems> packed_;
  std::shared_ptr<const std::vector<float>> offset_, rank_;
  std::shared_ptr<const std::vector<float>> layerSum_;
  std::shared_ptr<const FoldInUserSide> foldInUsers_;
  std::vector<float> users_, items_;
};

}  // namespace

// ---- LightGcnWrap ----

void LightGcnWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(
      env, "NativeLightGcn",
      {InstanceMethod<&LightGcnWrap::ConfigureTraining>("configureTraining"),
       InstanceMethod<&LightGcnWrap::TrainEpoch>("trainEpoch"),
       InstanceMethod<&LightGcnWrap::FinalEmbeddings>("finalEmbeddings"),
       InstanceMethod<&LightGcnWrap::SetItemScoreOffset>("setItemScoreOffset"),
       InstanceMethod<&LightGcnWrap::ExportState>("exportState"), InstanceMethod<&LightGcnWrap::ImportState>("importState"),
       InstanceMethod<&LightGcnWrap::Recommend>("recommend"),
       InstanceMethod<&LightGcnWrap::RecommendSync>("recommendSync"),
       InstanceMethod<&LightGcnWrap::Similar>("similar"), InstanceMethod<&LightGcnWrap::FoldIn>("foldIn"),
       InstanceMethod<&LightGcnWrap::Grow>("grow"), InstanceMethod<&LightGcnWrap::TrainPairs>("trainPairs"),
       InstanceMethod<&LightGcnWrap::TrainMatrix>("trainMatrix"),
       InstanceMethod<&LightGcnWrap::Clusters>("clusters"),
       InstanceMethod<&LightGcnWrap::ImportClusters>("importClusters"),
       InstanceMethod<&LightGcnWrap::Info>("info"), InstanceMethod<&LightGcnWrap::Dispose>("dispose")});
  addonState(env).lightGcnCtor = Napi::Persistent(ctor);
  exports.Set("NativeLightGcn", ctor);
}

LightGcnWrap::LightGcnWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LightGcnWrap>(info) {}

Napi::Object LightGcnWrap::wrap(Napi::Env env, std::shared_ptr<LightGcnState> state) {
  Napi::Object o = addonState(env).lightGcnCtor.New({});
  Unwrap(o)->state_ = std::move(state);
  return o;
}

std::shared_ptr<LightGcnState> LightGcnWrap::state(Napi::Env env) const {
  if (!state_) throwError(env, rf::code::kDisposed, "NativeLightGcn was disposed");
  return state_;
}

Napi::Value LightGcnWrap::ConfigureTraining(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startJob<ConfigureJob>(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::TrainEpoch(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startJob<TrainEpochJob>(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::FinalEmbeddings(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startJob<FinalJob>(info.Env(), state(info.Env()), info); });
}
// Main thread only, like `final`: jobs already started keep the offsets (and tables) they hold.
Napi::Value LightGcnWrap::SetItemScoreOffset(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Napi::Env env = info.Env();
    auto s = state(env);
    std::shared_ptr<const std::vector<float>> offset;
    if (!info[0].IsNull() && !info[0].IsUndefined()) {
      std::vector<float> v = float32Vector(info[0], "offset");
      if (static_cast<int64_t>(v.size()) != s->model.config.items)
        throwError(env, rf::code::kShape, "offset has " + std::to_string(v.size()) + " values for " +
                                              std::to_string(s->model.config.items) + " items");
      for (size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i])) throwError(env, rf::code::kNonFinite, "offset[" + std::to_string(i) + "] is not finite");
      offset = std::make_shared<const std::vector<float>>(std::move(v));
    }
    s->itemScoreOffset = std::move(offset);
    s->final.reset();  // the cached tables were ranked without (or with other) offsets
    s->packed.reset();
    s->rank.reset();
    return env.Undefined();
  });
}

Napi::Value LightGcnWrap::ExportState(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startExportState(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::ImportState(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startImportState(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::Recommend(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startRecommend(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::RecommendSync(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return recommendSync(info.Env(), *state(info.Env()), info); });
}
Napi::Value LightGcnWrap::Similar(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startLightGcnSimilar(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::FoldIn(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startFoldIn(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::Grow(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startGrow(info.Env(), state(info.Env()), info); });
}
Napi::Value LightGcnWrap::TrainPairs(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return startTrainPairs(info.Env(), state(info.Env()), info); });
}

Napi::Value LightGcnWrap::Clusters(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] { return celClusters(info.Env(), state(info.Env())); });
}
Napi::Value LightGcnWrap::ImportClusters(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    celImportClusters(info.Env(), state(info.Env()), info[0]);
    return info.Env().Undefined();
  });
}

// Shares the graph's memory (aliasing shared_ptr), like NativeGraph.userItems().
Napi::Value LightGcnWrap::TrainMatrix(const Napi::CallbackInfo& info) {
  auto s = state(info.Env());
  return CsrWrap::wrap(info.Env(), std::shared_ptr<const rf::Csr>(s->graph, &s->graph->userItems));
}

// Config fields change only on the main thread (a grow job's result), so reading them here while
// a job trains is safe; the step count is read only when no job holds the model.
Napi::Value LightGcnWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto s = state(env);
  const rf::LightGcnConfig& c = s->model.config;
  Napi::Object o = Napi::Object::New(env);
  o.Set("users", c.users);
  o.Set("items", c.items);
  o.Set("dim", c.dim);
  o.Set("layers", c.layers);
  o.Set("initStd", c.initStd);
  o.Set("init", c.init == rf::InitKind::kXavierUniform ? "xavier" : "normal");
  o.Set("seed", static_cast<double>(c.seed));
  const char* device = s->trainerDevice();
  o.Set("trainer", device != nullptr);
  if (device) o.Set("device", device);
  o.Set("busy", s->busy.load());
  return o;
}

Napi::Value LightGcnWrap::Dispose(const Napi::CallbackInfo& info) {
  state_.reset();
  return info.Env().Undefined();
}

void registerLightGcnFunctions(Napi::Env env, Napi::Object exports) {
  LightGcnWrap::Register(env, exports);
  exportJob<CreateJob>(env, exports, "createLightGcn");
}

}  // namespace rfaddon
