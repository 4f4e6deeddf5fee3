#include "eval_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rf::eval {

MetricCalculator::MetricCalculator(const std::vector<int32_t>& ks) : ks_(ks), byK_(ks.size()) {
  std::iota(byK_.begin(), byK_.end(), 0);
  std::sort(byK_.begin(), byK_.end(), [&](int a, int b) { return ks_[a] < ks_[b]; });
  const int32_t maxK = ks_.empty() ? 0 : ks_[byK_.back()];
  idealPrefix_.assign(static_cast<size_t>(maxK) + 1, 0.0);
  for (int32_t r = 1; r <= maxK; ++r) idealPrefix_[r] = idealPrefix_[r - 1] + 1.0 / std::log2(r + 1.0);
}

void MetricCalculator::compute(const Candidate* ranked, int len, const int32_t* truthBegin,
                               const int32_t* truthEnd, float* out) const {
  const int64_t nTruth = truthEnd - truthBegin;
  const int nk = static_cast<int>(ks_.size());
  // Running sums over ranks 1..r; ranks past `len` hold no item, so they add nothing.
  int r = 0;
  int64_t hits = 0;
  double dcg = 0, apSum = 0;
  int firstHit = 0;  // 1-based rank of the first relevant item, 0 = none yet
  for (int idx : byK_) {
    const int32_t k = ks_[idx];
    for (; r < std::min<int>(k, len); ++r) {
      if (!std::binary_search(truthBegin, truthEnd, ranked[r].item)) continue;
      const int rank = r + 1;
      ++hits;
      dcg += 1.0 / std::log2(rank + 1.0);
      apSum += static_cast<double>(hits) / rank;  // precision at this relevant rank
      if (!firstHit) firstHit = rank;
    }
    const double denom = static_cast<double>(std::min<int64_t>(k, nTruth));
    auto put = [&](Metric m, double v) { out[static_cast<int>(m) * nk + idx] = static_cast<float>(v); };
    put(Metric::Precision, static_cast<double>(hits) / k);
    put(Metric::Recall, static_cast<double>(hits) / nTruth);
    put(Metric::Ndcg, dcg / idealPrefix_[static_cast<size_t>(denom)]);
    put(Metric::HitRate, hits > 0 ? 1.0 : 0.0);
    put(Metric::Map, apSum / denom);
    put(Metric::Mrr, firstHit ? 1.0 / firstHit : 0.0);
  }
}

}  // namespace rf::eval
