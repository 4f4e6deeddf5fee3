// Incremental training of a LightGCN-family model (the facade's partialFit):
//   m.grow(graph: NativeGraph, generation) -> Promise<void>
//     The model moves onto `graph` (the train graph with the new pairs, at least as many users
//     and items): existing rows keep their values, new rows are drawn from the model's init
//     (LightGcnModel::grown, streams keyed by `generation`). Any configured training run is
//     dropped (its optimizer state no longer fits) and the cached final embeddings go stale.
//   m.trainPairs(users: Int32Array, items: Int32Array, replay, epoch) -> Promise<number>
//     One epoch of rf::planIncremental over the configured CPU trainer: the new pairs plus
//     replay x as many train pairs drawn uniformly; returns the mean batch loss.
// Both take the model's busy lease; grow holds it until the swap on the main thread is done, so
// no other job sees a half-grown model.
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "graph.hpp"
#include "job.hpp"
#include "lightgcn.hpp"
#include "recforge/epoch_plan.hpp"

namespace rfaddon {

namespace {

// Keys the Matryoshka negatives of incremental epochs apart from trainEpoch's epoch numbers.
constexpr uint64_t kIncrementalStream = uint64_t{1} << 61;

class GrowJob : public Job {
 public:
  GrowJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:grow", info[2], info[3]),
        graph_(GraphWrap::unwrap(info[0], "graph")),
        generation_(numberArg(info[1], "generation")),
        lease_(env, std::move(s), "grow the model") {
    const rf::LightGcnConfig& c = lease_->model.config;
    if (graph_->nUsers() < c.users || graph_->nItems() < c.items)
      throwError(env, rf::code::kShape, "graph has " + std::to_string(graph_->nUsers()) + " x " +
                                            std::to_string(graph_->nItems()) + " users x items, fewer than the model's " +
                                            std::to_string(c.users) + " x " + std::to_string(c.items));
    if (!(generation_ >= 0 && generation_ <= 9007199254740991.0))
      throwError(env, rf::code::kInvalidArgument, "generation must be a non-negative integer");
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ctl.checkCancelled();
    grown_ = lease_->model.grown(graph_->nUsers(), graph_->nItems(), static_cast<uint64_t>(generation_));
  }
  Napi::Value Result(Napi::Env env) override {
    // Main thread, still under the lease: the trainers reference the old graph and table sizes.
    LightGcnState& s = *lease_;
    s.trainer.reset();
#ifdef RECFORGE_WITH_CUDA
    s.gpuTrainer.reset();
    s.gpuAdam = false;
#endif
    s.model = std::move(grown_);
    s.graph = graph_;
    s.final.reset();  // recommend jobs in flight keep the old table and graph they hold
    s.packed.reset();
    s.rank.reset();
    s.itemLayerSum.reset();
    lease_.release();
    return env.Undefined();
  }

 private:
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  double generation_;
  BusyLease lease_;
  rf::LightGcnModel grown_;
};

class TrainPairsJob : public Job {
 public:
  TrainPairsJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:trainPairs", info[4], info[5]),
        users_(int32Vector(info[0], "users")),
        items_(int32Vector(info[1], "items")),
        replay_(numberArg(info[2], "replay")),
        epoch_(numberArg(info[3], "epoch")),
        lease_(env, std::move(s), "train") {
    if (users_.size() != items_.size())
      throwError(env, rf::code::kShape, "users and items have different lengths (" + std::to_string(users_.size()) +
                                            " vs " + std::to_string(items_.size()) + ")");
    if (!(epoch_ >= 0 && epoch_ <= 9007199254740991.0)) throwError(env, rf::code::kInvalidArgument, "epoch must be >= 0");
    if (!lease_->trainer)
      throwError(env, rf::code::kInvalidArgument, "configureTraining (on the CPU) must run before trainPairs");
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    rf::LightGcnTrainer& t = *lease_->trainer;
    const rf::PositiveSet positives(lease_->graph->userItems);
    const auto epoch = static_cast<int64_t>(epoch_);
    const rf::EpochPlan plan = rf::planIncremental(t.negativeSampler(), positives, users_.data(), items_.data(),
                                                   static_cast<int64_t>(users_.size()), replay_, t.batchSize(),
                                                   t.seed(), epoch);
    loss_ = t.trainPlan(plan, kIncrementalStream + static_cast<uint64_t>(epoch), ctl);
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, loss_); }

 private:
  std::vector<int32_t> users_, items_;
  double replay_, epoch_;
  BusyLease lease_;
  double loss_ = 0;
};

}  // namespace

Napi::Value startGrow(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<GrowJob>(env, std::move(s), info);
}

Napi::Value startTrainPairs(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<TrainPairsJob>(env, std::move(s), info);
}

}  // namespace rfaddon
