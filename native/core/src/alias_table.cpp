#include "recforge/alias_table.hpp"

#include <cmath>

#include "recforge/error.hpp"

namespace rf {

AliasTable::AliasTable(const std::vector<double>& w) {
  const int64_t n = static_cast<int64_t>(w.size());
  if (n == 0) fail(code::kEmpty, "alias table needs at least one weight");
  double sum = 0;
  for (double x : w) {
    if (!std::isfinite(x) || x < 0) fail(code::kInvalidArgument, "alias weights must be finite and >= 0");
    sum += x;
  }
  if (!(sum > 0)) fail(code::kInvalidArgument, "alias weights must not all be zero");
  prob_.resize(n);
  alias_.resize(n);
  std::vector<double> scaled(n);
  std::vector<int32_t> small, large;
  for (int64_t k = 0; k < n; ++k) {
    scaled[k] = w[k] * static_cast<double>(n) / sum;
    (scaled[k] < 1.0 ? small : large).push_back(static_cast<int32_t>(k));
  }
  // Vose: pair each under-full column with an over-full donor.
  while (!small.empty() && !large.empty()) {
    const int32_t s = small.back(), l = large.back();
    small.pop_back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are full columns up to rounding error.
  for (int32_t k : large) prob_[k] = 1.0, alias_[k] = k;
  for (int32_t k : small) prob_[k] = 1.0, alias_[k] = k;
}

}  // namespace rf
