// Full-ranking evaluation jobs (see recforge/evaluate.hpp):
//   evaluate(users, items, dim, truth, mask, extraMask, ks, threads, cancel?, progress?)
//   evaluatePrefixes(users, items, dim, dims, truth, mask, extraMask, ks, threads, cancel?, progress?)
//   evaluateBaseline(kind, seed, train, truth, mask, extraMask, ks, threads, cancel?, progress?)
// users/items: Float32Array row-major; truth: NativeCsr; mask/extraMask: NativeCsr or null;
// dims: strictly increasing prefix widths in [1, dim]; kind: 'popularity' | 'random'.
// evaluate and evaluateBaseline resolve to { users: Int32Array, ks: number[], metrics: string[],
// mean: Float64Array [metric][k], perUser: Float32Array [metric][k][user] }; evaluatePrefixes to
// an array of such objects, one per width.
#pragma once
#include <napi.h>

namespace rfaddon {
void registerEvaluateFunctions(Napi::Env env, Napi::Object exports);
}
