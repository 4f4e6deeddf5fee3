// Reading an Interact2Vec model: copies of its tables, and top-k items for users through
// rf::retrieveTopK (ties to the lower id, the evaluator's ranking):
//   m.topK(queries: Int32Array (users), k, scoring, excludeTrain, threads, neighbours, userWeight,
//          cancel?, progress?) -> Promise<{ items: Int32Array, scores: Float32Array }>, queries.length x k
// scoring 'dot' is the inner product, 'cosine' the inner product of unit rows, 'knn' the mean
// cosine similarity to the user's train items over `neighbours`-item lists
// (recforge/item_knn.hpp) and 'blend' userWeight * cosine + (1 - userWeight) * knn. Train items
// are left out with excludeTrain. Rows with fewer than k candidates are padded with -1 /
// -Infinity. (Items among items and users among users: m.similar, similar.cpp.)
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "convert.hpp"
#include "errors.hpp"
#include "evaluate.hpp"
#include "interact2vec.hpp"
#include "job.hpp"
#include "recforge/item_knn.hpp"
#include "recforge/retrieval.hpp"
#include "recforge/similarity.hpp"

namespace rfaddon {

namespace {

// The knn / blend scorer of the current tables (rf::KnnBlendScorer), with the neighbour lists
// cached in the state per list length. Call under the busy lease.
struct NeighbourScoring {
  std::vector<float> unitUsers, unitItems;
  std::unique_ptr<rf::KnnBlendScorer> scorer;

  NeighbourScoring(Interact2VecState& s, int32_t listLength, double userWeight, int threads, const rf::JobControl& ctl) {
    const rf::Interact2VecModel& m = s.model;
    const int32_t dim = m.config.dim;
    if (!s.neighbours || s.neighboursK != listLength) {
      s.neighbours.reset();
      s.neighbours = std::make_shared<const rf::ItemNeighbours>(
          rf::itemNeighbours({m.items.data(), m.config.items, dim}, listLength, threads, ctl));
      s.neighboursK = listLength;
    }
    if (userWeight > 0) {
      unitUsers = rf::unitRows(m.users.data(), m.config.users, dim, threads);
      unitItems = rf::unitRows(m.items.data(), m.config.items, dim, threads);
    }
    scorer = std::make_unique<rf::KnnBlendScorer>(*s.neighbours, *s.train, rf::MatrixView{unitUsers.data(), m.config.users, dim},
                                                  rf::MatrixView{unitItems.data(), m.config.items, dim}, userWeight,
                                                  1.0 - userWeight);
  }
};

// neighbours (list length >= 1) and userWeight (in [0, 1]) arguments of the knn / blend scores.
void parseNeighbourArgs(Napi::Env env, const Napi::Value& length, const Napi::Value& weight, int32_t& k, double& w) {
  k = int32Arg(length, "neighbours", 1, INT32_MAX);
  w = numberArg(weight, "userWeight");
  if (!(w >= 0 && w <= 1)) throwError(env, rf::code::kInvalidArgument, "userWeight must be in [0, 1]");
}

class EmbeddingsJob : public Job {
 public:
  EmbeddingsJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecEmbeddings", info[0], info[1]), lease_(env, std::move(s), "read embeddings") {}

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    users_ = lease_->model.users;
    items_ = lease_->model.items;
  }
  Napi::Value Result(Napi::Env env) override {
    return userItemTables(env, std::move(users_), std::move(items_));
  }

 private:
  Interact2VecLease lease_;
  std::vector<float> users_, items_;
};

class TopKJob : public Job {
 public:
  TopKJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecTopK", info[7], info[8]),
        queries_(int32Vector(info[0], "queries")),
        excludeTrain_(boolArg(info[3], "excludeTrain", true)),
        lease_(env, std::move(s), "rank") {
    const std::string scoring = stringArg(info[2], "scoring");
    if (scoring == "dot") scoring_ = Scoring::kDot;
    else if (scoring == "cosine") scoring_ = Scoring::kCosine;
    else if (scoring == "knn") scoring_ = Scoring::kKnn;
    else if (scoring == "blend") scoring_ = Scoring::kBlend;
    else throwError(env, rf::code::kInvalidArgument, "scoring must be 'dot', 'cosine', 'knn' or 'blend', got '" + scoring + "'");
    parseNeighbourArgs(env, info[5], info[6], neighbours_, userWeight_);
    const rf::Interact2VecConfig& c = lease_->model.config;
    for (size_t q = 0; q < queries_.size(); ++q)
      if (queries_[q] < 0 || queries_[q] >= c.users)
        throwError(env, rf::code::kOutOfRange,
                   "queries[" + std::to_string(q) + "] = " + std::to_string(queries_[q]) + " is outside [0, " +
                       std::to_string(c.users) + ")");
    spec_.k = std::min(int32Arg(info[1], "k", 1, INT32_MAX), std::max(c.items, 1));
    spec_.threads = int32Arg(info[4], "threads", 0, 4096);
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    if (scoring_ == Scoring::kKnn || scoring_ == Scoring::kBlend) return runNeighbourScoring(ctl);
    const rf::Interact2VecModel& m = lease_->model;
    const int32_t dim = m.config.dim;
    // Cosine: unit copies of both tables.
    std::vector<float> unitUsers, unitItems;
    const float* u = m.users.data();
    const float* v = m.items.data();
    if (scoring_ == Scoring::kCosine) {
      unitUsers = rf::unitRows(u, m.config.users, dim, spec_.threads);
      unitItems = rf::unitRows(v, m.config.items, dim, spec_.threads);
      u = unitUsers.data();
      v = unitItems.data();
    }
    if (excludeTrain_) spec_.exclude = lease_->train.get();
    const int64_t n = static_cast<int64_t>(queries_.size());
    items_.resize(n * spec_.k);
    scores_.resize(n * spec_.k);
    rf::retrieveTopK({u, m.config.users, dim}, {v, m.config.items, dim}, queries_.data(), n, spec_, items_.data(),
                     scores_.data(), ctl);
  }

  Napi::Value Result(Napi::Env env) override {
    return rankedLists(env, std::move(items_), std::move(scores_));
  }

 private:
  // knn / blend: a scorer over the (cached) neighbour lists, served by topKOfScorer.
  void runNeighbourScoring(const rf::JobControl& ctl) {
    const NeighbourScoring ns(*lease_, neighbours_, scoring_ == Scoring::kBlend ? userWeight_ : 0.0, spec_.threads, ctl);
    const int64_t n = static_cast<int64_t>(queries_.size());
    items_.resize(n * spec_.k);
    scores_.resize(n * spec_.k);
    rf::topKOfScorer(*ns.scorer, queries_.data(), n, spec_.k, excludeTrain_ ? lease_->train.get() : nullptr, items_.data(),
                     scores_.data(), spec_.threads, ctl);
  }

  enum class Scoring { kDot, kCosine, kKnn, kBlend };
  std::vector<int32_t> queries_;
  bool excludeTrain_;
  Interact2VecLease lease_;
  Scoring scoring_ = Scoring::kDot;
  int32_t neighbours_ = 64;
  double userWeight_ = 0.5;
  rf::RetrievalSpec spec_;
  std::vector<int32_t> items_;
  std::vector<float> scores_;
};

// m.evaluate(scoring: 'knn' | 'blend', neighbours, userWeight, truth, mask, extraMask, ks, threads,
//            cancel?, progress?) -> the evaluator's result object (evaluate.hpp)
class EvaluateJob : public Job {
 public:
  EvaluateJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecEvaluate", info[8], info[9]),
        targets_(info[3], info[4], info[5], info[6], info[7]),
        lease_(env, std::move(s), "evaluate") {
    const std::string scoring = stringArg(info[0], "scoring");
    if (scoring != "knn" && scoring != "blend")
      throwError(env, rf::code::kInvalidArgument, "scoring must be 'knn' or 'blend', got '" + scoring + "'");
    parseNeighbourArgs(env, info[1], info[2], neighbours_, userWeight_);
    if (scoring == "knn") userWeight_ = 0;
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    const NeighbourScoring ns(*lease_, neighbours_, userWeight_, targets_.threads, ctl);
    result_ = rf::evaluateScores(*ns.scorer, targets_.spec(), ctl);
  }
  Napi::Value Result(Napi::Env env) override { return evalResultObject(env, result_); }

 private:
  EvalTargets targets_;
  Interact2VecLease lease_;
  int32_t neighbours_ = 64;
  double userWeight_ = 0;
  rf::EvalResult result_;
};

}  // namespace

Napi::Value startInteract2VecEvaluate(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info) {
  return startJob<EvaluateJob>(env, std::move(s), info);
}

Napi::Value startInteract2VecEmbeddings(Napi::Env env, std::shared_ptr<Interact2VecState> s,
                                        const Napi::CallbackInfo& info) {
  return startJob<EmbeddingsJob>(env, std::move(s), info);
}

Napi::Value startInteract2VecTopK(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info) {
  return startJob<TopKJob>(env, std::move(s), info);
}

}  // namespace rfaddon
