// The CSR builder and normalized bipartite graph against a dense reference.
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "recforge/csr.hpp"
#include "recforge/rng.hpp"

namespace {

struct Dense {
  int m, n;
  std::vector<int> a;  // m x n 0/1
};

Dense randomDense(int m, int n, double p, uint64_t seed) {
  rf::Rng rng(seed, 0);
  Dense d{m, n, std::vector<int>(static_cast<size_t>(m) * n, 0)};
  for (auto& v : d.a) v = rng.uniform() < p;
  return d;
}

}  // namespace

TEST(graph_matches_dense_reference) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Dense d = randomDense(17, 23, 0.2, seed);
    std::vector<int32_t> us, is;
    rf::Rng rng(seed, 1);
    for (int u = 0; u < d.m; ++u)
      for (int i = 0; i < d.n; ++i)
        if (d.a[u * d.n + i]) {
          int copies = 1 + static_cast<int>(rng.below(2));  // duplicates must collapse
          for (int c = 0; c < copies; ++c) us.push_back(u), is.push_back(i);
        }
    // Shuffle edge order: the result must not depend on it.
    for (size_t k = us.size(); k > 1; --k) {
      size_t j = rng.below(k);
      std::swap(us[k - 1], us[j]);
      std::swap(is[k - 1], is[j]);
    }
    rf::EdgeView ev{us.data(), is.data(), static_cast<int64_t>(us.size()), d.m, d.n};
    rf::BipartiteGraph g = rf::buildGraph(ev);
    std::vector<int> du(d.m, 0), di(d.n, 0);
    for (int u = 0; u < d.m; ++u)
      for (int i = 0; i < d.n; ++i) du[u] += d.a[u * d.n + i], di[i] += d.a[u * d.n + i];
    int64_t nnz = 0;
    for (int v : d.a) nnz += v;
    CHECK_EQ(g.nnz(), nnz);
    CHECK_EQ(g.itemUsers.nnz(), nnz);
    for (int u = 0; u < d.m; ++u) {
      CHECK_EQ(g.userItems.degree(u), du[u]);
      int64_t k = g.userItems.indptr[u];
      for (int i = 0; i < d.n; ++i) {
        if (!d.a[u * d.n + i]) continue;
        CHECK_EQ(g.userItems.indices[k], i);
        CHECK_NEAR(g.userNorm[k], 1.0 / std::sqrt(double(du[u]) * di[i]), 1e-7);
        ++k;
      }
    }
    for (int i = 0; i < d.n; ++i) {
      int64_t k = g.itemUsers.indptr[i];
      for (int u = 0; u < d.m; ++u) {
        if (!d.a[u * d.n + i]) continue;
        CHECK_EQ(g.itemUsers.indices[k], u);
        CHECK_NEAR(g.itemNorm[k], 1.0 / std::sqrt(double(du[u]) * di[i]), 1e-7);
        ++k;
      }
    }
  }
}

TEST(graph_degree_zero_nodes_have_finite_empty_rows) {
  std::vector<int32_t> us{0, 0, 2}, is{1, 3, 1};
  rf::EdgeView ev{us.data(), is.data(), 3, 4, 5};  // user 1, 3 and items 0, 2, 4 isolated
  rf::BipartiteGraph g = rf::buildGraph(ev);
  CHECK_EQ(g.userItems.degree(1), 0);
  CHECK_EQ(g.itemUsers.degree(4), 0);
  for (float w : g.userNorm) CHECK(std::isfinite(w) && w > 0);
  for (float w : g.itemNorm) CHECK(std::isfinite(w) && w > 0);
  CHECK_NEAR(g.userNorm[0], 1.0 / std::sqrt(2.0 * 2.0), 1e-7);
}

TEST(graph_rejects_out_of_range_ids) {
  std::vector<int32_t> us{0, 5}, is{0, 0};
  rf::EdgeView ev{us.data(), is.data(), 2, 3, 3};
  CHECK_THROWS_CODE(rf::buildGraph(ev), rf::code::kOutOfRange);
  std::vector<int32_t> us2{0, 1}, is2{0, -1};
  rf::EdgeView ev2{us2.data(), is2.data(), 2, 3, 3};
  CHECK_THROWS_CODE(rf::buildGraph(ev2), rf::code::kOutOfRange);
}

TEST(graph_empty_edges) {
  rf::EdgeView ev{nullptr, nullptr, 0, 3, 2};
  rf::BipartiteGraph g = rf::buildGraph(ev);
  CHECK_EQ(g.nnz(), 0);
  CHECK_EQ(g.userItems.indptr.size(), size_t(4));
}
