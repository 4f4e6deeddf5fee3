// Item-based knn and the knn / cosine blend: neighbour lists and scores against naive dense
// computations, serving through topKOfScorer, evaluation through the generic scorer path.
#include <algorithm>
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/item_knn.hpp"
#include "recforge/similarity.hpp"

namespace {

double cosine(const std::vector<float>& a, int32_t i, const std::vector<float>& b, int32_t j, int32_t d) {
  double ab = 0, aa = 0, bb = 0;
  for (int32_t c = 0; c < d; ++c) {
    ab += double(a[i * d + c]) * b[j * d + c];
    aa += double(a[i * d + c]) * a[i * d + c];
    bb += double(b[j * d + c]) * b[j * d + c];
  }
  return ab / std::sqrt(aa * bb);
}

// sim(i, j) from naive top-k lists (0 outside them).
std::vector<double> naiveSims(const std::vector<float>& V, int32_t n, int32_t d, int32_t k) {
  std::vector<double> sim(static_cast<size_t>(n) * n, 0.0);
  for (int32_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, int32_t>> all;
    for (int32_t j = 0; j < n; ++j)
      if (j != i) all.push_back({-cosine(V, i, V, j, d), j});
    std::sort(all.begin(), all.end());
    for (int32_t r = 0; r < k; ++r) sim[i * n + all[r].second] = -all[r].first;
  }
  return sim;
}

}  // namespace

TEST(item_knn_lists_match_naive_cosine_top_k) {
  const int32_t n = 40, d = 6, k = 5;
  const std::vector<float> V = rftest::randomTable(n, d, 1.0, 7);
  const rf::ItemNeighbours nb = rf::itemNeighbours({V.data(), n, d}, k, 2);
  const std::vector<double> sim = naiveSims(V, n, d, k);
  for (int32_t i = 0; i < n; ++i) {
    CHECK_EQ(nb.lists.degree(i), k);
    CHECK(std::is_sorted(nb.lists.rowBegin(i), nb.lists.rowEnd(i)));
    for (int64_t q = nb.lists.indptr[i]; q < nb.lists.indptr[i + 1]; ++q)
      CHECK_NEAR(nb.sims[q], sim[i * n + nb.lists.indices[q]], 1e-5);  // listed ones are the naive top-k
  }
  CHECK_EQ(rf::itemNeighbours({V.data(), n, d}, 100).lists.degree(0), n - 1);  // k capped
  CHECK_THROWS_CODE(rf::itemNeighbours({V.data(), n, d}, 0), rf::code::kInvalidArgument);
}

TEST(item_knn_blend_scores_and_serving_match_naive) {
  const int32_t m = 12, n = 30, d = 5, k = 4;
  auto s = rftest::randomGraph(m, n, 0.2, 3);
  const std::vector<float> U = rftest::randomTable(m, d, 1.0, 8), V = rftest::randomTable(n, d, 1.0, 9);
  const rf::ItemNeighbours nb = rf::itemNeighbours({V.data(), n, d}, k, 1);
  const std::vector<double> sim = naiveSims(V, n, d, k);
  const std::vector<float> uu = rf::unitRows(U.data(), m, d), uv = rf::unitRows(V.data(), n, d);
  const rf::Csr& hist = s.g.userItems;
  for (auto [wu, wi] : {std::pair<double, double>{0, 1}, {0.75, 0.25}}) {
    rf::KnnBlendScorer scorer(nb, hist, {uu.data(), m, d}, {uv.data(), n, d}, wu, wi);
    std::vector<int32_t> queries(m);
    for (int32_t u = 0; u < m; ++u) queries[u] = u;
    const int32_t top = 6;
    std::vector<int32_t> items(m * top);
    std::vector<float> scores(m * top);
    rf::topKOfScorer(scorer, queries.data(), m, top, &hist, items.data(), scores.data(), 2);
    for (int32_t u = 0; u < m; ++u) {
      std::vector<std::pair<double, int32_t>> want;
      for (int32_t j = 0; j < n; ++j) {
        if (hist.contains(u, j)) continue;
        double knn = 0;
        for (const int32_t* h = hist.rowBegin(u); h != hist.rowEnd(u); ++h) knn += sim[*h * n + j];
        if (hist.degree(u) > 0) knn /= hist.degree(u);
        want.push_back({-(wu * cosine(U, u, V, j, d) + wi * knn) / (wu + wi), j});
      }
      std::sort(want.begin(), want.end());
      for (int32_t r = 0; r < top; ++r) {
        CHECK_NEAR(scores[u * top + r], -want[r].first, 1e-5);
        if (r + 1 < top && -want[r].first - -want[r + 1].first > 1e-5 && (r == 0 || -want[r - 1].first - -want[r].first > 1e-5))
          CHECK_EQ(items[u * top + r], want[r].second);  // unambiguous ranks
        CHECK(!hist.contains(u, items[u * top + r]));
      }
    }
    // The same scorer drives the evaluator.
    rf::EvalSpec spec;
    spec.truth = &hist;
    spec.ks = {5};
    const rf::EvalResult r = rf::evaluateScores(scorer, spec);
    CHECK(r.meanOf(rf::Metric::Recall, 0) >= 0);
  }
  CHECK_THROWS_CODE(rf::KnnBlendScorer(nb, hist, {uu.data(), m, d}, {uv.data(), n, d}, 0, 0), rf::code::kInvalidArgument);
}
