// Base class of every asynchronous entry point: runs Run() on a libuv worker thread, resolves or
// rejects a Promise on the main thread, carries a cancel flag and throttled progress events.
//
// Subclass contract: parse and copy all arguments in the constructor (main thread), do the work
// in Run() using only C++ state (no Napi calls), build the JS result in Result() (main thread).
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "errors.hpp"
#include "recforge/job.hpp"

namespace rfaddon {

class Job : public Napi::AsyncWorker {
 public:
  // `cancel`: undefined or a CancelToken; `progress`: undefined or function(fraction).
  Job(Napi::Env env, const char* name, const Napi::Value& cancel, const Napi::Value& progress);
  ~Job() override;

  // Queues the job and returns its promise.
  Napi::Promise start();

 protected:
  virtual void Run(const rf::JobControl& ctl) = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

 private:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;
  void releaseProgress();

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  struct ProgressEvent {
    std::shared_ptr<bool> finished;  // read and written on the main thread only
    double fraction;
  };
  Napi::ThreadSafeFunction progress_;
  Napi::FunctionReference progressFn_;
  std::shared_ptr<bool> progressFinished_ = std::make_shared<bool>(false);
  bool hasProgress_ = false;
  std::atomic<int64_t> lastReportNs_{0};
  std::string errorCode_;
  rf::JobControl ctl_;
};

// Starts a job built from `args...`: `return startJob<MyJob>(info, ...);` in an entry point.
template <class J, class... A>
Napi::Value startJob(Napi::Env env, A&&... args) {
  auto* job = new J(env, std::forward<A>(args)...);  // AsyncWorker deletes itself when done
  return job->start();
}

// Exports `name(...args) -> Promise` that constructs J(env, info) and queues it. Argument errors
// thrown by J's constructor become JS exceptions with codes (see guarded()).
template <class J>
void exportJob(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(
                        env,
                        [](const Napi::CallbackInfo& info) {
                          return guarded(info.Env(), [&] { return startJob<J>(info.Env(), info); });
                        },
                        name));
}

}  // namespace rfaddon
