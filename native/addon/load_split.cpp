#include "load_split.hpp"

#include <climits>
#include <cmath>

#include "convert.hpp"
#include "errors.hpp"
#include "interactions_convert.hpp"
#include "job.hpp"
#include "recforge/split.hpp"

namespace rfaddon {

namespace {

rf::SplitOptions splitOptions(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::SplitOptions s;
  const Napi::Value method = o.Get("method");
  if (!method.IsUndefined()) {
    const std::string m = stringArg(method, "options.method");
    if (m == "random") s.method = rf::SplitMethod::RandomRatio;
    else if (m == "leave-k-out") s.method = rf::SplitMethod::LeaveKOut;
    else if (m == "chrono") s.method = rf::SplitMethod::ChronoRatio;
    else if (m == "temporal") s.method = rf::SplitMethod::GlobalTemporal;
    else throwError(v.Env(), rf::code::kInvalidArgument, "options.method must be 'random', 'leave-k-out', 'chrono' or 'temporal', got '" + m + "'");
  }
  const Napi::Value pick = o.Get("pick");
  if (!pick.IsUndefined()) {
    const std::string p = stringArg(pick, "options.pick");
    if (p == "random") s.pick = rf::PickOrder::Random;
    else if (p == "latest") s.pick = rf::PickOrder::Latest;
    else if (p != "auto") throwError(v.Env(), rf::code::kInvalidArgument, "options.pick must be 'auto', 'random' or 'latest'");
  }
  s.ratio = numberField(o, "ratio", s.ratio);
  s.k = int32Field(o, "k", 1, INT32_MAX, s.k);
  s.cutTime = numberField(o, "cutTime", s.cutTime);
  s.seed = static_cast<uint64_t>(int32Field(o, "seed", 0, INT32_MAX, 0));
  s.threads = int32Field(o, "threads", 0, 4096, 0);
  return s;
}

class SplitJob : public Job {
 public:
  SplitJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:split", info[3], info[4]),
        data_(interactionsArg(info[0], "data")),
        test_(splitOptions(info[1])),
        withValidation_(!info[2].IsUndefined() && !info[2].IsNull()) {
    if (withValidation_) validation_ = splitOptions(info[2]);
  }

 protected:
  void Run(const rf::JobControl& ctl) override {
    if (withValidation_) {
      r_ = rf::splitWithValidation(data_, test_, validation_, ctl);
    } else {
      rf::SplitResult s = rf::split(data_, test_, ctl);
      r_.train = std::move(s.train);
      r_.test = std::move(s.test);
      r_.cutTime = s.cutTime;
    }
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("train", interactionsObject(env, std::move(r_.train)));
    o.Set("test", interactionsObject(env, std::move(r_.test)));
    if (withValidation_) o.Set("validation", interactionsObject(env, std::move(r_.validation)));
    if (!std::isnan(r_.cutTime)) o.Set("cutTime", r_.cutTime);
    return o;
  }

 private:
  rf::Interactions data_;
  rf::SplitOptions test_, validation_;
  bool withValidation_;
  rf::ThreeWaySplit r_;
};

}  // namespace

void registerSplitFunctions(Napi::Env env, Napi::Object exports) {
  exportJob<SplitJob>(env, exports, "splitInteractions");
}

}  // namespace rfaddon
