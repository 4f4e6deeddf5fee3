#include <algorithm>

#include "recforge/edge_ops.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"
#include "split_internal.hpp"

namespace rf::detail {

void markPerUser(const Interactions& x, const SplitOptions& o, uint64_t salt, std::vector<uint8_t>& part,
                 const JobControl& ctl) {
  const UserGroups g = groupByUser(x);
  const bool byTime = o.method == SplitMethod::ChronoRatio ||
                      (o.method == SplitMethod::LeaveKOut &&
                       (o.pick == PickOrder::Latest || (o.pick == PickOrder::Auto && x.hasTimestamps())));
  const int threads = resolveThreads(o.threads, x.nUsers);
  // Each user writes only its own edges' entries of `part`, so chunks never share a byte.
  parallelChunks(x.nUsers, threads, [&](int64_t begin, int64_t end, int) {
    std::vector<int64_t> row;
    for (int64_t u = begin; u < end; ++u) {
      if ((u & 0x3FF) == 0) ctl.checkCancelled();
      const int64_t n = g.size(static_cast<int32_t>(u));
      const int64_t m = o.method == SplitMethod::LeaveKOut ? std::min<int64_t>(o.k, n - 1) : heldOutCount(n, o.ratio);
      if (m <= 0) continue;
      row.assign(g.edges.begin() + g.offsets[u], g.edges.begin() + g.offsets[u + 1]);
      if (byTime) {
        // Stable by construction: ties fall back to input position.
        std::sort(row.begin(), row.end(), [&](int64_t a, int64_t b) {
          return x.timestamps[a] != x.timestamps[b] ? x.timestamps[a] < x.timestamps[b] : a < b;
        });
        for (int64_t j = n - m; j < n; ++j) part[row[j]] = 1;
      } else {
        // Partial Fisher-Yates: the first m slots become a uniform random m-subset.
        Rng rng(o.seed, (salt << 32) ^ static_cast<uint64_t>(u));
        for (int64_t j = 0; j < m; ++j) {
          const int64_t r = j + static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - j)));
          std::swap(row[j], row[r]);
          part[row[j]] = 1;
        }
      }
    }
  });
}

double markGlobalTemporal(const Interactions& x, const SplitOptions& o, std::vector<uint8_t>& part) {
  double cut = o.cutTime;
  if (std::isnan(cut)) {
    const int64_t n = x.size();
    const auto m = std::min<int64_t>(n, static_cast<int64_t>(std::ceil(static_cast<double>(n) * o.ratio - 1e-9)));
    if (m <= 0) {
      cut = std::numeric_limits<double>::infinity();
    } else {
      std::vector<double> ts(x.timestamps);
      std::nth_element(ts.begin(), ts.begin() + (n - m), ts.end());
      cut = ts[n - m];
    }
  }
  for (int64_t k = 0; k < x.size(); ++k) part[k] = x.timestamps[k] >= cut;
  return cut;
}

}  // namespace rf::detail
