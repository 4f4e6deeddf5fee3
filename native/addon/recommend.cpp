// Top-k recommendation from the final embeddings cached by the last finalEmbeddings job:
//   m.recommend(users: Int32Array, k, excludeTrain: boolean, threads, dim, shortlist, allow?, deny?, cancel?, progress?)
//     -> Promise<{ items: Int32Array, scores: Float32Array }>, both users.length x k row-major.
//   m.recommendSync(user, k, excludeTrain, dim, shortlist, allow?, deny?)
//     -> { items: Int32Array, scores: Float32Array } of the real results only (no padding), on the
//     calling thread: rf::retrieveOne over the packed item table the finalEmbeddings job built.
// The serving options (k, excludeTrain, dim, shortlist, allow, deny) are those of serve_args.hpp.
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
#include "serve_args.hpp"

namespace rfaddon {

namespace {

class RecommendJob : public Job {
 public:
  RecommendJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:recommend", info[8], info[9]),
        users_(int32Vector(info[0], "users")),
        graph_(s->graph),
        final_(s->final),
        rank_(s->rank),
        config_(s->model.config) {
    if (!final_) throwError(env, rf::code::kInvalidArgument, "finalEmbeddings must run before recommend");
    for (size_t q = 0; q < users_.size(); ++q)
      if (users_[q] < 0 || users_[q] >= config_.users)
        throwError(env, rf::code::kOutOfRange,
                   "users[" + std::to_string(q) + "] = " + std::to_string(users_[q]) + " is outside [0, " +
                       std::to_string(config_.users) + ")");
    parseServeArgs(info[1], info[2], info[4], info[5], info[6], info[7], config_.items, config_.dim, args_);
    args_.spec.threads = int32Arg(info[3], "threads", 0, 4096);
    if (rank_) fullWidthWithOffset(args_.spec, config_.dim);
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    rf::RetrievalSpec& spec = args_.spec;
    const int64_t n = static_cast<int64_t>(users_.size());
    items_.resize(n * spec.k);
    scores_.resize(n * spec.k);
    // With item score offsets, the ranking tables (LightGcnState::rank) are one column wider.
    const float* tables = rank_ ? rank_->data() : final_->data();
    const int32_t width = rank_ ? config_.dim + 1 : config_.dim;
    const rf::MatrixView u{tables, config_.users, width};
    const rf::MatrixView v{tables + static_cast<int64_t>(config_.users) * width, config_.items, width};
    if (args_.excludeTrain) spec.exclude = &graph_->userItems;
    rf::retrieveTopK(u, v, users_.data(), n, spec, items_.data(), scores_.data(), ctl);
  }

  Napi::Value Result(Napi::Env env) override {
    return rankedLists(env, std::move(items_), std::move(scores_));
  }

 private:
  std::vector<int32_t> users_;
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  std::shared_ptr<const std::vector<float>> final_, rank_;
  rf::LightGcnConfig config_;
  ServeArgs args_;
  std::vector<int32_t> items_;
  std::vector<float> scores_;
};

}  // namespace

Napi::Value recommendSync(Napi::Env env, const LightGcnState& s, const Napi::CallbackInfo& info) {
  const rf::LightGcnConfig& c = s.model.config;
  const int32_t user = int32Arg(info[0], "user", INT32_MIN, INT32_MAX);
  if (user < 0 || user >= c.users)
    throwError(env, rf::code::kOutOfRange, "user " + std::to_string(user) + " is outside [0, " + std::to_string(c.users) + ")");
  // Main thread only: scratch kept between calls so a call allocates nothing but its results.
  static ServeArgs args;
  static std::vector<int32_t> items;
  static std::vector<float> scores;
  parseServeArgs(info[1], info[2], info[3], info[4], info[5], info[6], c.items, c.dim, args);
  if (!s.final || !s.packed) throwError(env, rf::code::kInvalidArgument, "finalEmbeddings must run before recommendSync");
  if (s.rank) fullWidthWithOffset(args.spec, c.dim);
  const float* queries = s.rank ? s.rank->data() : s.final->data();
  const int64_t width = s.rank ? c.dim + 1 : c.dim;
  const rf::Csr& train = s.graph->userItems;
  const bool ex = args.excludeTrain;
  items.resize(args.spec.k);
  scores.resize(args.spec.k);
  const int32_t n = rf::retrieveOne(*s.packed, queries + static_cast<int64_t>(user) * width,
                                    ex ? train.rowBegin(user) : nullptr, ex ? train.degree(user) : 0, args.spec,
                                    items.data(), scores.data());
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
