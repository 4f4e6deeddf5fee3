// Which interactions an epoch trains on (word2vec's keep rule) and which items are negatives
// (counts^alpha through an alias table).
#include <cmath>
#include <string>

#include "recforge/error.hpp"
#include "recforge/interact2vec_kernels.hpp"

namespace rf {

namespace {
constexpr uint64_t kKeepStream = 0x4932564B45455021ull;  // "I2VKEEP!"
}

double subsampleKeepProbability(int64_t count, int64_t total, double rho) {
  if (!std::isfinite(rho) || rho < 0) fail(code::kInvalidArgument, "subsample must be finite and >= 0");
  if (count < 0 || total < count) fail(code::kInvalidArgument, "subsample counts must satisfy 0 <= count <= total");
  if (rho == 0 || count == 0) return 1.0;
  const double z = static_cast<double>(count) / static_cast<double>(total);
  const double p = (std::sqrt(z / rho) + 1.0) * rho / z;
  return p < 1.0 ? p : 1.0;
}

bool keepInteraction(uint64_t seed, uint64_t round, int64_t index, double keepProbability) {
  if (keepProbability >= 1.0) return true;
  const uint64_t h = hash3(seed ^ kKeepStream, round, static_cast<uint64_t>(index));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < keepProbability;
}

FrequencyNegatives::FrequencyNegatives(const std::vector<int64_t>& counts, double alpha) {
  if (!std::isfinite(alpha)) fail(code::kInvalidArgument, "alpha must be a finite number");
  // Weights relative to the count that gets weight 1 (the largest for alpha > 0, the smallest for
  // alpha < 0), computed in logs: no overflow for any alpha; extreme ones only underflow to 0.
  int64_t ref = 0;
  for (int64_t c : counts) {
    if (c < 0) fail(code::kInvalidArgument, "negative sampler counts must be >= 0");
    if (c > 0 && (ref == 0 || (alpha >= 0 ? c > ref : c < ref))) ref = c;
  }
  if (ref == 0) fail(code::kEmpty, "negative sampler needs at least one item with interactions");
  const double logRef = std::log(static_cast<double>(ref));
  std::vector<double> weights;
  prob_.assign(counts.size(), 0.0);
  for (size_t j = 0; j < counts.size(); ++j) {
    if (counts[j] == 0) continue;
    const double w = std::exp(alpha * (std::log(static_cast<double>(counts[j])) - logRef));
    if (w == 0) continue;  // underflow under an extreme alpha: as good as never drawn
    support_.push_back(static_cast<int32_t>(j));
    weights.push_back(w);
  }
  alias_ = AliasTable(weights);
  double sum = 0;
  for (double w : weights) sum += w;
  for (size_t k = 0; k < support_.size(); ++k) prob_[support_[k]] = weights[k] / sum;
}

}  // namespace rf
