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

EvalResult collectResult(const std::vector<int32_t>& users, const std::vector<int32_t>& ks, const float* flat) {
  const size_t nk = ks.size();
  const int64_t nEval = static_cast<int64_t>(users.size());
  const int64_t slots = kMetricCount * static_cast<int64_t>(nk);
  EvalResult res;
  res.users = users;
  res.ks = ks;
  res.perUser.assign(kMetricCount, std::vector<std::vector<float>>(nk, std::vector<float>(nEval)));
  res.mean.assign(kMetricCount, std::vector<double>(nk, 0.0));
  for (int m = 0; m < kMetricCount; ++m)
    for (size_t k = 0; k < nk; ++k) {
      auto& dst = res.perUser[m][k];
      double sum = 0;
      for (int64_t u = 0; u < nEval; ++u) sum += dst[u] = flat[u * slots + m * nk + k];
      res.mean[m][k] = sum / static_cast<double>(nEval);
    }
  return res;
}

}  // namespace rf::eval
