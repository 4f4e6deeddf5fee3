#include "evaluate.hpp"

#include <climits>
#include <memory>
#include <string>

#include "convert.hpp"
#include "errors.hpp"
#include "graph.hpp"
#include "job.hpp"
#include "recforge/evaluate.hpp"

namespace rfaddon {

namespace {

std::shared_ptr<const rf::Csr> optionalCsr(const Napi::Value& v, const char* name) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  return CsrWrap::unwrap(v, name);
}

}  // namespace

// extraMask may carry per-item exclusion flags: { mask, excludedItems } (evaluate.hpp).
EvalTargets::EvalTargets(const Napi::Value& t, const Napi::Value& m, const Napi::Value& x, const Napi::Value& k,
                         const Napi::Value& th)
    : truth(CsrWrap::unwrap(t, "truth")),
      mask(optionalCsr(m, "mask")),
      ks(int32List(k, "ks")),
      threads(int32Arg(th, "threads", 0, 4096)) {
  const bool withFlags = x.IsObject() && !x.IsTypedArray() && x.As<Napi::Object>().Has("excludedItems");
  if (!withFlags) {
    extra = optionalCsr(x, "extraMask");
    return;
  }
  const Napi::Object o = x.As<Napi::Object>();
  extra = optionalCsr(o.Get("mask"), "extraMask.mask");
  excluded = bytesVector(o.Get("excludedItems"), "extraMask.excludedItems");
  if (static_cast<int64_t>(excluded.size()) != truth->cols)
    throwError(x.Env(), rf::code::kShape,
               "extraMask.excludedItems has " + std::to_string(excluded.size()) + " flags for " +
                   std::to_string(truth->cols) + " items");
}

// The result layout documented in evaluate.hpp; flat arrays so JS slices views without copies.
Napi::Value evalResultObject(Napi::Env env, rf::EvalResult& r) {
  const size_t nk = r.ks.size(), nu = r.users.size();
  std::vector<double> mean;
  std::vector<float> perUser;
  mean.reserve(rf::kMetricCount * nk);
  perUser.reserve(rf::kMetricCount * nk * nu);
  Napi::Array names = Napi::Array::New(env, rf::kMetricCount);
  for (int m = 0; m < rf::kMetricCount; ++m) {
    names.Set(static_cast<uint32_t>(m), rf::metricName(rf::Metric(m)));
    for (size_t k = 0; k < nk; ++k) {
      mean.push_back(r.mean[m][k]);
      perUser.insert(perUser.end(), r.perUser[m][k].begin(), r.perUser[m][k].end());
      std::vector<float>().swap(r.perUser[m][k]);  // release as we go: peak stays near one copy
    }
  }
  Napi::Array ks = Napi::Array::New(env, nk);
  for (size_t k = 0; k < nk; ++k) ks.Set(static_cast<uint32_t>(k), r.ks[k]);
  Napi::Object o = Napi::Object::New(env);
  o.Set("users", toInt32Array(env, std::move(r.users)));
  o.Set("ks", ks);
  o.Set("metrics", names);
  o.Set("mean", toFloat64Array(env, std::move(mean)));
  o.Set("perUser", toFloat32Array(env, std::move(perUser)));
  return o;
}

namespace {

class EvaluateJob : public Job {
 public:
  EvaluateJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:evaluate", info[8], info[9]),
        users_(float32Vector(info[0], "users")),
        items_(float32Vector(info[1], "items")),
        dim_(int32Arg(info[2], "dim", 1, INT32_MAX)),
        targets_(info[3], info[4], info[5], info[6], info[7]) {
    for (auto [v, name] : {std::pair{&users_, "users"}, std::pair{&items_, "items"}})
      if (v->size() % dim_ != 0 || v->size() / dim_ > INT32_MAX)
        throwError(env, rf::code::kShape,
                   std::string(name) + " has " + std::to_string(v->size()) + " values, not a whole number of rows of " +
                       std::to_string(dim_));
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    const rf::MatrixView u{users_.data(), static_cast<int32_t>(users_.size() / dim_), dim_};
    const rf::MatrixView v{items_.data(), static_cast<int32_t>(items_.size() / dim_), dim_};
    result_ = rf::evaluateEmbeddings(u, v, targets_.spec(), ctl);
  }
  Napi::Value Result(Napi::Env env) override { return evalResultObject(env, result_); }

 private:
  std::vector<float> users_, items_;
  int32_t dim_;
  EvalTargets targets_;
  rf::EvalResult result_;
};

// Every prefix width of the same tables in one pass; resolves to one result object per width.
class EvaluatePrefixesJob : public Job {
 public:
  EvaluatePrefixesJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:evaluatePrefixes", info[9], info[10]),
        users_(float32Vector(info[0], "users")),
        items_(float32Vector(info[1], "items")),
        dim_(int32Arg(info[2], "dim", 1, INT32_MAX)),
        dims_(int32List(info[3], "dims")),
        targets_(info[4], info[5], info[6], info[7], info[8]) {
    for (auto [v, name] : {std::pair{&users_, "users"}, std::pair{&items_, "items"}})
      if (v->size() % dim_ != 0 || v->size() / dim_ > INT32_MAX)
        throwError(env, rf::code::kShape,
                   std::string(name) + " has " + std::to_string(v->size()) + " values, not a whole number of rows of " +
                       std::to_string(dim_));
    rf::validatePrefixDims(dims_, dim_, "dims");  // refused synchronously, before queuing
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    const rf::MatrixView u{users_.data(), static_cast<int32_t>(users_.size() / dim_), dim_};
    const rf::MatrixView v{items_.data(), static_cast<int32_t>(items_.size() / dim_), dim_};
    results_ = rf::evaluateEmbeddingPrefixes(u, v, dims_, targets_.spec(), ctl);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (size_t l = 0; l < results_.size(); ++l) out.Set(static_cast<uint32_t>(l), evalResultObject(env, results_[l]));
    return out;
  }

 private:
  std::vector<float> users_, items_;
  int32_t dim_;
  std::vector<int32_t> dims_;
  EvalTargets targets_;
  std::vector<rf::EvalResult> results_;
};

class BaselineJob : public Job {
 public:
  BaselineJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:evaluateBaseline", info[8], info[9]),
        kind_(stringArg(info[0], "kind")),
        seed_(int32Arg(info[1], "seed", 0, INT32_MAX)),
        train_(CsrWrap::unwrap(info[2], "train")),
        targets_(info[3], info[4], info[5], info[6], info[7]) {
    if (kind_ != "popularity" && kind_ != "random")
      throwError(env, rf::code::kInvalidArgument, "kind must be 'popularity' or 'random', got '" + kind_ + "'");
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    result_ = kind_ == "popularity" ? rf::evaluatePopularity(*train_, targets_.spec(), ctl)
                                    : rf::evaluateRandom(static_cast<uint64_t>(seed_), train_->cols, targets_.spec(), ctl);
  }
  Napi::Value Result(Napi::Env env) override { return evalResultObject(env, result_); }

 private:
  std::string kind_;
  int32_t seed_;
  std::shared_ptr<const rf::Csr> train_;
  EvalTargets targets_;
  rf::EvalResult result_;
};

}  // namespace

void registerEvaluateFunctions(Napi::Env env, Napi::Object exports) {
  exportJob<EvaluateJob>(env, exports, "evaluate");
  exportJob<EvaluatePrefixesJob>(env, exports, "evaluatePrefixes");
  exportJob<BaselineJob>(env, exports, "evaluateBaseline");
}

}  // namespace rfaddon
