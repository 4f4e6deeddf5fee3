// Metrics of ranked lists produced outside the CPU evaluator (the GPU backend's top-K lists),
// through the evaluator's own MetricCalculator and result assembly, so both backends share one
// definition of every metric.
#include <algorithm>
#include <string>

#include "eval_metrics.hpp"
#include "recforge/eval_parts.hpp"
#include "recforge/parallel.hpp"

namespace rf::eval {

RankedListMetrics::RankedListMetrics(const Csr& truth, std::vector<int32_t> users, std::vector<int32_t> ks)
    : truth_(&truth), users_(std::move(users)), ks_(std::move(ks)) {
  if (ks_.empty()) fail(code::kInvalidArgument, "evaluate: at least one cutoff k is required");
  maxK_ = *std::max_element(ks_.begin(), ks_.end());
  slots_ = kMetricCount * static_cast<int>(ks_.size());
  flat_.assign(users_.size() * static_cast<size_t>(slots_), 0.0f);
}

void RankedListMetrics::add(int64_t first, int64_t n, const int32_t* items, int64_t stride, int threads) {
  const int64_t nUsers = static_cast<int64_t>(users_.size());
  if (first < 0 || n < 0 || first + n > nUsers || (n > 0 && stride < maxK_))
    fail(code::kInternal, "RankedListMetrics::add: rows [" + std::to_string(first) + ", " + std::to_string(first + n) +
                              ") of " + std::to_string(nUsers) + " users, stride " + std::to_string(stride));
  const MetricCalculator calc(ks_);
  parallelChunks(n, resolveThreads(threads, n), [&](int64_t begin, int64_t end, int) {
    std::vector<Candidate> ranked(static_cast<size_t>(maxK_));
    for (int64_t r = begin; r < end; ++r) {
      const int32_t* row = items + r * stride;
      int len = 0;
      while (len < maxK_ && row[len] >= 0) {
        ranked[len] = Candidate{0.0f, row[len]};
        ++len;
      }
      const int32_t u = users_[first + r];
      calc.compute(ranked.data(), len, truth_->rowBegin(u), truth_->rowEnd(u), flat_.data() + (first + r) * slots_);
    }
  });
}

EvalResult RankedListMetrics::result() const { return collectResult(users_, ks_, flat_.data()); }

}  // namespace rf::eval
