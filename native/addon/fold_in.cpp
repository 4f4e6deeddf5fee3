// Fold-in of a new user into a LightGCN-family model (recforge/fold_in.hpp), then its top-k:
//   m.foldIn(items: Int32Array, {steps, negatives, reg, seed, levels?}, k, excludeTrain, dim,
//            shortlist, allow?, deny?, cancel?, progress?)
//     -> Promise<{ embedding: Float32Array, items: Int32Array, scores: Float32Array, steps, loss }>
// items: the user's items (any order, duplicates allowed; E_OUT_OF_RANGE for a bad id). The
// recommendations are ranked exactly as recommendSync ranks a trained user's (serve_args.hpp;
// excludeTrain leaves out the given items), real results only (no padding). Reads the final
// embeddings, packed items and item layer sums cached by the last finalEmbeddings job, through
// shared_ptr like recommend: no busy lease, so serving continues while a model trains.
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "job.hpp"
#include "lightgcn.hpp"
#include "recforge/fold_in.hpp"
#include "serve_args.hpp"

namespace rfaddon {

namespace {

class FoldInJob : public Job {
 public:
  FoldInJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:foldIn", info[8], info[9]),
        items_(int32Vector(info[0], "items")),
        graph_(s->graph),
        final_(s->final),
        packed_(s->packed),
        layerSum_(s->itemLayerSum),
        config_(s->model.config) {
    if (!final_ || !packed_ || (config_.layers > 0 && !layerSum_))
      throwError(env, rf::code::kInvalidArgument, "finalEmbeddings must run before foldIn");
    rf::normalizeItemList(items_, config_.items, "items");
    Napi::Object o = optionsArg(info[1]);
    spec_.steps = int32Field(o, "steps", 0, INT32_MAX, 0);
    spec_.negatives = int32Field(o, "negatives", 1, INT32_MAX, spec_.negatives);
    spec_.reg = numberField(o, "reg", spec_.reg);
    const double seed = numberField(o, "seed", 0);
    if (!(seed >= 0 && seed <= 9007199254740991.0) || static_cast<double>(static_cast<uint64_t>(seed)) != seed)
      throwError(env, rf::code::kInvalidArgument, "options.seed must be a non-negative integer");
    spec_.seed = static_cast<uint64_t>(seed);
    if (!o.Get("levels").IsUndefined()) spec_.levels = int32List(o.Get("levels"), "options.levels");
    parseServeArgs(info[2], info[3], info[4], info[5], info[6], info[7], config_.items, config_.dim, args_);
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ctl.checkCancelled();
    const rf::LightGcnConfig& c = config_;
    rf::FoldInModel m;
    m.items = {final_->data() + static_cast<int64_t>(c.users) * c.dim, c.items, c.dim};
    if (c.layers > 0) m.itemLayerSum = {layerSum_->data(), c.items, c.dim};
    m.itemUsers = &graph_->itemUsers;
    m.layers = c.layers;
    result_ = rf::foldInUser(m, items_.data(), static_cast<int64_t>(items_.size()), spec_);
    ranked_.resize(args_.spec.k);
    scores_.resize(args_.spec.k);
    const bool ex = args_.excludeTrain;
    const int32_t n = rf::retrieveOne(*packed_, result_.embedding.data(), ex ? items_.data() : nullptr,
                                      ex ? static_cast<int64_t>(items_.size()) : 0, args_.spec, ranked_.data(),
                                      scores_.data());
    ranked_.resize(n);
    scores_.resize(n);
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = rankedLists(env, std::move(ranked_), std::move(scores_));
    o.Set("embedding", toFloat32Array(env, std::move(result_.embedding)));
    o.Set("steps", result_.steps);
    o.Set("loss", result_.loss);
    return o;
  }

 private:
  std::vector<int32_t> items_;
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  std::shared_ptr<const std::vector<float>> final_;
  std::shared_ptr<const rf::PackedItems> packed_;
  std::shared_ptr<const std::vector<float>> layerSum_;
  rf::LightGcnConfig config_;
  rf::FoldInSpec spec_;
  ServeArgs args_;
  rf::FoldInResult result_;
  std::vector<int32_t> ranked_;
  std::vector<float> scores_;
};

}  // namespace

Napi::Value startFoldIn(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<FoldInJob>(env, std::move(s), info);
}

}  // namespace rfaddon
