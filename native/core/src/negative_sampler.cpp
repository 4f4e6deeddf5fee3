#include "recforge/negative_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "recforge/error.hpp"

namespace rf {

PositiveSet::PositiveSet(const Csr& ui) : ui_(ui), words_((static_cast<int64_t>(ui.cols) + 63) / 64) {
  // A bitset costs ceil(N/64) words; the row costs deg/2 words. Use it for rows that are at least
  // that long (and long enough for binary search to take several cache misses).
  const int64_t minDegree = std::max<int64_t>(64, 2 * words_);
  filter_.assign(ui.rows, 0);
  for (int32_t u = 0; u < ui.rows; ++u)
    for (const int32_t* p = ui.rowBegin(u); p != ui.rowEnd(u); ++p) filter_[u] |= uint64_t{1} << filterBit(*p);
  bitsetOf_.assign(ui.rows, -1);
  int32_t count = 0;
  for (int32_t u = 0; u < ui.rows; ++u)
    if (ui.degree(u) >= minDegree) bitsetOf_[u] = count++;
  bits_.assign(static_cast<size_t>(count) * words_, 0);
  for (int32_t u = 0; u < ui.rows; ++u) {
    if (bitsetOf_[u] < 0) continue;
    uint64_t* row = bits_.data() + static_cast<int64_t>(bitsetOf_[u]) * words_;
    for (const int32_t* p = ui.rowBegin(u); p != ui.rowEnd(u); ++p) row[*p >> 6] |= uint64_t{1} << (*p & 63);
  }
}

NegativeSampler::NegativeSampler(const PositiveSet& positives, NegativeKind kind, double alpha)
    : pos_(positives), kind_(kind), items_(positives.userItems().cols) {
  if (items_ < 1) fail(code::kEmpty, "negative sampling needs at least one item");
  if (kind == NegativeKind::kPopularity) {
    if (!std::isfinite(alpha)) fail(code::kInvalidArgument, "popularity alpha must be finite");
    const Csr& ui = positives.userItems();
    std::vector<int64_t> degree(items_, 0);
    for (int32_t i : ui.indices) ++degree[i];
    weight_.resize(items_);
    for (int32_t i = 0; i < items_; ++i) weight_[i] = std::pow(static_cast<double>(degree[i]), alpha);
    alias_ = AliasTable(weight_);
  }
}

int32_t NegativeSampler::drawWeighted(int32_t u, Rng& rng) const {
  for (int t = 0; t < kMaxRejections; ++t) {
    const int32_t i = alias_.draw(rng);
    if (!pos_.contains(u, i)) return i;
  }
  return drawExact(u, rng);
}

int32_t NegativeSampler::drawExact(int32_t u, Rng& rng) const {
  const Csr& ui = pos_.userItems();
  const int32_t* first = ui.rowBegin(u);
  const int32_t deg = ui.degree(u);
  if (kind_ == NegativeKind::kUniform) {
    if (deg >= items_) fail(code::kInvalidArgument, "user " + std::to_string(u) + " has every item as a positive");
    // The k-th non-positive item is k + j, where j is the number of positives p_j <= it: the first
    // j with p_j - j > k (p_j - j is non-decreasing because positives are sorted and distinct).
    const int64_t k = static_cast<int64_t>(rng.below(static_cast<uint64_t>(items_ - deg)));
    int32_t lo = 0, hi = deg;
    while (lo < hi) {
      const int32_t mid = (lo + hi) / 2;
      if (first[mid] - mid > k) hi = mid; else lo = mid + 1;
    }
    return static_cast<int32_t>(k + lo);
  }
  // Mass of the non-positive items, summed directly (subtracting positives from the total would
  // cancel badly for exactly the users who get here).
  double rest = 0;
  for (int32_t i = 0, j = 0; i < items_; ++i) {
    if (j < deg && first[j] == i) { ++j; continue; }
    rest += weight_[i];
  }
  if (!(rest > 0)) fail(code::kInvalidArgument, "user " + std::to_string(u) + " has no negative item with positive weight");
  double x = rng.uniform() * rest;
  int32_t last = -1;
  for (int32_t i = 0, j = 0; i < items_; ++i) {
    if (j < deg && first[j] == i) { ++j; continue; }
    if (weight_[i] <= 0) continue;
    last = i;
    if (x < weight_[i]) return i;
    x -= weight_[i];
  }
  return last;  // rounding left x just above the last weight
}

}  // namespace rf
