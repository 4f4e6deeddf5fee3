// Nearest neighbours within one table, for every model, through rf::similarRows
// (recforge/similarity.hpp):
//   m.similar(side: 'users' | 'items', queries: Int32Array, k, dim, cosine: boolean, deny?, threads,
//             cancel?, progress?) -> Promise<{ items: Int32Array, scores: Float32Array }>
// queries.length x k row-major, ids of the same side (users for 'users'), best first, the query
// itself never listed, padded with -1 / -Infinity where fewer than k candidates exist. dim: the
// similarity on the first dim coordinates (0 = all); cosine: of those prefixes (false: their
// inner product); deny: undefined, null or an Int32Array of ids of that side never returned.
// A LightGCN model answers from its cached final embeddings (like recommend: no busy lease, run
// finalEmbeddings first); an Interact2Vec model from its tables under the busy lease.
#include <algorithm>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "interact2vec.hpp"
#include "job.hpp"
#include "lightgcn.hpp"
#include "recforge/retrieval.hpp"
#include "recforge/similarity.hpp"

namespace rfaddon {

namespace {

// The parsed arguments and the run, shared by both models' jobs.
class SimilarQuery {
 public:
  SimilarQuery(const Napi::CallbackInfo& info, int32_t users, int32_t items, int32_t width)
      : queries_(int32Vector(info[1], "queries")) {
    const std::string side = stringArg(info[0], "side");
    if (side != "users" && side != "items")
      throwError(info.Env(), rf::code::kInvalidArgument, "side must be 'users' or 'items', got '" + side + "'");
    users_ = side == "users";
    rows_ = users_ ? users : items;
    for (size_t q = 0; q < queries_.size(); ++q)
      if (queries_[q] < 0 || queries_[q] >= rows_)
        throwError(info.Env(), rf::code::kOutOfRange,
                   "queries[" + std::to_string(q) + "] = " + std::to_string(queries_[q]) + " is outside [0, " +
                       std::to_string(rows_) + ")");
    spec_.k = std::min(int32Arg(info[2], "k", 1, INT32_MAX), std::max(rows_, 1));
    spec_.dim = int32Arg(info[3], "dim", 0, width);
    spec_.cosine = boolArg(info[4], "cosine", true);
    if (!info[5].IsUndefined() && !info[5].IsNull()) {
      deny_ = int32Vector(info[5], "deny");
      rf::normalizeItemList(deny_, rows_, "deny");
      spec_.deny = deny_.data();
      spec_.nDeny = static_cast<int64_t>(deny_.size());
    }
    spec_.threads = int32Arg(info[6], "threads", 0, 4096);
  }

  bool users() const { return users_; }

  // `table`: the rows of the chosen side (rows x width).
  void run(const float* table, int32_t width, const rf::JobControl& ctl) {
    const int64_t n = static_cast<int64_t>(queries_.size());
    ids_.resize(n * spec_.k);
    scores_.resize(n * spec_.k);
    rf::similarRows({table, rows_, width}, queries_.data(), n, spec_, ids_.data(), scores_.data(), ctl);
  }

  Napi::Value result(Napi::Env env) { return rankedLists(env, std::move(ids_), std::move(scores_)); }

 private:
  std::vector<int32_t> queries_, deny_;
  bool users_ = false;
  int32_t rows_ = 0;
  rf::SimilarSpec spec_;
  std::vector<int32_t> ids_;
  std::vector<float> scores_;
};

class LightGcnSimilarJob : public Job {
 public:
  LightGcnSimilarJob(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:similar", info[7], info[8]),
        final_(s->final),
        config_(s->model.config),
        query_(info, config_.users, config_.items, config_.dim) {
    if (!final_) throwError(env, rf::code::kInvalidArgument, "finalEmbeddings must run before similar");
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    const int64_t offset = query_.users() ? 0 : static_cast<int64_t>(config_.users) * config_.dim;
    query_.run(final_->data() + offset, config_.dim, ctl);
  }
  Napi::Value Result(Napi::Env env) override { return query_.result(env); }

 private:
  std::shared_ptr<const std::vector<float>> final_;
  rf::LightGcnConfig config_;
  SimilarQuery query_;
};

class Interact2VecSimilarJob : public Job {
 public:
  Interact2VecSimilarJob(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info)
      : Job(env, "recforge:interact2vecSimilar", info[7], info[8]),
        lease_(env, std::move(s), "rank"),
        query_(info, lease_->model.config.users, lease_->model.config.items, lease_->model.config.dim) {}

 protected:
  void Run(const rf::JobControl& ctl) override {
    ReleaseAtEnd end{lease_};
    ctl.checkCancelled();
    const rf::Interact2VecModel& m = lease_->model;
    query_.run(query_.users() ? m.users.data() : m.items.data(), m.config.dim, ctl);
  }
  Napi::Value Result(Napi::Env env) override { return query_.result(env); }

 private:
  Interact2VecLease lease_;
  SimilarQuery query_;
};

}  // namespace

Napi::Value startLightGcnSimilar(Napi::Env env, std::shared_ptr<LightGcnState> s, const Napi::CallbackInfo& info) {
  return startJob<LightGcnSimilarJob>(env, std::move(s), info);
}

Napi::Value startInteract2VecSimilar(Napi::Env env, std::shared_ptr<Interact2VecState> s, const Napi::CallbackInfo& info) {
  return startJob<Interact2VecSimilarJob>(env, std::move(s), info);
}

}  // namespace rfaddon
