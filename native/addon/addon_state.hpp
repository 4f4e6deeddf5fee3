// Per-environment addon data (constructors needed for instanceof checks), so the addon works
// when loaded in several worker_threads at once.
#pragma once
#include <napi.h>

namespace rfaddon {

struct AddonState {
  Napi::FunctionReference cancelTokenCtor;
  Napi::FunctionReference csrCtor;
  Napi::FunctionReference graphCtor;
  Napi::FunctionReference lightGcnCtor;
  Napi::FunctionReference interact2VecCtor;
};

AddonState& addonState(Napi::Env env);

}  // namespace rfaddon
