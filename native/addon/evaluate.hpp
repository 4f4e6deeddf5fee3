// Full-ranking evaluation jobs (see recforge/evaluate.hpp):
//   evaluate(users, items, dim, truth, mask, extraMask, ks, threads, cancel?, progress?)
//   evaluatePrefixes(users, items, dim, dims, truth, mask, extraMask, ks, threads, cancel?, progress?)
//   evaluateBaseline(kind, seed, train, truth, mask, extraMask, ks, threads, cancel?, progress?)
// users/items: Float32Array row-major; truth: NativeCsr; mask: NativeCsr or null; extraMask:
// NativeCsr, null, or { mask: NativeCsr | null, excludedItems: Uint8Array } (nItems flags,
// non-zero = the item is never ranked for anyone);
// dims: strictly increasing prefix widths in [1, dim]; kind: 'popularity' | 'random'.
// evaluate and evaluateBaseline resolve to { users: Int32Array, ks: number[], metrics: string[],
// mean: Float64Array [metric][k], perUser: Float32Array [metric][k][user] }; evaluatePrefixes to
// an array of such objects, one per width.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "recforge/evaluate.hpp"

namespace rfaddon {

// Truth, masks, cutoffs and threads: the arguments every evaluation job shares (also model jobs
// that evaluate with their own scorer). Holding the CSRs through shared_ptr keeps them alive if
// the Dataset is disposed while the job runs.
struct EvalTargets {
  std::shared_ptr<const rf::Csr> truth, mask, extra;
  std::vector<char> excluded;  // empty, or one flag per item (truth's columns)
  std::vector<int32_t> ks;
  int32_t threads;
  // truth: NativeCsr; mask / extraMask: NativeCsr or null; ks: integers; threads in [0, 4096].
  EvalTargets(const Napi::Value& truth, const Napi::Value& mask, const Napi::Value& extraMask, const Napi::Value& ks,
              const Napi::Value& threads);
  rf::EvalSpec spec() const {
    rf::EvalSpec s{truth.get(), mask.get(), extra.get(), ks, threads};
    if (!excluded.empty()) s.excludedItems = reinterpret_cast<const uint8_t*>(excluded.data());
    return s;
  }
};

// The result layout above; flat arrays so JS slices views without copies. Empties r's per-user
// vectors as it copies them.
Napi::Value evalResultObject(Napi::Env env, rf::EvalResult& r);

void registerEvaluateFunctions(Napi::Env env, Napi::Object exports);

}  // namespace rfaddon
