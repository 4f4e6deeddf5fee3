#include "recforge/edge_ops.hpp"

#include <cmath>

#include "recforge/error.hpp"

namespace rf {

void checkInteractions(const Interactions& x, const std::string& what) {
  const size_t n = x.users.size();
  if (x.items.size() != n)
    fail(code::kShape, what + ": " + std::to_string(n) + " users but " + std::to_string(x.items.size()) + " items");
  if (x.hasWeights() && x.weights.size() != n)
    fail(code::kShape, what + ": " + std::to_string(x.weights.size()) + " weights for " + std::to_string(n) + " edges");
  if (x.hasTimestamps() && x.timestamps.size() != n)
    fail(code::kShape, what + ": " + std::to_string(x.timestamps.size()) + " timestamps for " + std::to_string(n) + " edges");
  validateEdges(EdgeView::of(x), what);
  for (size_t k = 0; k < x.weights.size(); ++k)
    if (!std::isfinite(x.weights[k])) fail(code::kNonFinite, what + ": weight at index " + std::to_string(k) + " is not finite");
  for (size_t k = 0; k < x.timestamps.size(); ++k)
    if (!std::isfinite(x.timestamps[k]))
      fail(code::kNonFinite, what + ": timestamp at index " + std::to_string(k) + " is not finite");
}

UserGroups groupByUser(const Interactions& x) {
  UserGroups g;
  g.offsets.assign(static_cast<size_t>(x.nUsers) + 1, 0);
  for (int32_t u : x.users) ++g.offsets[u + 1];
  for (int32_t u = 0; u < x.nUsers; ++u) g.offsets[u + 1] += g.offsets[u];
  g.edges.resize(x.users.size());
  std::vector<int64_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
  for (int64_t k = 0; k < x.size(); ++k) g.edges[cursor[x.users[k]]++] = k;
  return g;
}

Interactions selectEdges(const Interactions& x, const std::vector<uint8_t>& part, uint8_t which) {
  Interactions out;
  out.nUsers = x.nUsers;
  out.nItems = x.nItems;
  int64_t n = 0;
  for (uint8_t p : part) n += p == which;
  out.users.reserve(n);
  out.items.reserve(n);
  if (x.hasWeights()) out.weights.reserve(n);
  if (x.hasTimestamps()) out.timestamps.reserve(n);
  for (int64_t k = 0; k < x.size(); ++k) {
    if (part[k] != which) continue;
    out.users.push_back(x.users[k]);
    out.items.push_back(x.items[k]);
    if (x.hasWeights()) out.weights.push_back(x.weights[k]);
    if (x.hasTimestamps()) out.timestamps.push_back(x.timestamps[k]);
  }
  return out;
}

}  // namespace rf
