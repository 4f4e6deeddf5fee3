// Top-k recommendation from the final embeddings cached by the last finalEmbeddings job:
//   m.recommend(users: Int32Array, k, excludeTrain: boolean, threads, dim, shortlist, cancel?, progress?)
//     -> Promise<{ items: Int32Array, scores: Float32Array }>, both users.length x k row-major.
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

class RecommendJob : public Job {
 public:
  RecommendJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:recommend", info[6], info[7]),
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
  std::vector<int32_t> items_;
  std::vector<float> scores_;
};

}  // namespace

Napi::Value startRecommend(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<RecommendJob>(env, std::move(s), info);
}

}  // namespace rfaddon
