#include "synthetic.hpp"

#include <climits>

#include "convert.hpp"
#include "errors.hpp"
#include "interactions_convert.hpp"
#include "job.hpp"
#include "recforge/synthetic.hpp"

namespace rfaddon {

namespace {

rf::SyntheticOptions parseOptions(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::SyntheticOptions s;
  s.users = int32Field(o, "users", 1, INT32_MAX - 1, s.users);
  s.items = int32Field(o, "items", 2, INT32_MAX - 1, s.items);
  s.meanActivity = numberField(o, "meanActivity", s.meanActivity);
  s.minActivity = int32Field(o, "minActivity", 1, INT32_MAX - 1, s.minActivity);
  s.activityExponent = numberField(o, "activityExponent", s.activityExponent);
  s.popularityExponent = numberField(o, "popularityExponent", s.popularityExponent);
  s.rank = int32Field(o, "rank", 1, 1024, s.rank);
  s.affinity = numberField(o, "affinity", s.affinity);
  s.testRatio = numberField(o, "testRatio", s.testRatio);
  s.seed = static_cast<uint64_t>(int32Field(o, "seed", 0, INT32_MAX, static_cast<int32_t>(s.seed)));
  s.threads = int32Field(o, "threads", 0, 4096, 0);
  return s;
}

class SyntheticJob : public Job {
 public:
  SyntheticJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:synthetic", info[1], info[2]), options_(parseOptions(info[0])) {}

 protected:
  void Run(const rf::JobControl& ctl) override { data_ = rf::generateSynthetic(options_, ctl); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("nUsers", data_.train.nUsers);
    o.Set("nItems", data_.train.nItems);
    o.Set("train", interactionsObject(env, std::move(data_.train)));
    o.Set("test", interactionsObject(env, std::move(data_.test)));
    return o;
  }

 private:
  rf::SyntheticOptions options_;
  rf::SyntheticData data_;
};

}  // namespace

void registerSyntheticFunctions(Napi::Env env, Napi::Object exports) {
  exportJob<SyntheticJob>(env, exports, "generateSynthetic");
}

}  // namespace rfaddon
