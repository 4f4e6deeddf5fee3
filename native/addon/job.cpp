#include "job.hpp"

#include <memory>
#include <new>

#include "cancel_token.hpp"
#include "errors.hpp"
#include "recforge/error.hpp"

namespace rfaddon {

namespace {
// Progress events are throttled so a fast kernel cannot flood the event loop.
constexpr int64_t kProgressIntervalNs = 100'000'000;

// A throwing progress listener must not take the process down (or the job with it).
void callListener(Napi::Env env, Napi::Function fn, double fraction) {
  try {
    fn.Call({Napi::Number::New(env, fraction)});
  } catch (const Napi::Error&) {
  }
}

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Job::Job(Napi::Env env, const char* name, const Napi::Value& cancel, const Napi::Value& progress)
    : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {
  cancelled_ = CancelToken::flagOf(cancel);
  ctl_.cancelled = cancelled_.get();
  if (!progress.IsUndefined() && !progress.IsNull()) {
    if (!progress.IsFunction()) throwError(env, rf::code::kType, "progress must be a function");
    progressFn_ = Napi::Persistent(progress.As<Napi::Function>());
    progress_ = Napi::ThreadSafeFunction::New(env, progress.As<Napi::Function>(), std::string(name) + ":progress", 0, 1);
    hasProgress_ = true;
    // Intermediate fractions cross threads through the TSFN (throttled). The final 1.0 is not sent
    // from the worker: OnOK calls the listener directly before resolving, so a listener always
    // sees 1.0 before the promise settles and never anything after it (`finished` guards events
    // still queued when the job ends; it is shared because the Job may be gone by then).
    auto finished = progressFinished_;
    ctl_.progress = [this, finished](double fraction) {
      if (fraction >= 1.0) return;
      const int64_t now = nowNs();
      int64_t last = lastReportNs_.load(std::memory_order_relaxed);
      if (now - last < kProgressIntervalNs || !lastReportNs_.compare_exchange_strong(last, now)) return;
      auto* event = new ProgressEvent{finished, fraction};
      napi_status st = progress_.NonBlockingCall(event, [](Napi::Env e, Napi::Function fn, ProgressEvent* ev) {
        std::unique_ptr<ProgressEvent> owned(ev);
        if (e == nullptr || fn == nullptr || *owned->finished) return;
        callListener(e, fn, owned->fraction);
      });
      if (st != napi_ok) delete event;
    };
  }
}

Job::~Job() { releaseProgress(); }

void Job::releaseProgress() {
  if (hasProgress_) {
    hasProgress_ = false;
    progress_.Release();
  }
}

Napi::Promise Job::start() {
  Queue();
  return deferred_.Promise();
}

void Job::Execute() {
  try {
    Run(ctl_);
  } catch (const rf::Error& e) {
    errorCode_ = e.code();
    SetError(e.what());
  } catch (const std::bad_alloc&) {
    errorCode_ = "E_OUT_OF_MEMORY";
    SetError("out of memory");
  } catch (const std::exception& e) {
    errorCode_ = rf::code::kInternal;
    SetError(e.what());
  }
}

void Job::OnOK() {
  Napi::Env env = Env();
  if (hasProgress_) {
    *progressFinished_ = true;
    callListener(env, progressFn_.Value(), 1.0);
  }
  releaseProgress();
  try {
    deferred_.Resolve(Result(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  } catch (const std::exception& e) {
    deferred_.Reject(makeError(env, rf::code::kInternal, e.what()).Value());
  }
}

void Job::OnError(const Napi::Error& e) {
  *progressFinished_ = true;
  releaseProgress();
  deferred_.Reject(makeError(Env(), errorCode_.empty() ? rf::code::kInternal : errorCode_.c_str(), e.Message()).Value());
}

}  // namespace rfaddon
