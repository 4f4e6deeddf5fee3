// CEL splits: per-cluster gradient statistics and the power-iteration direction against naive
// references (dense covariance in double), and split rounds that must recover planted groups.
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cel_split.hpp"
#include "recforge/rng.hpp"

namespace {

// Gradients of `n` entities in 4 planted groups that binary splits can separate: group k pulls
// along (+/-) a (sign of bit 0) plus (+/-) 0.4 b (bit 1), a and b orthogonal, plus noise.
std::vector<float> plantedGradients(int32_t n, int32_t d, double noise, uint64_t seed, std::vector<int32_t>& truth) {
  rf::Rng rng(seed, 1);
  std::vector<float> G(static_cast<size_t>(n) * d);
  truth.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    truth[i] = i % 4;
    for (int32_t j = 0; j < d; ++j) G[i * d + j] = static_cast<float>(noise * rng.normal());
    G[i * d + 0] += (truth[i] & 1) ? 1.0f : -1.0f;
    G[i * d + 1] += (truth[i] & 1) ? 0.5f : -0.5f;  // a = (1, 0.5, 0, ...)
    G[i * d + 2] += (truth[i] & 2) ? 0.4f : -0.4f;  // b = (0, 0, 0.4, ...)
  }
  return G;
}

// True when the clusters of `t` are exactly the planted groups (any labels).
bool recovers(const rf::ClusteredTable& t, const std::vector<int32_t>& truth, int32_t groups) {
  std::vector<int32_t> label(t.capacity, -1), owner(groups, -1);
  for (int32_t i = 0; i < t.entities; ++i) {
    const int32_t c = t.assign[i];
    if (label[c] == -1) label[c] = truth[i];
    if (label[c] != truth[i]) return false;
    if (owner[truth[i]] == -1) owner[truth[i]] = c;
    if (owner[truth[i]] != c) return false;
  }
  return true;
}

}  // namespace

TEST(cel_cluster_gradient_stats_match_naive) {
  const int32_t n = 40, d = 5, c = 6;
  auto init = rftest::randomTable(c, d, 1.0, 1);
  auto t = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHashed, init.data(), false, 3);
  t.assign[0] = 5;  // make sure some cluster has exactly one member or none
  auto G = rftest::randomTable(n, d, 1.0, 2);
  const auto s = rf::clusterGradStats(t, G.data());
  for (int32_t k = 0; k < c; ++k) {
    std::vector<int32_t> mem;
    for (int32_t i = 0; i < n; ++i)
      if (t.assign[i] == k) mem.push_back(i);
    CHECK_EQ(s.members[k], static_cast<int32_t>(mem.size()));
    double var = 0;
    if (mem.size() >= 2)
      for (int32_t j = 0; j < d; ++j) {
        double mu = 0;
        for (int32_t i : mem) mu += G[i * d + j];
        mu /= mem.size();
        for (int32_t i : mem) var += (G[i * d + j] - mu) * (G[i * d + j] - mu);
      }
    CHECK_NEAR(s.variance[k], var, 1e-9 + 1e-9 * var);
  }
}

TEST(cel_leading_direction_matches_dense_covariance) {
  const int32_t n = 200, d = 8;
  rf::Rng rng(4, 2);
  // Anisotropic data: coordinate j scaled by (j + 1), then rotated by mixing, so the answer is
  // not an axis.
  std::vector<float> G(n * d);
  for (int32_t i = 0; i < n; ++i) {
    std::vector<double> x(d);
    for (int32_t j = 0; j < d; ++j) x[j] = (j + 1) * rng.normal() + 3.0;
    for (int32_t j = 0; j < d; ++j) G[i * d + j] = static_cast<float>(x[j] + 0.5 * x[(j + 1) % d]);
  }
  std::vector<int32_t> members;
  for (int32_t i = 0; i < n; i += 2) members.push_back(i);  // a subset: rows not in it are ignored
  const int64_t m = static_cast<int64_t>(members.size());
  // Naive: dense d x d covariance in double, 2000 power steps.
  std::vector<double> mu(d, 0.0), cov(d * d, 0.0);
  for (int32_t i : members)
    for (int32_t j = 0; j < d; ++j) mu[j] += G[i * d + j] / double(m);
  for (int32_t i : members)
    for (int32_t a = 0; a < d; ++a)
      for (int32_t b = 0; b < d; ++b) cov[a * d + b] += (G[i * d + a] - mu[a]) * (G[i * d + b] - mu[b]);
  std::vector<double> v(d, 1.0), w(d);
  for (int it = 0; it < 2000; ++it) {
    double nn = 0;
    for (int32_t a = 0; a < d; ++a) {
      w[a] = 0;
      for (int32_t b = 0; b < d; ++b) w[a] += cov[a * d + b] * v[b];
      nn += w[a] * w[a];
    }
    for (int32_t a = 0; a < d; ++a) v[a] = w[a] / std::sqrt(nn);
  }
  double eigen = 0;
  const auto got = rf::leadingDirection(G.data(), d, members.data(), m, 60, 7, &eigen);
  double dot = 0, rq = 0;
  for (int32_t a = 0; a < d; ++a) {
    dot += got[a] * v[a];
    for (int32_t b = 0; b < d; ++b) rq += v[a] * cov[a * d + b] * v[b];
  }
  CHECK_NEAR(std::fabs(dot), 1.0, 1e-6);
  CHECK_NEAR(eigen, rq, 1e-6 * rq);
  // Deterministic for a seed.
  const auto again = rf::leadingDirection(G.data(), d, members.data(), m, 60, 7);
  CHECK(again == got);
}

TEST(cel_split_rounds_recover_planted_groups) {
  const int32_t n = 120, d = 6, groups = 4;
  std::vector<int32_t> truth;
  auto G = plantedGradients(n, d, 0.05, 11, truth);
  auto init = rftest::randomTable(groups, d, 1.0, 1);
  auto t = rf::ClusteredTable::create(n, d, groups, rf::ClusterInit::kSingle, init.data(), false, 0);
  std::vector<float> moment(groups * d);
  for (int32_t k = 0; k < d; ++k) moment[k] = 1.0f + k;  // the parent's optimizer row
  rf::SplitOptions o;
  o.seed = 3;
  int32_t total = 0;
  for (int round = 0; round < 4 && t.usedClusters() < groups; ++round) {
    o.round = round;
    total += rf::splitRound(t, G.data(), groups - t.usedClusters(), o, {moment.data()});
  }
  CHECK_EQ(total, groups - 1);
  CHECK(recovers(t, truth, groups));
  // Children start from their parent's rows (here every cluster descends from cluster 0).
  for (int32_t c = 0; c < groups; ++c)
    for (int32_t k = 0; k < d; ++k) {
      CHECK_EQ(t.centers[c * d + k], init[k]);
      CHECK_EQ(moment[c * d + k], 1.0f + k);
    }
  // No free row: nothing splits. Identical gradients: nothing splits either.
  CHECK_EQ(rf::splitRound(t, G.data(), 5, o), 0);
  auto one = rf::ClusteredTable::create(n, d, 2, rf::ClusterInit::kSingle, init.data(), false, 0);
  std::vector<float> same(n * d, 0.25f);
  CHECK_EQ(rf::splitRound(one, same.data(), 1, o), 0);
}

TEST(cel_best_cut_matches_brute_force_two_means) {
  rf::Rng rng(5, 9);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> x(3 + trial);
    for (double& v : x) v = trial % 2 ? rng.normal() : std::exp(2 * rng.normal());  // symmetric / heavy tail
    x[1] = x[0];  // a tie
    const double cut = rf::bestCut(x);
    auto sse = [&](double c) {  // within-group sum of squares of the cut
      double s = 0;
      for (int side = 0; side < 2; ++side) {
        double sum = 0, n = 0;
        for (double v : x)
          if ((v > c) == (side == 1)) sum += v, ++n;
        if (n == 0) return 1e300;
        for (double v : x)
          if ((v > c) == (side == 1)) s += (v - sum / n) * (v - sum / n);
      }
      return s;
    };
    double best = 1e300;
    for (double c : x) best = std::min(best, sse(c));  // every cut "v > c" for c a value
    CHECK_NEAR(sse(cut), best, 1e-9 * (1 + best));
  }
  // A heavy tail is isolated: one large value against many small ones.
  std::vector<double> tail{0.1, 0.2, 0.0, -0.1, 0.15, 9.0};
  const double c = rf::bestCut(tail);
  CHECK(c > 0.2 && c < 9.0);
}
