// The two kinds of split marking (internal to the core). Both set part[k] = 1 for held-out edges.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/split.hpp"

namespace rf::detail {

// RandomRatio / LeaveKOut / ChronoRatio. `salt` selects an independent family of Rng streams.
void markPerUser(const Interactions& x, const SplitOptions& o, uint64_t salt, std::vector<uint8_t>& part,
                 const JobControl& ctl);

// GlobalTemporal; returns the cut time used.
double markGlobalTemporal(const Interactions& x, const SplitOptions& o, std::vector<uint8_t>& part);

}  // namespace rf::detail
