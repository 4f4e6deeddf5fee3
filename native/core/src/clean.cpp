#include "recforge/clean.hpp"

#include <algorithm>
#include <utility>

#include "recforge/edge_ops.hpp"
#include "recforge/error.hpp"

namespace rf {

namespace {

// Marks (keep[k] = 0) every edge repeating an earlier (user, item) pair.
int64_t markDuplicates(const Interactions& x, std::vector<uint8_t>& keep, const JobControl& ctl) {
  const UserGroups g = groupByUser(x);
  std::vector<std::pair<int32_t, int64_t>> row;  // (item, edge index): sorting puts the first copy first
  int64_t removed = 0;
  for (int32_t u = 0; u < x.nUsers; ++u) {
    row.clear();
    for (int64_t k = g.offsets[u]; k < g.offsets[u + 1]; ++k) row.emplace_back(x.items[g.edges[k]], g.edges[k]);
    std::sort(row.begin(), row.end());
    for (size_t k = 1; k < row.size(); ++k)
      if (row[k].first == row[k - 1].first) keep[row[k].second] = 0, ++removed;
    if ((u & 0xFFF) == 0) ctl.checkCancelled();
  }
  return removed;
}

// Interactions per user and per item among the kept edges.
void countDegrees(const Interactions& x, const std::vector<uint8_t>& keep, std::vector<int64_t>& du, std::vector<int64_t>& di) {
  du.assign(x.nUsers, 0);
  di.assign(x.nItems, 0);
  for (int64_t k = 0; k < x.size(); ++k)
    if (keep[k]) ++du[x.users[k]], ++di[x.items[k]];
}

// Drops edges of users/items under their threshold; returns whether anything was dropped.
bool filterOnce(const Interactions& x, const CleanOptions& o, std::vector<uint8_t>& keep, CleanResult& r) {
  std::vector<int64_t> du, di;
  countDegrees(x, keep, du, di);
  bool dropped = false;
  for (int64_t k = 0; k < x.size(); ++k) {
    if (keep[k] && (du[x.users[k]] < o.minUserInteractions || di[x.items[k]] < o.minItemInteractions)) {
      keep[k] = 0;
      ++r.interactionsDropped;
      dropped = true;
    }
  }
  return dropped;
}

// Dense renumbering of the ids that still have an edge, in increasing old-id order.
void denseIds(int32_t n, const std::vector<int64_t>& degree, std::vector<int32_t>& oldToNew, std::vector<int32_t>& newToOld) {
  oldToNew.assign(n, -1);
  newToOld.clear();
  for (int32_t v = 0; v < n; ++v)
    if (degree[v] > 0) oldToNew[v] = static_cast<int32_t>(newToOld.size()), newToOld.push_back(v);
}

}  // namespace

CleanResult clean(const Interactions& x, const CleanOptions& o, const JobControl& ctl) {
  checkInteractions(x, "interactions");
  if (o.minUserInteractions < 0 || o.minItemInteractions < 0)
    fail(code::kInvalidArgument, "minimum interaction counts must be >= 0");
  CleanResult r;
  std::vector<uint8_t> keep(x.size(), 1);
  if (o.dedup) r.duplicatesRemoved = markDuplicates(x, keep, ctl);

  std::vector<int64_t> du0, di0, du, di;
  countDegrees(x, keep, du0, di0);
  if (o.minUserInteractions > 1 || o.minItemInteractions > 1) {
    while (filterOnce(x, o, keep, r)) {
      ++r.rounds;
      ctl.checkCancelled();
      if (!o.iterate) break;
    }
  }
  countDegrees(x, keep, du, di);
  for (int32_t u = 0; u < x.nUsers; ++u) r.usersDropped += du0[u] > 0 && du[u] == 0;
  for (int32_t i = 0; i < x.nItems; ++i) r.itemsDropped += di0[i] > 0 && di[i] == 0;

  r.data = selectEdges(x, keep, 1);
  if (o.reindex) {
    denseIds(x.nUsers, du, r.userOldToNew, r.userNewToOld);
    denseIds(x.nItems, di, r.itemOldToNew, r.itemNewToOld);
    for (auto& u : r.data.users) u = r.userOldToNew[u];
    for (auto& i : r.data.items) i = r.itemOldToNew[i];
    r.data.nUsers = static_cast<int32_t>(r.userNewToOld.size());
    r.data.nItems = static_cast<int32_t>(r.itemNewToOld.size());
  }
  ctl.report(1.0);
  return r;
}

}  // namespace rf
