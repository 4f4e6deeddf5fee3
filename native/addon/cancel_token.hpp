// CancelToken: the native end of an AbortSignal. The facade creates one per call, flips it from
// the signal's 'abort' listener, and the job polls the shared flag between chunks of work.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

namespace rfaddon {

class CancelToken : public Napi::ObjectWrap<CancelToken> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit CancelToken(const Napi::CallbackInfo& info);

  // The flag for a job; null when `v` is undefined. Throws E_TYPE for other non-token values.
  static std::shared_ptr<std::atomic<bool>> flagOf(const Napi::Value& v);

 private:
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Cancelled(const Napi::CallbackInfo& info);
  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace rfaddon
