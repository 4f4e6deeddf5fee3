// Shared by the LightGCN tests: small random bipartite graphs and a naive double-precision
// LightGCN (dense (M+N)^2 A_hat, explicit layer loop) to check the kernels against.
#pragma once
#include <cmath>
#include <cstring>
#include <vector>

#include "harness.hpp"
#include "recforge/bpr.hpp"
#include "recforge/csr.hpp"
#include "recforge/lightgcn.hpp"
#include "recforge/rng.hpp"

namespace rftest {

struct SmallGraph {
  std::vector<int32_t> users, items;
  rf::BipartiteGraph g;
};

// Each pair present with probability p; user `isolatedUser` and item `isolatedItem` (if >= 0)
// get no edges, to exercise degree-0 rows.
inline SmallGraph randomGraph(int32_t m, int32_t n, double p, uint64_t seed, int32_t isolatedUser = -1,
                              int32_t isolatedItem = -1) {
  SmallGraph s;
  rf::Rng rng(seed, 77);
  for (int32_t u = 0; u < m; ++u)
    for (int32_t i = 0; i < n; ++i)
      if (u != isolatedUser && i != isolatedItem && rng.uniform() < p) s.users.push_back(u), s.items.push_back(i);
  rf::EdgeView ev{s.users.data(), s.items.data(), static_cast<int64_t>(s.users.size()), m, n};
  s.g = rf::buildGraph(ev);
  return s;
}

inline std::vector<float> randomTable(int64_t rows, int32_t d, double std, uint64_t seed) {
  rf::Rng rng(seed, 5);
  std::vector<float> t(static_cast<size_t>(rows) * d);
  for (auto& v : t) v = static_cast<float>(std * rng.normal());
  return t;
}

// Dense A_hat in double, straight from the definition 1/sqrt(deg u deg i).
inline std::vector<double> denseAhat(const rf::BipartiteGraph& g) {
  const int64_t m = g.nUsers(), r = m + g.nItems();
  std::vector<double> a(r * r, 0.0);
  for (int64_t u = 0; u < m; ++u)
    for (int64_t k = g.userItems.indptr[u]; k < g.userItems.indptr[u + 1]; ++k) {
      const int64_t i = g.userItems.indices[k];
      const double w = 1.0 / std::sqrt(double(g.userItems.degree(u)) * g.itemUsers.degree(i));
      a[u * r + m + i] = a[(m + i) * r + u] = w;
    }
  return a;
}

// final = mean_{k=0..K} A^k X, in double.
inline std::vector<double> naivePropagate(const std::vector<double>& a, const std::vector<double>& x, int64_t rows,
                                          int32_t d, int32_t K) {
  std::vector<double> cur(x), sum(x), next(x.size());
  for (int32_t k = 0; k < K; ++k) {
    for (int64_t r = 0; r < rows; ++r)
      for (int32_t j = 0; j < d; ++j) {
        double s = 0;
        for (int64_t c = 0; c < rows; ++c) s += a[r * rows + c] * cur[c * d + j];
        next[r * d + j] = s;
      }
    cur.swap(next);
    for (size_t q = 0; q < sum.size(); ++q) sum[q] += cur[q];
  }
  for (auto& v : sum) v /= (K + 1);
  return sum;
}

inline std::vector<double> toDouble(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// Loss in double from full tables (final and ego are (M+N) x d).
inline double naiveBprLoss(const std::vector<rf::BprTriple>& t, const std::vector<double>& fin, const std::vector<double>& ego,
                 int32_t m, int32_t d, double lambda) {
  double bpr = 0, reg = 0;
  for (const auto& x : t) {
    const int64_t u = x.user, i = m + x.pos, j = m + x.neg;
    double sui = 0, suj = 0;
    for (int32_t k = 0; k < d; ++k) sui += fin[u * d + k] * fin[i * d + k], suj += fin[u * d + k] * fin[j * d + k];
    bpr += std::log1p(std::exp(suj - sui));
    for (int64_t r : {u, i, j})
      for (int32_t k = 0; k < d; ++k) reg += ego[r * d + k] * ego[r * d + k];
  }
  const double b = static_cast<double>(t.size());
  return bpr / b + lambda * reg / (2 * b);
}

// n training triples with a positive from the user's train items and a uniform non-positive.
inline std::vector<rf::BprTriple> someTriples(const rf::BipartiteGraph& g, int n, uint64_t seed) {
  rf::Rng rng(seed, 1);
  std::vector<rf::BprTriple> t;
  while (static_cast<int>(t.size()) < n) {
    const int32_t u = static_cast<int32_t>(rng.below(g.nUsers()));
    if (g.userItems.degree(u) == 0) continue;
    const int32_t i = g.userItems.rowBegin(u)[rng.below(g.userItems.degree(u))];
    const int32_t j = static_cast<int32_t>(rng.below(g.nItems()));
    if (!g.userItems.contains(u, j)) t.push_back({u, i, j});
  }
  return t;
}

inline rf::LightGcnConfig modelConfig(const rf::BipartiteGraph& g, int32_t d, int32_t K, double std, uint64_t seed) {
  rf::LightGcnConfig c;
  c.users = g.nUsers();
  c.items = g.nItems();
  c.dim = d;
  c.layers = K;
  c.initStd = std;
  c.seed = seed;
  return c;
}

inline bool sameBits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// run(threads, seed) trains and returns a table: the same seed must give the same bits with 2 and
// 3 threads (and twice in a row), another seed other bits.
template <class Run>
void checkSeedDeterminism(Run run) {
  const auto a = run(2, 5), b = run(2, 5), c = run(3, 5), d = run(2, 6);
  CHECK(sameBits(a.data(), b.data(), a.size()));
  CHECK(sameBits(a.data(), c.data(), a.size()));
  CHECK(!sameBits(a.data(), d.data(), a.size()));
}

}  // namespace rftest
