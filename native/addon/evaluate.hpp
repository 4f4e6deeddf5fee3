// Full-ranking evaluation jobs (see recforge/evaluate.hpp):
//   evaluate(users, items, dim, truth, mask, extraMask, ks, threads, cancel?, progress?)
//   evaluateBaseline(kind, seed, train, truth, mask, extraMask, ks, threads, cancel?, progress?)
// users/items: Float32Array row-major; truth: NativeCsr; mask/extraMask: NativeCsr or null;
// kind: 'popularity' | 'random'. Both resolve to { users: Int32Array, ks: number[],
// metrics: string[], mean: Float64Array [metric][k], perUser: Float32Array [metric][k][user] }.
#pragma once
#include <napi.h>

namespace rfaddon {
void registerEvaluateFunctions(Napi::Env env, Napi::Object exports);
}
