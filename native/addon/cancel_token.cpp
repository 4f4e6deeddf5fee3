#include "cancel_token.hpp"

#include "addon_state.hpp"
#include "errors.hpp"
#include "recforge/error.hpp"

namespace rfaddon {

void CancelToken::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "CancelToken",
                                    {InstanceMethod<&CancelToken::Cancel>("cancel"),
                                     InstanceAccessor<&CancelToken::Cancelled>("cancelled")});
  addonState(env).cancelTokenCtor = Napi::Persistent(ctor);
  exports.Set("CancelToken", ctor);
}

CancelToken::CancelToken(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelToken>(info) {}

Napi::Value CancelToken::Cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

Napi::Value CancelToken::Cancelled(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), flag_->load()); }

std::shared_ptr<std::atomic<bool>> CancelToken::flagOf(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(addonState(env).cancelTokenCtor.Value()))
    throwError(env, rf::code::kType, "cancel token must be a CancelToken");
  return Unwrap(v.As<Napi::Object>())->flag_;
}

}  // namespace rfaddon
