// Build and machine facts for listBackends() and diagnostics.
#pragma once
#include <napi.h>

namespace rfaddon {
void registerInfoFunctions(Napi::Env env, Napi::Object exports);
}
