// Top-k recommendation from the final embeddings cached by the last finalEmbeddings job:
//   m.recommend(users: Int32Array, k, excludeTrain: boolean, threads, cancel?, progress?)
//     -> Promise<{ items: Int32Array, scores: Float32Array }>, both users.length x k row-major.
// Score = inner product of final embeddings (the evaluator's ranking: ties go to the lower item
// id). With excludeTrain the user's train items are never returned. A user with fewer than k
// candidate items gets item -1 and score -Infinity in the remaining slots.
//
// The job holds the cached table and the graph through shared_ptr, so it needs no busy lease:
// training replaces the cache only on the main thread and never writes into it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "job.hpp"
#include "lightgcn.hpp"
#include "recforge/parallel.hpp"

namespace rfaddon {

namespace {

constexpr int64_t kUsersPerTask = 16;  // cancellation and progress granularity

class RecommendJob : public Job {
 public:
  RecommendJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:recommend", info[4], info[5]),
        users_(int32Vector(info[0], "users")),
        k_(int32Arg(info[1], "k", 1, INT32_MAX)),
        excludeTrain_(boolArg(info[2], "excludeTrain", true)),
        threads_(int32Arg(info[3], "threads", 0, 4096)),
        graph_(s->graph),
        final_(s->final),
        config_(s->model.config) {
    if (!final_) throwError(env, rf::code::kInvalidArgument, "finalEmbeddings must run before recommend");
    for (size_t q = 0; q < users_.size(); ++q)
      if (users_[q] < 0 || users_[q] >= config_.users)
        throwError(env, rf::code::kOutOfRange,
                   "users[" + std::to_string(q) + "] = " + std::to_string(users_[q]) + " is outside [0, " +
                       std::to_string(config_.users) + ")");
    k_ = std::min(k_, std::max(config_.items, 1));
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    const int64_t n = static_cast<int64_t>(users_.size());
    items_.assign(n * k_, -1);
    scores_.assign(n * k_, -std::numeric_limits<float>::infinity());
    const int64_t tasks = (n + kUsersPerTask - 1) / kUsersPerTask;
    const int workers = rf::resolveThreads(threads_, tasks);
    std::vector<std::vector<float>> score(workers, std::vector<float>(config_.items));
    std::vector<std::vector<int32_t>> order(workers);
    std::atomic<int64_t> done{0};
    rf::parallelTasks(tasks, workers, [&](int64_t task, int worker) {
      ctl.checkCancelled();
      for (int64_t q = task * kUsersPerTask; q < std::min(n, (task + 1) * kUsersPerTask); ++q)
        rankUser(q, score[worker], order[worker]);
      ctl.report(static_cast<double>(++done) / tasks);
    });
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("items", toInt32Array(env, std::move(items_)));
    o.Set("scores", toFloat32Array(env, std::move(scores_)));
    return o;
  }

 private:
  void rankUser(int64_t q, std::vector<float>& score, std::vector<int32_t>& order) {
    const int32_t d = config_.dim, u = users_[q];
    const float* eu = final_->data() + static_cast<int64_t>(u) * d;
    const float* items = final_->data() + static_cast<int64_t>(config_.users) * d;
    for (int32_t i = 0; i < config_.items; ++i) {
      const float* ei = items + static_cast<int64_t>(i) * d;
      float s = 0;
      for (int32_t j = 0; j < d; ++j) s += eu[j] * ei[j];
      score[i] = s;
    }
    // Candidates: every item not excluded (the train row is sorted, so one merge-like pass).
    order.clear();
    const int32_t* seen = excludeTrain_ ? graph_->userItems.rowBegin(u) : nullptr;
    const int32_t* seenEnd = excludeTrain_ ? graph_->userItems.rowEnd(u) : nullptr;
    for (int32_t i = 0; i < config_.items; ++i) {
      if (seen != seenEnd && *seen == i) {
        ++seen;
        continue;
      }
      order.push_back(i);
    }
    const size_t take = std::min<size_t>(k_, order.size());
    // Higher score first; ties (and NaN, ranked last) go to the lower id, as in the evaluator.
    auto better = [&](int32_t a, int32_t b) {
      const float sa = score[a], sb = score[b];
      if (std::isnan(sa) || std::isnan(sb)) return std::isnan(sb) && (!std::isnan(sa) || a < b);
      return sa > sb || (sa == sb && a < b);
    };
    std::partial_sort(order.begin(), order.begin() + take, order.end(), better);
    for (size_t r = 0; r < take; ++r) {
      items_[q * k_ + r] = order[r];
      scores_[q * k_ + r] = score[order[r]];
    }
  }

  std::vector<int32_t> users_;
  int32_t k_;
  bool excludeTrain_;
  int32_t threads_;
  std::shared_ptr<const rf::BipartiteGraph> graph_;
  std::shared_ptr<const std::vector<float>> final_;
  rf::LightGcnConfig config_;
  std::vector<int32_t> items_;
  std::vector<float> scores_;
};

}  // namespace

Napi::Value startRecommend(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<RecommendJob>(env, std::move(s), info);
}

}  // namespace rfaddon
