// The serving options of every top-k entry point of a LightGCN-family model (recommend,
// recommendSync, foldIn): k, excludeTrain, dim, shortlist, allow?, deny?, read and checked once
// into an rf::RetrievalSpec.
//   k >= 1 (capped at the item count: columns past the candidates would only hold padding);
//   dim: prefix width of the ranking score, 0 = full; shortlist: 0, or >= k to rerank that many
//   at full width; allow / deny: undefined, null or an Int32Array of item ids, any order,
//   duplicates allowed (E_TYPE for another type, E_OUT_OF_RANGE for a bad id).
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "recforge/retrieval.hpp"

namespace rfaddon {

// With item score offsets (LightGcnState::rank) the ranking tables have one more column: a
// full-width request (dim 0, or the model's dim) ranks on all of it, offsets included; a prefix
// request (dim < the model's) stays on the embedding coordinates, without the offsets.
inline void fullWidthWithOffset(rf::RetrievalSpec& spec, int32_t dim) {
  if (spec.dim == dim) spec.dim = 0;
}

struct ServeArgs {
  rf::RetrievalSpec spec;  // spec.allow / spec.deny point into the vectors below
  bool excludeTrain = true;
  std::vector<int32_t> allow, deny;

  ServeArgs() = default;
  ServeArgs(const ServeArgs&) = delete;  // the spec points into this object
  ServeArgs& operator=(const ServeArgs&) = delete;
};

// Fills `out` (whose vectors keep their capacity between calls) for a model with `items` items of
// width `width`; JS errors naming the argument (E_INVALID_ARG, E_TYPE, E_OUT_OF_RANGE) otherwise.
void parseServeArgs(const Napi::Value& k, const Napi::Value& excludeTrain, const Napi::Value& dim,
                    const Napi::Value& shortlist, const Napi::Value& allow, const Napi::Value& deny, int32_t items,
                    int32_t width, ServeArgs& out);

}  // namespace rfaddon
