// Walker/Vose alias table: O(n) build, O(1) draws from a fixed discrete distribution.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/rng.hpp"

namespace rf {

class AliasTable {
 public:
  AliasTable() = default;
  // Weights must be finite and >= 0 with a positive sum (E_INVALID_ARG otherwise).
  explicit AliasTable(const std::vector<double>& weights);
  int32_t size() const { return static_cast<int32_t>(prob_.size()); }
  // One uniform below(n) and one uniform double per draw.
  int32_t draw(Rng& rng) const {
    const int32_t k = static_cast<int32_t>(rng.below(prob_.size()));
    return rng.uniform() < prob_[k] ? k : alias_[k];
  }
  // The table itself (column k is kept with probability keepProbabilities()[k], else gives
  // aliases()[k]), for backends that draw with their own generator (the CUDA sampler).
  const std::vector<double>& keepProbabilities() const { return prob_; }
  const std::vector<int32_t>& aliases() const { return alias_; }

 private:
  std::vector<double> prob_;    // chance of keeping column k
  std::vector<int32_t> alias_;  // the other outcome of column k
};

}  // namespace rf
