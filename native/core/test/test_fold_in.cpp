// Fold-in of a new user against naive references: the propagated part against an explicit
// layer loop (and, for one layer, against adding the user to the graph for real), the fitted row
// against a closed form and against the optimality of the stated objective.
#include <algorithm>
#include <cmath>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/fold_in.hpp"
#include "recforge/lightgcn.hpp"
#include "recforge/rng.hpp"

namespace {

struct Trained {
  rftest::SmallGraph s;
  rf::LightGcnModel model;
  std::vector<float> final, layerSum;
  rf::FoldInModel view() const {
    const auto& c = model.config;
    rf::FoldInModel m;
    m.items = {final.data() + static_cast<int64_t>(c.users) * c.dim, c.items, c.dim};
    m.itemLayerSum = {layerSum.data(), c.layers > 0 ? c.items : 0, c.dim};
    m.itemUsers = &s.g.itemUsers;
    m.layers = c.layers;
    return m;
  }
};

Trained randomModel(int32_t users, int32_t items, int32_t d, int32_t K, uint64_t seed) {
  Trained t;
  t.s = rftest::randomGraph(users, items, 0.3, seed, -1, items - 1);  // the last item has no users
  t.model = rf::LightGcnModel::create(rftest::modelConfig(t.s.g, d, K, 0.5, seed), 2);
  t.final = t.model.finalEmbeddings(t.s.g, 2, &t.layerSum);
  return t;
}

// The objective of fold_in.hpp in double, every non-item a negative (the pool when it is large enough).
double naiveLoss(const rf::FoldInModel& m, const std::vector<int32_t>& items, const std::vector<double>& e,
                 const std::vector<double>& c, const std::vector<int32_t>& dims, double reg) {
  const int32_t d = m.items.cols;
  const double scale = 1.0 / (m.layers + 1);
  std::vector<double> f(d);
  for (int32_t k = 0; k < d; ++k) f[k] = scale * (e[k] + c[k]);
  auto score = [&](int32_t i, int32_t w) {
    double s = 0;
    for (int32_t k = 0; k < w; ++k) s += f[k] * m.items.data[static_cast<int64_t>(i) * d + k];
    return s;
  };
  double loss = 0;
  for (int32_t w : dims) {
    double sum = 0;
    int64_t pairs = 0;
    for (int32_t i : items)
      for (int32_t j = 0; j < m.items.rows; ++j) {
        if (std::find(items.begin(), items.end(), j) != items.end()) continue;
        sum += std::log1p(std::exp(score(j, w) - score(i, w)));
        ++pairs;
      }
    loss += sum / pairs / dims.size();
  }
  double sq = 0;
  for (double x : e) sq += x * x;
  return loss + 0.5 * reg * sq;
}

// c of fold_in.hpp from an explicit layer loop over the dense A_hat.
std::vector<double> naivePropagated(const Trained& t, const std::vector<int32_t>& items) {
  const auto& cfg = t.model.config;
  const int64_t rows = t.model.rows();
  const std::vector<double> a = rftest::denseAhat(t.s.g);
  std::vector<double> cur = rftest::toDouble(t.model.ego), next(cur.size()), sum(cur);
  for (int32_t l = 1; l < cfg.layers; ++l) {
    for (int64_t r = 0; r < rows; ++r)
      for (int32_t k = 0; k < cfg.dim; ++k) {
        double s = 0;
        for (int64_t q = 0; q < rows; ++q) s += a[r * rows + q] * cur[q * cfg.dim + k];
        next[r * cfg.dim + k] = s;
      }
    cur.swap(next);
    for (size_t q = 0; q < sum.size(); ++q) sum[q] += cur[q];
  }
  std::vector<double> c(cfg.dim, 0.0);
  for (int32_t i : items) {
    const double w = 1.0 / std::sqrt(double(items.size()) * (t.s.g.itemUsers.degree(i) + 1));
    for (int32_t k = 0; k < cfg.dim; ++k) c[k] += w * sum[(cfg.users + i) * cfg.dim + k];
  }
  return c;
}

}  // namespace

TEST(fold_in_propagation_matches_an_explicit_layer_loop) {
  const Trained t = randomModel(9, 11, 4, 3, 1);
  const std::vector<int32_t> items = {0, 3, 4, 10};  // 10 has no train users
  rf::FoldInSpec spec;
  const rf::FoldInResult r = rf::foldInUser(t.view(), items.data(), 4, spec);
  const std::vector<double> c = naivePropagated(t, items);
  CHECK_EQ(r.steps, 0);
  for (int k = 0; k < 4; ++k) CHECK_NEAR(r.embedding[k], c[k] / 4, 1e-5);
}

// With one layer the approximation is exact: the user's final embedding in the graph with its
// edges added (layer-0 row 0) is what fold-in returns.
TEST(fold_in_one_layer_equals_adding_the_user_to_the_graph) {
  Trained t = randomModel(8, 10, 5, 1, 2);
  const std::vector<int32_t> items = {1, 2, 7};
  const rf::FoldInResult r = rf::foldInUser(t.view(), items.data(), 3, rf::FoldInSpec{});
  // The graph with user 8 added, its layer-0 row zero.
  std::vector<int32_t> users = t.s.users, its = t.s.items;
  for (int32_t i : items) users.push_back(8), its.push_back(i);
  const rf::BipartiteGraph g = rf::buildGraph({users.data(), its.data(), static_cast<int64_t>(users.size()), 9, 10});
  std::vector<double> ego;
  const auto& c = t.model.config;
  for (int64_t q = 0; q < static_cast<int64_t>(c.users) * c.dim; ++q) ego.push_back(t.model.ego[q]);
  for (int k = 0; k < c.dim; ++k) ego.push_back(0.0);
  for (int64_t q = static_cast<int64_t>(c.users) * c.dim; q < static_cast<int64_t>(t.model.ego.size()); ++q) ego.push_back(t.model.ego[q]);
  const std::vector<double> fin = rftest::naivePropagate(rftest::denseAhat(g), ego, 19, c.dim, 1);
  for (int k = 0; k < c.dim; ++k) CHECK_NEAR(r.embedding[k], fin[8 * c.dim + k], 1e-6);
}

// MF with orthogonal items of length alpha (d = items), user items {0, 1}: by symmetry the optimum
// is e = (a, a, -b, ..., -b) with a = alpha sigma(z) / (2 reg), b = alpha sigma(z) / ((N - 2) reg),
// z = -alpha (a + b): one equation in t = a + b, solved here by bisection.
TEST(fold_in_mf_reaches_the_closed_form_optimum) {
  const int32_t n = 6;
  const double alpha = 1.5, reg = 0.05;
  std::vector<float> items(n * n, 0.0f);
  for (int32_t j = 0; j < n; ++j) items[j * n + j] = static_cast<float>(alpha);
  rf::FoldInModel m;
  m.items = {items.data(), n, n};
  const std::vector<int32_t> mine = {0, 1};
  rf::FoldInSpec spec;
  spec.steps = 400;
  spec.reg = reg;
  const rf::FoldInResult r = rf::foldInUser(m, mine.data(), 2, spec);
  auto sigma = [](double z) { return 1 / (1 + std::exp(-z)); };
  const double kAB = alpha / reg * (0.5 + 1.0 / (n - 2));  // t = kAB * sigma(-alpha t)
  double lo = 0, hi = 100;
  for (int it = 0; it < 200; ++it) {
    const double mid = (lo + hi) / 2;
    (mid - kAB * sigma(-alpha * mid) > 0 ? hi : lo) = mid;
  }
  const double s = sigma(-alpha * lo), a = alpha * s / (2 * reg), b = alpha * s / ((n - 2) * reg);
  CHECK_NEAR(r.embedding[0], a, 1e-3 * a);
  CHECK_NEAR(r.embedding[1], a, 1e-3 * a);
  for (int32_t j = 2; j < n; ++j) CHECK_NEAR(r.embedding[j], -b, 1e-3 * b);
}

// Fitted LightGCN and Matryoshka rows: the returned loss is the stated objective at the returned
// embedding, and the objective's gradient there (finite differences in double) vanishes.
TEST(fold_in_fitted_row_is_optimal_for_the_stated_objective) {
  for (int32_t K : {0, 2}) {
    const Trained t = randomModel(10, 12, 6, K, 3 + K);
    const std::vector<int32_t> items = {2, 5, 6};
    rf::FoldInSpec spec;
    spec.steps = 300;
    spec.reg = 0.1;
    spec.negatives = 50;  // more than the 9 other items: every one is a negative
    if (K == 0) spec.levels = {2, 4, 6};
    const rf::FoldInModel m = t.view();
    const rf::FoldInResult r = rf::foldInUser(m, items.data(), 3, spec);
    const std::vector<double> c = K > 0 ? naivePropagated(t, items) : std::vector<double>(6, 0.0);
    // e = f (K + 1) - c
    std::vector<double> e(6);
    for (int k = 0; k < 6; ++k) e[k] = r.embedding[k] * (K + 1) - c[k];
    const std::vector<int32_t> dims = K == 0 ? spec.levels : std::vector<int32_t>{6};
    CHECK_NEAR(r.loss, naiveLoss(m, items, e, c, dims, spec.reg), 1e-5);
    for (int k = 0; k < 6; ++k) {
      std::vector<double> hi = e, lo = e;
      hi[k] += 1e-4, lo[k] -= 1e-4;
      CHECK_NEAR((naiveLoss(m, items, hi, c, dims, spec.reg) - naiveLoss(m, items, lo, c, dims, spec.reg)) / 2e-4, 0.0, 1e-4);
    }
  }
}

TEST(fold_in_is_seeded_and_refuses_bad_input) {
  const Trained t = randomModel(30, 60, 4, 0, 4);
  const rf::FoldInModel m = t.view();
  const std::vector<int32_t> items = {1, 8, 9};
  rf::FoldInSpec spec;
  spec.steps = 20;
  spec.negatives = 10;  // of 57: a sampled pool
  const auto a = rf::foldInUser(m, items.data(), 3, spec), b = rf::foldInUser(m, items.data(), 3, spec);
  spec.seed = 1;
  const auto c = rf::foldInUser(m, items.data(), 3, spec);
  CHECK(rftest::sameBits(a.embedding.data(), b.embedding.data(), 4));
  CHECK(!rftest::sameBits(a.embedding.data(), c.embedding.data(), 4));
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 0, spec), rf::code::kInvalidArgument);
  const std::vector<int32_t> unsorted = {8, 1}, outside = {1, 60};
  CHECK_THROWS_CODE(rf::foldInUser(m, unsorted.data(), 2, spec), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::foldInUser(m, outside.data(), 2, spec), rf::code::kOutOfRange);
  spec.steps = 0;  // MF needs a fitted row
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 3, spec), rf::code::kInvalidArgument);
  spec.steps = 1;
  spec.negatives = 0;
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 3, spec), rf::code::kInvalidArgument);
  spec.negatives = 5;
  spec.reg = -1;
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 3, spec), rf::code::kInvalidArgument);
  spec.reg = 0;
  spec.levels = {3, 2};
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 3, spec), rf::code::kInvalidArgument);
}

// Shared user rows: the joined cluster is the naive argmin of the data loss over the candidates
// (every candidate evaluated in double), with and without propagation, at several Matryoshka
// levels, with few clusters and with thousands (where the Jensen bound skips most of them).
TEST(fold_in_joins_the_cluster_a_naive_argmin_picks) {
  for (int32_t K : {0, 2})
    for (int32_t C : {7, 3000}) {
      const Trained t = randomModel(10, 14, 6, K, 11 + K);
      rf::FoldInModel m = t.view();
      std::vector<float> rows(static_cast<size_t>(C) * 6);
      rf::Rng rng(C + K, 7);
      for (float& x : rows) x = static_cast<float>(2 * rng.uniform() - 1);
      rf::FoldInClusters k;
      k.rows = {rows.data(), C, 6};
      for (int32_t c = 0; c < C; c += (c % 3 == 1 ? 2 : 1)) k.candidates.push_back(c);  // some rows are not joinable
      m.userClusters = &k;
      const std::vector<int32_t> items = {1, 4, 5, 9};
      rf::FoldInSpec spec;
      spec.negatives = 100;  // more than the other items: every one is a negative
      spec.steps = 30;       // ignored: no residual
      if (K == 0) spec.levels = {2, 6};
      const rf::FoldInResult r = rf::foldInUser(m, items.data(), 4, spec);
      const std::vector<double> c = K > 0 ? naivePropagated(t, items) : std::vector<double>(6, 0.0);
      const std::vector<int32_t> dims = K == 0 ? spec.levels : std::vector<int32_t>{6};
      int32_t best = -1;
      double bestLoss = 0;
      for (int32_t cand : k.candidates) {
        const std::vector<double> e(rows.begin() + cand * 6, rows.begin() + cand * 6 + 6);
        const double l = naiveLoss(m, items, e, c, dims, 0);
        if (best < 0 || l < bestLoss) best = cand, bestLoss = l;
      }
      CHECK_EQ(r.cluster, best);
      CHECK_NEAR(r.loss, bestLoss, 1e-5);
      CHECK_EQ(r.steps, 0);
      if (C > 100) CHECK(r.clustersEvaluated < static_cast<int64_t>(k.candidates.size()) / 4);
      for (int q = 0; q < 6; ++q)
        CHECK_NEAR(r.embedding[q], (rows[best * 6 + q] + c[q]) / (K + 1), 1e-5);
      // Deterministic: the same bits again.
      const rf::FoldInResult again = rf::foldInUser(m, items.data(), 4, spec);
      CHECK(rftest::sameBits(r.embedding.data(), again.embedding.data(), 6));
    }
}

// With a residual the row W[c] + delta is fitted on L + reg/2 |delta|^2: the returned loss is that
// objective, it is below the cluster row's, and its gradient in delta vanishes. A user held at 1
// in its last coordinate (item bias) keeps it at 1.
TEST(fold_in_fits_a_residual_on_the_joined_cluster) {
  const Trained t = randomModel(10, 12, 5, 0, 21);
  rf::FoldInModel m = t.view();
  std::vector<float> rows = {0.5f, -0.2f, 0.1f, 0.3f, 1.0f, -0.4f, 0.6f, 0.2f, -0.1f, 1.0f, 0.0f, 0.0f, 0.7f, 0.2f, 1.0f};
  rf::FoldInClusters k;
  k.rows = {rows.data(), 3, 5};
  k.candidates = {0, 1, 2};
  k.residual = true;
  m.userClusters = &k;
  m.userLastIsOne = true;
  const std::vector<int32_t> items = {0, 3, 7};
  rf::FoldInSpec spec;
  spec.negatives = 100;
  spec.steps = 300;
  spec.reg = 0.2;
  const rf::FoldInResult r = rf::foldInUser(m, items.data(), 3, spec);
  CHECK(r.cluster >= 0 && r.cluster < 3);
  CHECK(r.steps > 0);
  CHECK_EQ(r.embedding[4], 1.0f);
  const std::vector<double> zero(5, 0.0);
  const std::vector<double> row(rows.begin() + r.cluster * 5, rows.begin() + r.cluster * 5 + 5);
  auto objective = [&](const std::vector<double>& e) {
    double sq = 0;
    for (int q = 0; q < 5; ++q) sq += (e[q] - row[q]) * (e[q] - row[q]);
    return naiveLoss(m, items, e, zero, {5}, 0) + 0.5 * spec.reg * sq;
  };
  std::vector<double> e(r.embedding.begin(), r.embedding.end());
  CHECK_NEAR(r.loss, objective(e), 1e-5);
  CHECK(r.loss < naiveLoss(m, items, row, zero, {5}, 0));
  for (int q = 0; q < 4; ++q) {
    std::vector<double> hi = e, lo = e;
    hi[q] += 1e-4, lo[q] -= 1e-4;
    CHECK_NEAR((objective(hi) - objective(lo)) / 2e-4, 0.0, 1e-4);
  }
  // A free row held at 1: the last coordinate stays 1 there too.
  m.userClusters = nullptr;
  const rf::FoldInResult free = rf::foldInUser(m, items.data(), 3, spec);
  CHECK_EQ(free.embedding[4], 1.0f);
  CHECK_EQ(free.cluster, -1);
}

TEST(fold_in_into_clusters_refuses_bad_candidates) {
  const Trained t = randomModel(10, 12, 4, 0, 5);
  rf::FoldInModel m = t.view();
  std::vector<float> rows(16, 0.1f);
  rf::FoldInClusters k;
  k.rows = {rows.data(), 4, 4};
  m.userClusters = &k;
  const std::vector<int32_t> items = {1, 2};
  rf::FoldInSpec spec;  // steps 0 is fine with shared rows, even for MF
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 2, spec), rf::code::kInvalidArgument);  // no candidates
  k.candidates = {2, 1};
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 2, spec), rf::code::kInvalidArgument);
  k.candidates = {1, 4};
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 2, spec), rf::code::kOutOfRange);
  k.candidates = {0, 3};
  CHECK_EQ(rf::foldInUser(m, items.data(), 2, spec).cluster, 0);  // all rows equal: ties to the lower id
  spec.objective = rf::FoldInObjective::kSgns;
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 2, spec), rf::code::kInvalidArgument);
  spec.objective = rf::FoldInObjective::kBpr;
  k.rows = {rows.data(), 2, 8};
  CHECK_THROWS_CODE(rf::foldInUser(m, items.data(), 2, spec), rf::code::kShape);
}
