// cleanInteractions(data, options, cancel?, progress?) -> Promise<{ data, duplicatesRemoved,
//   interactionsDropped, usersDropped, itemsDropped, rounds, userNewToOld?, itemNewToOld? }>
#pragma once
#include <napi.h>

namespace rfaddon {
void registerCleanFunctions(Napi::Env env, Napi::Object exports);
}
