// Cleaning an edge list before training: duplicate removal, minimum-count filtering (optionally
// to a fixed point, i.e. the k-core) and re-indexing to dense ids.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/interactions.hpp"
#include "recforge/job.hpp"

namespace rf {

struct CleanOptions {
  // Duplicates of a (user, item) pair keep the FIRST occurrence in input order: its position,
  // weight and timestamp. (First, not latest: it needs no timestamps and is stable under
  // re-running clean on its own output.)
  bool dedup = true;
  int32_t minUserInteractions = 0;  // users with fewer are dropped (0 or 1: no filter)
  int32_t minItemInteractions = 0;  // items with fewer are dropped
  // false: one pass, both thresholds judged on the same (deduplicated) input.
  // true: repeat until every remaining user and item meets its threshold (k-core).
  bool iterate = false;
  // Renumber users and items that still have an edge to 0..n-1, keeping their relative order.
  bool reindex = false;
};

struct CleanResult {
  Interactions data;  // remaining edges in input order; counts unchanged unless reindexed
  int64_t duplicatesRemoved = 0;
  int64_t interactionsDropped = 0;  // by the min-count filter
  int32_t usersDropped = 0;         // users that had an edge before filtering and none after
  int32_t itemsDropped = 0;
  int32_t rounds = 0;               // filter passes that dropped something
  // Filled only with reindex: old -> new (-1 when gone) and new -> old.
  std::vector<int32_t> userOldToNew, itemOldToNew;
  std::vector<int32_t> userNewToOld, itemNewToOld;
};

CleanResult clean(const Interactions& x, const CleanOptions& opts = {}, const JobControl& ctl = {});

}  // namespace rf
