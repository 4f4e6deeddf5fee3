// splitInteractions(data, testOptions, validationOptions | undefined, cancel?, progress?)
//   -> Promise<{ train, test, validation?, cutTime }>
#pragma once
#include <napi.h>

namespace rfaddon {
void registerSplitFunctions(Napi::Env env, Napi::Object exports);
}
