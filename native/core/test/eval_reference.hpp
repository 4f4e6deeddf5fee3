// Test helpers for the evaluator: random problems and a deliberately naive reference that scores
// the full matrix, sorts every item with std::sort and applies the metric formulas directly.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/rng.hpp"

namespace evaltest {

inline rf::Csr csrFromSets(const std::vector<std::set<int32_t>>& rows, int32_t cols) {
  std::vector<int32_t> us, is;
  for (int32_t u = 0; u < static_cast<int32_t>(rows.size()); ++u)
    for (int32_t i : rows[u]) us.push_back(u), is.push_back(i);
  return rf::buildCsr(us.data(), is.data(), static_cast<int64_t>(us.size()), static_cast<int32_t>(rows.size()), cols);
}

struct Problem {
  int32_t nUsers = 0, nItems = 0, dim = 0;
  std::vector<float> U, V;
  rf::Csr truth, train, extra;
  rf::MatrixView users() const { return {U.data(), nUsers, dim}; }
  rf::MatrixView items() const { return {V.data(), nItems, dim}; }
};

// integerValued: entries in {-2..2}, so every dot product is exact in float whatever the
// summation order or FMA use, and ties are plentiful. Otherwise standard normal entries.
inline Problem randomProblem(int32_t nUsers, int32_t nItems, int32_t dim, bool integerValued, uint64_t seed) {
  Problem p;
  p.nUsers = nUsers, p.nItems = nItems, p.dim = dim;
  rf::Rng rng(seed, 0);
  auto fill = [&](std::vector<float>& m, size_t n) {
    m.resize(n);
    for (auto& x : m) x = integerValued ? static_cast<float>(static_cast<int>(rng.below(5)) - 2) : static_cast<float>(rng.normal());
  };
  fill(p.U, static_cast<size_t>(nUsers) * dim);
  fill(p.V, static_cast<size_t>(nItems) * dim);
  std::vector<std::set<int32_t>> tr(nUsers), te(nUsers), ex(nUsers);
  for (int32_t u = 0; u < nUsers; ++u) {
    const bool noTruth = u % 7 == 3;  // some users are skipped
    const int nTrain = static_cast<int>(rng.below(30)), nTest = noTruth ? 0 : 1 + static_cast<int>(rng.below(25));
    const int nExtra = static_cast<int>(rng.below(5));
    for (int t = 0; t < nTrain; ++t) tr[u].insert(static_cast<int32_t>(rng.below(nItems)));
    for (int t = 0; t < nExtra; ++t) ex[u].insert(static_cast<int32_t>(rng.below(nItems)));
    // Test items avoid train (as in real splits) but may overlap extra; overlap semantics are tested separately.
    while (static_cast<int>(te[u].size()) < nTest && te[u].size() + tr[u].size() < static_cast<size_t>(nItems)) {
      const int32_t i = static_cast<int32_t>(rng.below(nItems));
      if (!tr[u].count(i)) te[u].insert(i);
    }
  }
  p.truth = csrFromSets(te, nItems);
  p.train = csrFromSets(tr, nItems);
  p.extra = csrFromSets(ex, nItems);
  return p;
}

struct Reference {
  std::vector<int32_t> users;
  // values[metric][k index][user position]
  std::vector<std::vector<std::vector<double>>> values;
};

// score(u, i) for the reference; must be computed independently of the code under test.
template <class ScoreFn>
Reference naiveEvaluate(ScoreFn score, int32_t nUsers, int32_t nItems, const rf::Csr& truth, const rf::Csr* mask,
                        const rf::Csr* extra, const std::vector<int32_t>& ks) {
  Reference ref;
  ref.values.assign(rf::kMetricCount, std::vector<std::vector<double>>(ks.size()));
  for (int32_t u = 0; u < nUsers; ++u) {
    std::set<int32_t> T(truth.rowBegin(u), truth.rowEnd(u));
    if (T.empty()) continue;
    ref.users.push_back(u);
    std::vector<std::pair<double, int32_t>> all;
    for (int32_t i = 0; i < nItems; ++i) {
      if ((mask && mask->contains(u, i)) || (extra && extra->contains(u, i))) continue;
      double s = score(u, i);
      if (std::isnan(s)) s = -INFINITY;
      all.push_back({s, i});
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (size_t ki = 0; ki < ks.size(); ++ki) {
      const int K = ks[ki];
      const int n = std::min<int>(K, static_cast<int>(all.size()));
      std::vector<int> rel(K + 1, 0);  // rel[r], 1-based
      for (int r = 1; r <= n; ++r) rel[r] = T.count(all[r - 1].second) ? 1 : 0;
      double hits = 0, dcg = 0, idcg = 0, ap = 0, mrr = 0;
      for (int r = 1; r <= K; ++r) {
        hits += rel[r];
        dcg += rel[r] / std::log2(r + 1.0);
        if (rel[r]) {
          double hitsAtR = 0;
          for (int q = 1; q <= r; ++q) hitsAtR += rel[q];
          ap += hitsAtR / r;
          if (mrr == 0) mrr = 1.0 / r;
        }
      }
      const int ideal = std::min<int>(K, static_cast<int>(T.size()));
      for (int r = 1; r <= ideal; ++r) idcg += 1.0 / std::log2(r + 1.0);
      auto& v = ref.values;
      v[int(rf::Metric::Precision)][ki].push_back(hits / K);
      v[int(rf::Metric::Recall)][ki].push_back(hits / T.size());
      v[int(rf::Metric::Ndcg)][ki].push_back(dcg / idcg);
      v[int(rf::Metric::HitRate)][ki].push_back(hits > 0 ? 1.0 : 0.0);
      v[int(rf::Metric::Map)][ki].push_back(ap / ideal);
      v[int(rf::Metric::Mrr)][ki].push_back(mrr);
    }
  }
  return ref;
}

inline double dotDouble(const Problem& p, int32_t u, int32_t i) {
  double s = 0;
  for (int32_t q = 0; q < p.dim; ++q) s += static_cast<double>(p.U[u * p.dim + q]) * p.V[i * p.dim + q];
  return s;
}

// A scorer over a caller-given dense matrix, for hand-computed cases through the generic entry.
class MatrixScorer final : public rf::Scorer {
 public:
  MatrixScorer(std::vector<float> s, int32_t nItems) : s_(std::move(s)), n_(nItems) {}
  int32_t nItems() const override { return n_; }
  void score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const override {
    for (int r = 0; r < nu; ++r)
      for (int j = 0; j < ni; ++j) out[r * ld + j] = s_[static_cast<size_t>(users[r]) * n_ + itemBegin + j];
  }

 private:
  std::vector<float> s_;
  int32_t n_;
};

}  // namespace evaltest
