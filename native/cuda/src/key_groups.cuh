// Stable grouping of entries by key (key_groups.cu), the basis of every deterministic gradient
// accumulation here: entry i with key k (0 <= k < keyLimit) lands in k's group, groups in key
// order and entries in ascending i inside a group; other keys (e.g. -1) are dropped to the end
// under the sentinel key keyLimit. A consumer kernel runs one warp per sorted position and lets
// the group heads (isGroupHead) walk their group in order.
#pragma once
#include <cstdint>

#include "recforge/cuda/workspace.hpp"

namespace rf::cuda::detail {

// Fills g.sortedKeys / g.sortedOrder[0, count) (count < 2^31, keyLimit < 2^31 - 1).
void groupByKey(const int32_t* dKeys, int64_t count, int32_t keyLimit, KeyGroups& g);

// Position i of the sorted keys starts a group (the sentinel key never does).
__device__ inline bool isGroupHead(const uint32_t* sortedKeys, int64_t i, uint32_t sentinel) {
  return sortedKeys[i] != sentinel && (i == 0 || sortedKeys[i - 1] != sortedKeys[i]);
}

}  // namespace rf::cuda::detail
