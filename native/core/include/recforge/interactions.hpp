// An implicit-feedback edge list: who interacted with what, with optional weight and timestamp
// columns. Ids are dense, 0-based; string ids (if the source had them) are mapped by the loader.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace rf {

struct Interactions {
  int32_t nUsers = 0;
  int32_t nItems = 0;
  std::vector<int32_t> users;
  std::vector<int32_t> items;
  std::vector<float> weights;      // empty, or one per edge
  std::vector<double> timestamps;  // empty, or one per edge

  int64_t size() const { return static_cast<int64_t>(users.size()); }
  bool hasWeights() const { return !weights.empty(); }
  bool hasTimestamps() const { return !timestamps.empty(); }
};

// Non-owning view of an edge list, as handed in from JS typed arrays or from Interactions.
struct EdgeView {
  const int32_t* users = nullptr;
  const int32_t* items = nullptr;
  int64_t size = 0;
  int32_t nUsers = 0;
  int32_t nItems = 0;

  static EdgeView of(const Interactions& x) { return {x.users.data(), x.items.data(), x.size(), x.nUsers, x.nItems}; }
};

// Throws E_OUT_OF_RANGE naming the first edge whose user or item id falls outside
// [0, nUsers) / [0, nItems), and E_INVALID_ARG for negative counts. `what` names the argument.
void validateEdges(const EdgeView& edges, const std::string& what);

}  // namespace rf
