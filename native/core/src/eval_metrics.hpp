// Internal to the evaluator: ranking metrics of one user's ranked list at every cutoff.
#pragma once
#include <cstdint>
#include <vector>

#include "eval_topk.hpp"
#include "recforge/evaluate.hpp"

namespace rf::eval {

class MetricCalculator {
 public:
  explicit MetricCalculator(const std::vector<int32_t>& ks);
  // ranked: the top items best first (masked items already removed), len <= max(ks).
  // truth: the user's relevant items, sorted, non-empty. Writes out[metric * nk + kIndex].
  void compute(const Candidate* ranked, int len, const int32_t* truthBegin, const int32_t* truthEnd,
               float* out) const;
  int slots() const { return kMetricCount * static_cast<int>(ks_.size()); }

 private:
  std::vector<int32_t> ks_;
  std::vector<int> byK_;             // cutoff indices in ascending k order (one pass over ranks)
  std::vector<double> idealPrefix_;  // idealPrefix_[n] = sum_{r=1..n} 1/log2(r+1)
};

// The result of per-user metrics flat[user * slots + metric * nk + kIndex] (slots = kMetricCount * nk):
// transposed to [metric][k][user], means summed in user order (so they do not depend on threads).
EvalResult collectResult(const std::vector<int32_t>& users, const std::vector<int32_t>& ks, const float* flat);

}  // namespace rf::eval
