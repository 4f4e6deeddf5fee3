// Cooperative cancellation and progress reporting for long-running core calls.
// The core never knows about AbortSignal or Node callbacks: the binding fills a JobControl.
#pragma once
#include <atomic>
#include <functional>

#include "recforge/error.hpp"

namespace rf {

struct JobControl {
  const std::atomic<bool>* cancelled = nullptr;  // set from another thread to ask the job to stop
  std::function<void(double)> progress;          // fraction done in [0,1]; may be called from any thread

  bool isCancelled() const { return cancelled && cancelled->load(std::memory_order_relaxed); }
  // Throws rf::Error(E_ABORTED) if cancellation was requested. Call between work chunks.
  void checkCancelled() const {
    if (isCancelled()) fail(code::kAborted, "operation aborted");
  }
  void report(double fraction) const {
    if (progress) progress(fraction);
  }
};

}  // namespace rf
