// Fold-in of a new user into a LightGCN-family model (recforge/fold_in.hpp), then its top-k:
//   m.foldIn(items: Int32Array, {steps, negatives, reg, seed, levels?, assign?, hashId?}, k,
//            excludeTrain, dim, shortlist, allow?, deny?, cancel?, progress?)
//     -> Promise<{ embedding: Float32Array, items: Int32Array, scores: Float32Array, steps, loss, cluster? }>
// A model whose user table is shared (clustered / hashed / frequency) places the user in one of
// its user clusters (`cluster` in the result): assign 'best' (default) compares every used,
// unpinned cluster by fold-in loss; 'rule' follows the kind's own rule (hashed: the bucket of
// hashId, default the next user id = users; frequency: the shared last row; clustered: 'best').
// With an item-side bias the user's last coordinate is held at 1, as in training.
// items: the user's items (any order, duplicates allowed; E_OUT_OF_RANGE for a bad id). The
// recommendations are ranked exactly as recommendSync ranks a trained user's (serve_args.hpp;
// excludeTrain leaves out the given items), real results only (no padding). Reads the final
// embeddings, packed items and item layer sums cached by the last finalEmbeddings job, through
// shared_ptr like recommend: no busy lease, so serving continues while a model trains.
//
// And into an Interact2Vec model (the SGNS objective of fold_in.hpp), ranked by dot or cosine:
//   m.foldIn(items: Int32Array, {steps, negatives, reg, seed, alpha, negativeMass, initRange},
//            k, excludeTrain, scoring: 'dot'|'cosine', cancel?, progress?) -> the same shape
// The negative weights are the model's sampling weights count_j^alpha over its train matrix. It
// reads the tables under the busy lease (E_BUSY during an epoch), as m.topK does.
#include <algorithm>
#include <cmath>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "interact2vec.hpp"
#include "job.hpp"
#include "lightgcn.hpp"
#include "option_fields.hpp"
#include "recforge/fold_in.hpp"
#include "recforge/similarity.hpp"
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
        rank_(s->rank),
        layerSum_(s->itemLayerSum),
        userSide_(s->foldInUsers),
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
    if (!o.Get("assign").IsUndefined()) {
      const std::string a = stringArg(o.Get("assign"), "options.assign");
      if (a != "best" && a != "rule")
        throwError(env, rf::code::kInvalidArgument, "options.assign must be 'best' or 'rule', got '" + a + "'");
      rule_ = a == "rule";
    }
    hashId_ = config_.users;
    if (!o.Get("hashId").IsUndefined()) {
      const double h = numberField(o, "hashId", 0);
      if (!(h >= 0 && h <= 9007199254740991.0) || std::floor(h) != h)
        throwError(env, rf::code::kInvalidArgument, "options.hashId must be a non-negative integer");
      hashId_ = static_cast<int64_t>(h);
    }
    parseServeArgs(info[2], info[3], info[4], info[5], info[6], info[7], config_.items, config_.dim, args_);
    if (rank_) fullWidthWithOffset(args_.spec, config_.dim);
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
    rf::FoldInClusters clusters;
    if (userSide_) {
      m.userLastIsOne = userSide_->userLastIsOne;
      const FoldInUserSide& u = *userSide_;
      if (u.kind != rf::EmbeddingKind::kFull) {
        clusters.rows = {u.rows.centers.data(), u.rows.capacity, u.rows.dim};
        clusters.residual = u.residual;
        const int32_t ruled = !rule_                                        ? -1
                              : u.kind == rf::EmbeddingKind::kHashed    ? u.rows.hashBucket(hashId_)
                              : u.kind == rf::EmbeddingKind::kFrequency ? u.rows.capacity - 1
                                                                         : -1;
        clusters.candidates = ruled >= 0 ? std::vector<int32_t>{ruled} : u.joinable;
        m.userClusters = &clusters;
      }
    }
    result_ = rf::foldInUser(m, items_.data(), static_cast<int64_t>(items_.size()), spec_);
    ranked_.resize(args_.spec.k);
    scores_.resize(args_.spec.k);
    const bool ex = args_.excludeTrain;
    // With item score offsets the packed table is the ranking one: the query gets its 1 column.
    std::vector<float> query = result_.embedding;
    if (rank_) query.push_back(1.0f);
    const int32_t n = rf::retrieveOne(*packed_, query.data(), ex ? items_.data() : nullptr,
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
    if (result_.cluster >= 0) o.Set("cluster", result_.cluster);
    return o;
  }

 private:
  std::vector<int32_t> items_;
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  std::shared_ptr<const std::vector<float>> final_;
  std::shared_ptr<const rf::PackedItems> packed_;
  std::shared_ptr<const std::vector<float>> rank_;
  std::shared_ptr<const std::vector<float>> layerSum_;
  std::shared_ptr<const FoldInUserSide> userSide_;
  rf::LightGcnConfig config_;
  bool rule_ = false;
  int64_t hashId_ = 0;
  rf::FoldInSpec spec_;
  ServeArgs args_;
  rf::FoldInResult result_;
  std::vector<int32_t> ranked_;
  std::vector<float> scores_;
};

class Interact2VecFoldInJob : public Job {
 public:
  Interact2VecFoldInJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecFoldIn", info[5], info[6]),
        items_(int32Vector(info[0], "items")),
        excludeTrain_(boolArg(info[3], "excludeTrain", true)),
        lease_(env, std::move(s), "fold in") {
    const rf::Interact2VecConfig& c = lease_->model.config;
    rf::normalizeItemList(items_, c.items, "items");
    Napi::Object o = optionsArg(info[1]);
    spec_.objective = rf::FoldInObjective::kSgns;
    spec_.steps = int32Field(o, "steps", 1, INT32_MAX, 20);
    spec_.negatives = int32Field(o, "negatives", 1, INT32_MAX, spec_.negatives);
    spec_.reg = finiteField(o, "reg", spec_.reg, 0, false);
    spec_.seed = seedField(o, 0);
    alpha_ = anyFiniteField(o, "alpha", -0.5);
    spec_.negativeMass = finiteField(o, "negativeMass", 1, 0, true);
    spec_.initRange = finiteField(o, "initRange", 0, 0, false);
    k_ = std::min(int32Arg(info[2], "k", 1, INT32_MAX), std::max(c.items, 1));
    const std::string scoring = stringArg(info[4], "scoring");
    if (scoring != "dot" && scoring != "cosine")
      throwError(env, rf::code::kInvalidArgument, "fold-in scoring must be 'dot' or 'cosine', got '" + scoring + "'");
    cosine_ = scoring == "cosine";
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    const rf::Interact2VecModel& model = lease_->model;
    const int32_t nItems = model.config.items, dim = model.config.dim;
    // The sampler's weights count_j^alpha, relative to the count weighing 1 (no overflow).
    std::vector<int64_t> counts(nItems, 0);
    const rf::Csr& train = *lease_->train;
    for (int32_t j : train.indices) ++counts[j];
    int64_t ref = 0;
    for (int64_t c : counts)
      if (c > 0 && (ref == 0 || (alpha_ >= 0 ? c > ref : c < ref))) ref = c;
    std::vector<double> weights(nItems, 0.0);
    for (int32_t j = 0; j < nItems; ++j)
      if (counts[j] > 0) weights[j] = std::exp(alpha_ * (std::log(double(counts[j])) - std::log(double(ref))));
    spec_.negativeWeights = weights.data();
    rf::FoldInModel m;
    m.items = {model.items.data(), nItems, dim};
    result_ = rf::foldInUser(m, items_.data(), static_cast<int64_t>(items_.size()), spec_);
    ctl.checkCancelled();
    std::vector<float> unit;
    const float* table = model.items.data();
    std::vector<float> query = result_.embedding;
    if (cosine_) {
      unit = rf::unitRows(table, nItems, dim, 1);
      table = unit.data();
      query = rf::unitRows(query.data(), 1, dim, 1);
    }
    const rf::PackedItems packed({table, nItems, dim}, 1);
    rf::RetrievalSpec spec;
    spec.k = k_;
    ranked_.resize(k_);
    scores_.resize(k_);
    const int32_t n = rf::retrieveOne(packed, query.data(), excludeTrain_ ? items_.data() : nullptr,
                                      excludeTrain_ ? static_cast<int64_t>(items_.size()) : 0, spec, ranked_.data(),
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
  bool excludeTrain_;
  Interact2VecLease lease_;
  rf::FoldInSpec spec_;
  double alpha_ = -0.5;
  int32_t k_ = 10;
  bool cosine_ = false;
  rf::FoldInResult result_;
  std::vector<int32_t> ranked_;
  std::vector<float> scores_;
};

}  // namespace

Napi::Value startInteract2VecFoldIn(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info) {
  return startJob<Interact2VecFoldInJob>(env, std::move(s), info);
}

Napi::Value startFoldIn(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<FoldInJob>(env, std::move(s), info);
}

}  // namespace rfaddon
