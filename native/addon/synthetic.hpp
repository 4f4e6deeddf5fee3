// generateSynthetic(options, cancel?, progress?) -> Promise<{ nUsers, nItems, train, test }>
#pragma once
#include <napi.h>

namespace rfaddon {
void registerSyntheticFunctions(Napi::Env env, Napi::Object exports);
}
