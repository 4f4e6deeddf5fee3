// Shared by the Matryoshka tests: the nested BPR loss in double straight from ALGORITHMS.md Part B
// 1.1 (the reference create_mrl_loss), from full (M+N) x d tables, for checking the fused kernels.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "recforge/matryoshka.hpp"

namespace rftest {

inline double dotPrefix(const std::vector<double>& t, int64_t a, int64_t b, int32_t d, int32_t width) {
  double s = 0;
  for (int32_t j = 0; j < width; ++j) s += t[a * d + j] * t[b * d + j];
  return s;
}

// negs: negativesPerTriple(mode, lv) item ids per triple; lv must be validated (weights filled).
inline double naiveMatryoshkaLoss(const std::vector<int32_t>& users, const std::vector<int32_t>& pos,
                                  const std::vector<int32_t>& negs, rf::MatryoshkaMode mode,
                                  const rf::MatryoshkaLevels& lv, const std::vector<double>& fin,
                                  const std::vector<double>& ego, int32_t m, int32_t d, double lambda, double regDiv) {
  using Mode = rf::MatryoshkaMode;
  const int64_t b = static_cast<int64_t>(users.size());
  const int32_t levels = static_cast<int32_t>(lv.dims.size()), per = mode == Mode::kMns ? levels : 1;
  double rank = 0, norms = 0;
  for (int64_t q = 0; q < b; ++q) {
    const int64_t u = users[q], p = m + pos[q];
    for (int32_t k = 0; k < levels; ++k) {
      if (mode == Mode::kDns && k != levels - 1) continue;
      const int64_t nk = m + negs[q * per + (mode == Mode::kMns ? k : 0)];
      const double w = mode == Mode::kDns ? 1.0 : lv.weights[k];
      const double x = dotPrefix(fin, u, nk, d, lv.dims[k]) - dotPrefix(fin, u, p, d, lv.dims[k]);
      rank += w * std::log1p(std::exp(x)) / double(b);
    }
    std::vector<int64_t> touched{u, p};
    for (int32_t k = 0; k < per; ++k) touched.push_back(m + negs[q * per + k]);
    for (int64_t r : touched) norms += dotPrefix(ego, r, r, d, d);
  }
  return rank + lambda * norms / (2 * regDiv);
}

}  // namespace rftest
