// Top-k recommendation from the final embeddings cached by the last finalEmbeddings job:
//   m.recommend(users: Int32Array, k, excludeTrain: boolean, threads, dim, shortlist, allow?, deny?, cancel?, progress?)
//     -> Promise<{ items: Int32Array, scores: Float32Array }>, both users.length x k row-major.
//   m.recommendSync(user, k, excludeTrain, dim, shortlist, allow?, deny?)
//     -> { items: Int32Array, scores: Float32Array } of the real results only (no padding), on the
//     calling thread: rf::retrieveOne over the packed item table the finalEmbeddings job built.
// allow / deny: undefined, null or an Int32Array of item ids (any order, duplicates allowed):
// only these items / never these items (E_TYPE for another type, E_OUT_OF_RANGE for a bad id).
// Ranking and scoring are rf::retrieveTopK (recforge/retrieval.hpp): score = inner product of
// final embeddings, on the first `dim` coordinates (0 = all); with shortlist > 0, the best
// `shortlist` by the dim-prefix score are reranked at full width. Ties go to the lower item id
// (the evaluator's ranking). With excludeTrain the user's train items are never returned. A user
// with fewer than k candidate items gets item -1 and score -Infinity in the remaining slots.
//
// The job holds the cached table and the graph through shared_ptr, so it needs no busy lease:
// training replaces the cache only on the main thread and never writes into it.
#include <algorithm>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "job.hpp"
#include "lightgcn.hpp"
#include "recforge/retrieval.hpp"

namespace rfaddon {

namespace {

// Stands in for the data of an empty list: a null allow pointer would mean "no allow list".
const int32_t kNoItems[1] = {0};

// Reads an optional item list into `into` (sorted, distinct); false when absent.
bool itemListArg(const Napi::Value& v, const char* name, int32_t nItems, std::vector<int32_t>& into) {
  if (v.IsUndefined() || v.IsNull()) return false;
  into = int32Vector(v, name);
  try {
    rf::normalizeItemList(into, nItems, name);
  } catch (const rf::Error& e) {
    throwError(v.Env(), e.code(), e.what());
  }
  return true;
}

class RecommendJob : public Job {
 public:
  RecommendJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:recommend", info[8], info[9]),
        users_(int32Vector(info[0], "users")),
        excludeTrain_(boolArg(info[2], "excludeTrain", true)),
        graph_(s->graph),
        final_(s->final),
        config_(s->model.config) {
    spec_.k = int32Arg(info[1], "k", 1, INT32_MAX);
    spec_.threads = int32Arg(info[3], "threads", 0, 4096);
    spec_.dim = int32Arg(info[4], "dim", 0, INT32_MAX);
    spec_.shortlist = int32Arg(info[5], "shortlist", 0, INT32_MAX);
    if (!final_) throwError(env, rf::code::kInvalidArgument, "finalEmbeddings must run before recommend");
    for (size_t q = 0; q < users_.size(); ++q)
      if (users_[q] < 0 || users_[q] >= config_.users)
        throwError(env, rf::code::kOutOfRange,
                   "users[" + std::to_string(q) + "] = " + std::to_string(users_[q]) + " is outside [0, " +
                       std::to_string(config_.users) + ")");
    rf::validateRetrieval(spec_, config_.dim);  // refused synchronously, before queuing
    if (itemListArg(info[6], "allow", config_.items, allow_)) spec_.allow = allow_.empty() ? kNoItems : allow_.data(), spec_.nAllow = static_cast<int64_t>(allow_.size());
    if (itemListArg(info[7], "deny", config_.items, deny_)) spec_.deny = deny_.data(), spec_.nDeny = static_cast<int64_t>(deny_.size());
    // Columns past the candidates would only hold padding.
    const int32_t cap = std::max(config_.items, 1);
    spec_.k = std::min(spec_.k, cap);
    spec_.shortlist = std::min(spec_.shortlist, std::max(cap, spec_.k));
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    const int64_t n = static_cast<int64_t>(users_.size());
    items_.resize(n * spec_.k);
    scores_.resize(n * spec_.k);
    const rf::MatrixView u{final_->data(), config_.users, config_.dim};
    const rf::MatrixView v{final_->data() + static_cast<int64_t>(config_.users) * config_.dim, config_.items, config_.dim};
    if (excludeTrain_) spec_.exclude = &graph_->userItems;
    rf::retrieveTopK(u, v, users_.data(), n, spec_, items_.data(), scores_.data(), ctl);
  }

  Napi::Value Result(Napi::Env env) override {
    return rankedLists(env, std::move(items_), std::move(scores_));
  }

 private:
  std::vector<int32_t> users_;
  bool excludeTrain_;
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  std::shared_ptr<const std::vector<float>> final_;
  rf::LightGcnConfig config_;
  rf::RetrievalSpec spec_;
  std::vector<int32_t> allow_, deny_;
  std::vector<int32_t> items_;
  std::vector<float> scores_;
};

}  // namespace

Napi::Value recommendSync(Napi::Env env, const LightGcnState& s, const Napi::CallbackInfo& info) {
  const rf::LightGcnConfig& c = s.model.config;
  const int32_t user = int32Arg(info[0], "user", INT32_MIN, INT32_MAX);
  if (user < 0 || user >= c.users)
    throwError(env, rf::code::kOutOfRange, "user " + std::to_string(user) + " is outside [0, " + std::to_string(c.users) + ")");
  rf::RetrievalSpec spec;
  spec.k = int32Arg(info[1], "k", 1, INT32_MAX);
  const bool excludeTrain = boolArg(info[2], "excludeTrain", true);
  spec.dim = int32Arg(info[3], "dim", 0, INT32_MAX);
  spec.shortlist = int32Arg(info[4], "shortlist", 0, INT32_MAX);
  rf::validateRetrieval(spec, c.dim);
  const int32_t cap = std::max(c.items, 1);
  spec.k = std::min(spec.k, cap);
  spec.shortlist = std::min(spec.shortlist, std::max(cap, spec.k));
  // Main thread only: scratch kept between calls so a call allocates nothing but its results.
  static std::vector<int32_t> allow, deny, items;
  static std::vector<float> scores;
  if (itemListArg(info[5], "allow", c.items, allow)) spec.allow = allow.empty() ? kNoItems : allow.data(), spec.nAllow = static_cast<int64_t>(allow.size());
  if (itemListArg(info[6], "deny", c.items, deny)) spec.deny = deny.data(), spec.nDeny = static_cast<int64_t>(deny.size());
  if (!s.final || !s.packed) throwError(env, rf::code::kInvalidArgument, "finalEmbeddings must run before recommendSync");
  const rf::Csr& train = s.graph->userItems;
  items.resize(spec.k);
  scores.resize(spec.k);
  const int32_t n = rf::retrieveOne(*s.packed, s.final->data() + static_cast<int64_t>(user) * c.dim,
                                    excludeTrain ? train.rowBegin(user) : nullptr, excludeTrain ? train.degree(user) : 0,
                                    spec, items.data(), scores.data());
  Napi::Int32Array outItems = Napi::Int32Array::New(env, n);
  Napi::Float32Array outScores = Napi::Float32Array::New(env, n);
  std::copy(items.begin(), items.begin() + n, outItems.Data());
  std::copy(scores.begin(), scores.begin() + n, outScores.Data());
  Napi::Object o = Napi::Object::New(env);
  o.Set("items", outItems);
  o.Set("scores", outScores);
  return o;
}

Napi::Value startRecommend(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<RecommendJob>(env, std::move(s), info);
}

}  // namespace rfaddon
