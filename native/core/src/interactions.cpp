#include "recforge/interactions.hpp"

#include "recforge/error.hpp"

namespace rf {

void validateEdges(const EdgeView& e, const std::string& what) {
  if (e.nUsers < 0 || e.nItems < 0) fail(code::kInvalidArgument, what + ": user/item counts must be >= 0");
  if (e.size > 0 && (!e.users || !e.items)) fail(code::kInvalidArgument, what + ": missing id arrays");
  for (int64_t k = 0; k < e.size; ++k) {
    const int32_t u = e.users[k], i = e.items[k];
    if (u < 0 || u >= e.nUsers)
      fail(code::kOutOfRange, what + ": user id " + std::to_string(u) + " at index " + std::to_string(k) +
                                  " is outside [0, " + std::to_string(e.nUsers) + ")");
    if (i < 0 || i >= e.nItems)
      fail(code::kOutOfRange, what + ": item id " + std::to_string(i) + " at index " + std::to_string(k) +
                                  " is outside [0, " + std::to_string(e.nItems) + ")");
  }
}

}  // namespace rf
