// Exclusive use of a native model's tables by one job: taken in the job's constructor (main
// thread, so the refusal is synchronous), given back when the work ends or the job is destroyed.
// State is any model state with a `std::atomic<bool> busy` member.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

#include "errors.hpp"

namespace rfaddon {

// Error code of a refused concurrent job (the core never raises it, so it lives here).
inline constexpr const char* kBusy = "E_BUSY";

template <class State>
class BusyLeaseOf {
 public:
  BusyLeaseOf(Napi::Env env, std::shared_ptr<State> state, const char* what) : state_(std::move(state)) {
    bool expected = false;
    if (!state_->busy.compare_exchange_strong(expected, true))
      throwError(env, kBusy, std::string("cannot ") + what + ": the model is busy with another job (training?)");
    held_ = true;
  }
  ~BusyLeaseOf() { release(); }
  BusyLeaseOf(const BusyLeaseOf&) = delete;
  BusyLeaseOf& operator=(const BusyLeaseOf&) = delete;
  void release() {
    if (held_) {
      held_ = false;
      state_->busy.store(false);
    }
  }
  State& operator*() const { return *state_; }
  State* operator->() const { return state_.get(); }

 private:
  std::shared_ptr<State> state_;
  bool held_ = false;
};

// Gives the lease back when Run() ends (normally or by exception), before the promise settles,
// so a caller awaiting the job can start the next one right away.
template <class Lease>
struct ReleaseAtEnd {
  Lease& lease;
  ~ReleaseAtEnd() { lease.release(); }
};
template <class Lease>
ReleaseAtEnd(Lease&) -> ReleaseAtEnd<Lease>;

}  // namespace rfaddon
