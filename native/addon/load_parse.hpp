// parseLines(bytes, cancel?, progress?) and parseDelimited(bytes, options, cancel?, progress?)
//   -> Promise<{ nUsers, nItems, users, items, weights?, timestamps?, userIds?, itemIds?, rows,
//                filteredRows, delimiter?, header? }>
#pragma once
#include <napi.h>

namespace rfaddon {
void registerParseFunctions(Napi::Env env, Napi::Object exports);
}
