// projectionEmbeddings(graph, dim, seed, threads, cancel?, progress?) -> Promise<{users, items, dim}>
#pragma once
#include <napi.h>

namespace rfaddon {
void registerEmbeddingFunctions(Napi::Env env, Napi::Object exports);
}
