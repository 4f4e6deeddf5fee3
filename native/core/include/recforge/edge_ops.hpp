// Building blocks shared by cleaning and splitting: input checks, per-user grouping, and
// selecting a subset of edges while keeping their order and optional columns.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "recforge/interactions.hpp"

namespace rf {

// validateEdges plus: users/items of equal length (E_SHAPE), weights/timestamps empty or one per
// edge (E_SHAPE), and finite (E_NONFINITE). `what` names the argument in messages.
void checkInteractions(const Interactions& x, const std::string& what);

// Edge indices grouped by user: user u's edges are edges[offsets[u] .. offsets[u+1]), in input
// order (a stable counting sort), so per-user work never depends on anything but the data.
struct UserGroups {
  std::vector<int64_t> offsets;  // nUsers + 1
  std::vector<int64_t> edges;
  int64_t size(int32_t u) const { return offsets[u + 1] - offsets[u]; }
};
UserGroups groupByUser(const Interactions& x);

// The edges k with part[k] == which, in input order, with weights/timestamps when x has them and
// x's nUsers/nItems.
Interactions selectEdges(const Interactions& x, const std::vector<uint8_t>& part, uint8_t which);

}  // namespace rf
