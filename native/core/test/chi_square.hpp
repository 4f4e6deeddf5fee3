// Goodness-of-fit checks for samplers tested with fixed seeds.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace rftest {

// Pearson chi-square of counts against expected probabilities. With k-1 degrees of freedom the
// statistic has mean k-1 and sd sqrt(2(k-1)); the tests allow mean + 6 sd (fixed seeds, so this
// is a regression bound that a wrong distribution blows through by orders of magnitude).
// A count in a cell of probability 0 gives 1e30.
inline double chiSquare(const std::vector<int64_t>& counts, const std::vector<double>& prob, int64_t total) {
  double x = 0;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (prob[k] == 0) {
      if (counts[k] != 0) return 1e30;
      continue;
    }
    const double e = prob[k] * total;
    x += (counts[k] - e) * (counts[k] - e) / e;
  }
  return x;
}
inline double chiBound(size_t cells) { return (cells - 1) + 6 * std::sqrt(2.0 * (cells - 1)); }

}  // namespace rftest
