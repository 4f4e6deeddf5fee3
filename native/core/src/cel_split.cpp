#include "recforge/cel_split.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "recforge/error.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {
enum Stream : uint64_t { kPowerStart = 0xCE15 };

// Members of every cluster, ascending entity ids, in one counting-sort pass.
void membersByCluster(const ClusteredTable& t, std::vector<int64_t>& start, std::vector<int32_t>& list) {
  start.assign(static_cast<size_t>(t.capacity) + 1, 0);
  for (int32_t c : t.assign) ++start[c + 1];
  for (int32_t c = 0; c < t.capacity; ++c) start[c + 1] += start[c];
  list.resize(t.entities);
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int32_t i = 0; i < t.entities; ++i) list[fill[t.assign[i]]++] = i;
}

void meanOf(const float* G, int32_t d, const int32_t* members, int64_t m, std::vector<double>& mu) {
  mu.assign(d, 0.0);
  for (int64_t k = 0; k < m; ++k) {
    const float* g = G + static_cast<int64_t>(members[k]) * d;
    for (int32_t j = 0; j < d; ++j) mu[j] += g[j];
  }
  for (double& x : mu) x /= static_cast<double>(m);
}

double centredDot(const float* g, const std::vector<double>& mu, const std::vector<double>& v) {
  double s = 0;
  for (size_t j = 0; j < v.size(); ++j) s += (g[j] - mu[j]) * v[j];
  return s;
}
}  // namespace

double bestCut(const std::vector<double>& proj) {
  const int64_t m = static_cast<int64_t>(proj.size());
  if (m < 2) return proj.empty() ? 0.0 : proj[0];
  std::vector<double> s(proj);
  std::sort(s.begin(), s.end());
  double total = 0;
  for (double x : s) total += x;
  double left = 0, bestScore = -1, cut = s[0];
  for (int64_t k = 1; k < m; ++k) {  // groups s[0..k) and s[k..m)
    left += s[k - 1];
    if (!(s[k] > s[k - 1])) continue;  // equal values stay together
    const double n1 = static_cast<double>(k), n2 = static_cast<double>(m - k);
    const double gap = left / n1 - (total - left) / n2;
    const double score = n1 * n2 / m * gap * gap;  // between-group sum of squares
    if (score > bestScore) bestScore = score, cut = 0.5 * (s[k - 1] + s[k]);
  }
  return cut;
}

ClusterGradStats clusterGradStats(const ClusteredTable& t, const float* G) {
  const int32_t d = t.dim;
  ClusterGradStats s;
  s.members.assign(t.capacity, 0);
  s.variance.assign(t.capacity, 0.0);
  std::vector<double> sum(static_cast<size_t>(t.capacity) * d, 0.0), sq(t.capacity, 0.0);
  for (int32_t i = 0; i < t.entities; ++i) {
    const int32_t c = t.assign[i];
    ++s.members[c];
    const float* g = G + static_cast<int64_t>(i) * d;
    double* acc = sum.data() + static_cast<int64_t>(c) * d;
    for (int32_t j = 0; j < d; ++j) acc[j] += g[j], sq[c] += static_cast<double>(g[j]) * g[j];
  }
  for (int32_t c = 0; c < t.capacity; ++c) {
    if (s.members[c] < 2) continue;
    double n2 = 0;
    for (int32_t j = 0; j < d; ++j) n2 += sum[static_cast<int64_t>(c) * d + j] * sum[static_cast<int64_t>(c) * d + j];
    s.variance[c] = std::max(0.0, sq[c] - n2 / s.members[c]);
  }
  return s;
}

std::vector<double> leadingDirection(const float* G, int32_t d, const int32_t* members, int64_t m, int iterations,
                                     uint64_t seed, double* eigen) {
  if (m < 1 || d < 1 || iterations < 1) fail(code::kInvalidArgument, "leadingDirection needs members, dim and iterations >= 1");
  std::vector<double> mu, v(d), w(d);
  meanOf(G, d, members, m, mu);
  Rng rng(seed, kPowerStart);
  for (double& x : v) x = rng.normal();
  double lambda = 0;
  for (int it = 0; it < iterations; ++it) {
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    if (!(norm > 0)) break;  // every centred gradient is zero: no direction
    for (double& x : v) x /= norm;
    // w = X^T (X v), X the centred member rows: two passes over the members, no m x m matrix.
    std::fill(w.begin(), w.end(), 0.0);
    lambda = 0;
    for (int64_t k = 0; k < m; ++k) {
      const float* g = G + static_cast<int64_t>(members[k]) * d;
      const double p = centredDot(g, mu, v);
      lambda += p * p;
      for (int32_t j = 0; j < d; ++j) w[j] += p * (g[j] - mu[j]);
    }
    v.swap(w);
  }
  double norm = 0;
  for (double x : v) norm += x * x;
  norm = std::sqrt(norm);
  if (norm > 0)
    for (double& x : v) x /= norm;
  const auto big = std::max_element(v.begin(), v.end(), [](double a, double b) { return std::fabs(a) < std::fabs(b); });
  if (*big < 0)
    for (double& x : v) x = -x;
  if (eigen) *eigen = lambda;
  return v;
}

int32_t splitRound(ClusteredTable& t, const float* G, int32_t maxSplits, const SplitOptions& o,
                   const std::vector<float*>& extra) {
  if (maxSplits <= 0) return 0;
  const int32_t d = t.dim;
  const ClusterGradStats stats = clusterGradStats(t, G);
  std::vector<int32_t> order;
  for (int32_t c = 0; c < t.capacity; ++c)
    if (c >= t.pinned && stats.members[c] >= std::max(2, o.minMembers) && stats.variance[c] > 0) order.push_back(c);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return stats.variance[a] > stats.variance[b]; });
  std::vector<int32_t> freeIds;
  for (int32_t c = 0; c < t.capacity; ++c)
    if (stats.members[c] == 0) freeIds.push_back(c);
  std::vector<int64_t> start;
  std::vector<int32_t> list;
  membersByCluster(t, start, list);
  int32_t done = 0;
  size_t nextFree = 0;
  std::vector<double> mu;
  for (int32_t c : order) {
    if (done >= maxSplits || nextFree >= freeIds.size()) break;
    const int32_t* mem = list.data() + start[c];
    const int64_t m = start[c + 1] - start[c];
    const auto v = leadingDirection(G, d, mem, m, o.iterations, hash3(o.seed, o.round, static_cast<uint64_t>(c)));
    meanOf(G, d, mem, m, mu);
    std::vector<double> proj(m);
    for (int64_t k = 0; k < m; ++k) proj[k] = centredDot(G + static_cast<int64_t>(mem[k]) * d, mu, v);
    const double cut = bestCut(proj);
    std::vector<int32_t> moving;
    for (int64_t k = 0; k < m; ++k)
      if (proj[k] > cut) moving.push_back(mem[k]);
    if (moving.empty() || static_cast<int64_t>(moving.size()) == m) continue;
    const int32_t fresh = freeIds[nextFree++];
    for (int32_t i : moving) t.assign[i] = fresh;
    std::copy_n(t.centers.data() + static_cast<int64_t>(c) * d, d, t.centers.data() + static_cast<int64_t>(fresh) * d);
    for (float* e : extra) std::copy_n(e + static_cast<int64_t>(c) * d, d, e + static_cast<int64_t>(fresh) * d);
    ++done;
  }
  return done;
}

}  // namespace rf
