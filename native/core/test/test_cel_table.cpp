// Clustered embedding tables: budgets, the initial assignments of CEL and its baselines, gather
// against a naive loop, and the scatter of gradients against central differences of a loss of
// the gathered table (cluster rows and residuals).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cel_table.hpp"

namespace {

rf::ClusteredTable smallTable(bool residual) {
  const int32_t n = 7, d = 3, c = 3;
  auto init = rftest::randomTable(c, d, 0.5, 3);
  auto t = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHashed, init.data(), residual, 9);
  if (residual) t.residual = rftest::randomTable(n, d, 0.2, 4);
  return t;
}

// A smooth loss of the gathered table: sum_ij a_ij sin(e_ij) (+ lambda/2 ||delta||^2).
double lossOf(const rf::ClusteredTable& t, const std::vector<double>& a, double lambda) {
  double l = 0;
  for (int32_t i = 0; i < t.entities; ++i)
    for (int32_t j = 0; j < t.dim; ++j) {
      double e = t.centers[t.assign[i] * t.dim + j];
      if (!t.residual.empty()) {
        const double r = t.residual[i * t.dim + j];
        e += r;
        l += 0.5 * lambda * r * r;
      }
      l += a[i * t.dim + j] * std::sin(e);
    }
  return l;
}

}  // namespace

TEST(cel_budget_resolution_and_bad_budgets) {
  CHECK_EQ(rf::resolveClusterCount({0, 10.0}, 105), 10);
  CHECK_EQ(rf::resolveClusterCount({0, 1000.0}, 105), 1);  // at least one cluster
  CHECK_EQ(rf::resolveClusterCount({0, 1.0}, 105), 105);
  CHECK_EQ(rf::resolveClusterCount({7, 0}, 105), 7);
  CHECK_THROWS_CODE(rf::resolveClusterCount({0, 0}, 10), rf::code::kInvalidArgument);      // neither
  CHECK_THROWS_CODE(rf::resolveClusterCount({3, 2.0}, 10), rf::code::kInvalidArgument);    // both
  CHECK_THROWS_CODE(rf::resolveClusterCount({-1, 0}, 10), rf::code::kInvalidArgument);     // negative count
  CHECK_THROWS_CODE(rf::resolveClusterCount({11, 0}, 10), rf::code::kInvalidArgument);     // more than entities
  CHECK_THROWS_CODE(rf::resolveClusterCount({0, 0.5}, 10), rf::code::kInvalidArgument);    // ratio < 1
  CHECK_THROWS_CODE(rf::resolveClusterCount({0, std::nan("")}, 10), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::resolveClusterCount({0, std::numeric_limits<double>::infinity()}, 10), rf::code::kInvalidArgument);
  std::vector<float> init(30, 0.0f);
  CHECK_THROWS_CODE(rf::ClusteredTable::create(10, 3, 0, rf::ClusterInit::kHashed, init.data(), false, 1),
                    rf::code::kInvalidArgument);  // 0 clusters
  CHECK_THROWS_CODE(rf::ClusteredTable::create(5, 3, 6, rf::ClusterInit::kHashed, init.data(), false, 1),
                    rf::code::kInvalidArgument);  // more clusters than entities
  CHECK_THROWS_CODE(rf::ClusteredTable::create(5, 3, 3, rf::ClusterInit::kFrequency, init.data(), false, 1),
                    rf::code::kInvalidArgument);  // frequency without degrees
}

TEST(cel_initial_assignments) {
  const int32_t n = 1000, d = 2, c = 10;
  auto init = rftest::randomTable(n, d, 1.0, 1);
  auto full = rf::ClusteredTable::create(n, d, n, rf::ClusterInit::kFull, init.data(), false, 1);
  for (int32_t i = 0; i < n; ++i) CHECK_EQ(full.assign[i], i);
  auto h1 = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHashed, init.data(), false, 5);
  auto h2 = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHashed, init.data(), false, 5);
  auto h3 = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHashed, init.data(), false, 6);
  CHECK(h1.assign == h2.assign);
  CHECK(h1.assign != h3.assign);
  for (int32_t s : h1.clusterSizes()) CHECK(s > 60 && s < 140);  // ~100 each
  std::vector<int64_t> degree(n);
  for (int32_t i = 0; i < n; ++i) degree[i] = (i * 37) % 101;
  auto f = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kFrequency, init.data(), false, 5, degree.data());
  // The 9 most interacted entities keep own rows 0..8 (by degree, ties to the lower id).
  std::vector<int32_t> own;
  for (int32_t i = 0; i < n; ++i)
    if (f.assign[i] != c - 1) own.push_back(i);
  CHECK_EQ(own.size(), size_t(9));
  for (int32_t i : own)
    for (int32_t j = 0; j < n; ++j)
      if (f.assign[j] == c - 1) CHECK(degree[j] < degree[i] || (degree[j] == degree[i] && j > i));
  auto one = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kSingle, init.data(), false, 5);
  CHECK_EQ(one.usedClusters(), 1);
  CHECK_EQ(one.stateBytes(), int64_t(c * d * 4 + n * 4));
}

TEST(cel_gather_matches_naive_and_full_table_is_identity) {
  for (bool residual : {false, true}) {
    auto t = smallTable(residual);
    std::vector<float> out(t.entities * t.dim);
    rf::gatherAll(t, out.data(), 2);
    for (int32_t i = 0; i < t.entities; ++i)
      for (int32_t j = 0; j < t.dim; ++j) {
        const float want = t.centers[t.assign[i] * t.dim + j] + (residual ? t.residual[i * t.dim + j] : 0.0f);
        CHECK_EQ(out[i * t.dim + j], want);
      }
  }
  auto table = rftest::randomTable(50, 5, 1.0, 2);
  auto full = rf::ClusteredTable::create(50, 5, 50, rf::ClusterInit::kFull, table.data(), false, 0);
  std::vector<float> out(table.size());
  rf::gatherAll(full, out.data());
  CHECK(std::memcmp(out.data(), table.data(), table.size() * 4) == 0);
  // Scatter with one member per cluster reproduces the gradient bit for bit (signed zeros too).
  auto g = rftest::randomTable(50, 5, 1.0, 3);
  g[7] = -0.0f;
  std::vector<int32_t> rows(50), touched, slot(50, -1);
  for (int32_t i = 0; i < 50; ++i) rows[i] = i;
  std::vector<float> slots(g.size());
  rf::scatterGradients(full, rows.data(), 50, g.data(), slots.data(), touched, slot.data());
  CHECK(std::memcmp(slots.data(), g.data(), g.size() * 4) == 0);
  for (int32_t i = 0; i < 50; ++i) CHECK_EQ(touched[i], i);
}

TEST(cel_scatter_gradients_match_finite_differences) {
  for (bool residual : {false, true}) {
    auto t = smallTable(residual);
    const int32_t n = t.entities, d = t.dim;
    const double lambda = residual ? 0.3 : 0.0;
    auto av = rftest::toDouble(rftest::randomTable(n, d, 1.0, 8));
    // dL/de_i analytically (every entity has a gradient row).
    std::vector<float> e(n * d), G(n * d);
    rf::gatherAll(t, e.data());
    for (int32_t k = 0; k < n * d; ++k) G[k] = static_cast<float>(av[k] * std::cos(static_cast<double>(e[k])));
    std::vector<int32_t> rows(n), touched, slot(t.capacity, -1);
    for (int32_t i = 0; i < n; ++i) rows[i] = i;
    std::vector<float> slots(t.capacity * d), gres(n * d);
    rf::scatterGradients(t, rows.data(), n, G.data(), slots.data(), touched, slot.data(), gres.data(),
                         static_cast<float>(lambda));
    const double h = 1e-3;
    for (int32_t c = 0; c < t.capacity; ++c)
      for (int32_t j = 0; j < d; ++j) {
        auto tp = t, tm = t;
        tp.centers[c * d + j] += static_cast<float>(h);
        tm.centers[c * d + j] -= static_cast<float>(h);
        const double fd = (lossOf(tp, av, lambda) - lossOf(tm, av, lambda)) / (2 * h);
        const double got = slot[c] < 0 ? 0.0 : slots[slot[c] * d + j];
        CHECK_NEAR(got, fd, 1e-3 + 1e-3 * std::fabs(fd));
      }
    if (!residual) continue;
    for (int32_t k = 0; k < n * d; ++k) {
      auto tp = t, tm = t;
      tp.residual[k] += static_cast<float>(h);
      tm.residual[k] -= static_cast<float>(h);
      const double fd = (lossOf(tp, av, lambda) - lossOf(tm, av, lambda)) / (2 * h);
      CHECK_NEAR(gres[k], fd, 1e-3 + 1e-3 * std::fabs(fd));
    }
  }
}

TEST(cel_scatter_rejects_bad_rows) {
  auto t = smallTable(false);
  std::vector<float> G(t.entities * t.dim), slots(t.capacity * t.dim);
  std::vector<int32_t> touched, slot(t.capacity, -1);
  std::vector<int32_t> unsorted{3, 1};
  CHECK_THROWS_CODE(rf::scatterGradients(t, unsorted.data(), 2, G.data(), slots.data(), touched, slot.data()),
                    rf::code::kInvalidArgument);
  std::vector<int32_t> outside{99};
  std::fill(slot.begin(), slot.end(), -1);
  CHECK_THROWS_CODE(rf::scatterGradients(t, outside.data(), 1, G.data(), slots.data(), touched, slot.data()),
                    rf::code::kOutOfRange);
  t.assign[0] = 5;
  CHECK_THROWS_CODE(t.validate(), rf::code::kOutOfRange);
}

TEST(cel_hot_tail_start_pins_the_most_interacted_entities) {
  const int32_t n = 500, d = 2, c = 12;
  auto init = rftest::randomTable(c, d, 1.0, 1);
  std::vector<int64_t> degree(n);
  for (int32_t i = 0; i < n; ++i) degree[i] = (i * 53) % 97;
  auto t = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHotTail, init.data(), false, 5, degree.data(), 7);
  CHECK_EQ(t.pinned, 7);
  CHECK_EQ(t.usedClusters(), 8);  // 7 pinned rows + the tail row 7; rows 8..11 free for splits
  std::vector<int32_t> order(n);
  for (int32_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return degree[a] > degree[b]; });
  for (int32_t k = 0; k < n; ++k) CHECK_EQ(t.assign[order[k]], k < 7 ? k : 7);
  t.validate();
  // hot is clamped to capacity - 1 (one tail row at least): then it is the frequency baseline.
  auto all = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHotTail, init.data(), false, 5, degree.data(), 50);
  auto freq = rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kFrequency, init.data(), false, 5, degree.data());
  CHECK(all.assign == freq.assign);
  CHECK_EQ(all.pinned, c - 1);
  // A pinned row with two members is rejected; so is a negative hot count.
  t.assign[order[100]] = 0;
  CHECK_THROWS_CODE(t.validate(), rf::code::kOutOfRange);
  CHECK_THROWS_CODE(rf::ClusteredTable::create(n, d, c, rf::ClusterInit::kHotTail, init.data(), false, 5, degree.data(), -1),
                    rf::code::kInvalidArgument);
}

TEST(cel_gather_with_bias_matches_naive) {
  auto t = smallTable(true);
  t.bias = rftest::randomTable(t.entities, 1, 0.3, 8);
  std::vector<float> out(t.entities * t.dim);
  rf::gatherAll(t, out.data(), 2);
  for (int32_t i = 0; i < t.entities; ++i)
    for (int32_t j = 0; j < t.dim; ++j)
      CHECK_EQ(out[i * t.dim + j], j + 1 == t.dim ? t.bias[i] : t.centers[t.assign[i] * t.dim + j] + t.residual[i * t.dim + j]);
  CHECK_EQ(t.parameterCount(), int64_t(3 * 3 + 7 * 3 + 7));
  t.bias.pop_back();
  CHECK_THROWS_CODE(t.validate(), rf::code::kShape);
}
