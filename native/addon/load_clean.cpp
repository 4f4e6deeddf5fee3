#include "load_clean.hpp"

#include <climits>

#include "convert.hpp"
#include "errors.hpp"
#include "interactions_convert.hpp"
#include "job.hpp"
#include "recforge/clean.hpp"

namespace rfaddon {

namespace {

rf::CleanOptions cleanOptions(const Napi::Value& v) {
  Napi::Object o = optionsArg(v);
  rf::CleanOptions c;
  c.dedup = boolArg(o.Get("dedup"), "options.dedup", c.dedup);
  c.minUserInteractions = int32Field(o, "minUserInteractions", 0, INT32_MAX, 0);
  c.minItemInteractions = int32Field(o, "minItemInteractions", 0, INT32_MAX, 0);
  c.iterate = boolArg(o.Get("iterate"), "options.iterate", c.iterate);
  c.reindex = boolArg(o.Get("reindex"), "options.reindex", c.reindex);
  return c;
}

class CleanJob : public Job {
 public:
  CleanJob(Napi::Env env, const Napi::CallbackInfo& info)
      : Job(env, "recforge:clean", info[2], info[3]), data_(interactionsArg(info[0], "data")), options_(cleanOptions(info[1])) {}

 protected:
  void Run(const rf::JobControl& ctl) override { r_ = rf::clean(data_, options_, ctl); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("data", interactionsObject(env, std::move(r_.data)));
    o.Set("duplicatesRemoved", static_cast<double>(r_.duplicatesRemoved));
    o.Set("interactionsDropped", static_cast<double>(r_.interactionsDropped));
    o.Set("usersDropped", r_.usersDropped);
    o.Set("itemsDropped", r_.itemsDropped);
    o.Set("rounds", r_.rounds);
    if (options_.reindex) {
      o.Set("userNewToOld", toInt32Array(env, std::move(r_.userNewToOld)));
      o.Set("itemNewToOld", toInt32Array(env, std::move(r_.itemNewToOld)));
      o.Set("userOldToNew", toInt32Array(env, std::move(r_.userOldToNew)));
      o.Set("itemOldToNew", toInt32Array(env, std::move(r_.itemOldToNew)));
    }
    return o;
  }

 private:
  rf::Interactions data_;
  rf::CleanOptions options_;
  rf::CleanResult r_;
};

}  // namespace

void registerCleanFunctions(Napi::Env env, Napi::Object exports) {
  exportJob<CleanJob>(env, exports, "cleanInteractions");
}

}  // namespace rfaddon
