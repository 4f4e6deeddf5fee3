// Negative items for BPR: an item the user has no train interaction with, drawn uniformly or with
// probability proportional to popularity^alpha (item train degree), by rejection against a fast
// per-user positive set.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/alias_table.hpp"
#include "recforge/csr.hpp"
#include "recforge/rng.hpp"

namespace rf {

// Membership of (user, item) in the train set: binary search in the user's sorted CSR row, or a
// bitset for heavy users (chosen so the bitsets never take more memory than the CSR indices).
class PositiveSet {
 public:
  // Keeps a reference to userItems.
  explicit PositiveSet(const Csr& userItems);
  bool contains(int32_t u, int32_t i) const {
    // Most draws are not positives: a per-user 64-bit Bloom filter rejects ~90% of them for a
    // user with a handful of items with one load, before any search of the row.
    if (!((filter_[u] >> filterBit(i)) & 1)) return false;
    const int32_t b = bitsetOf_[u];
    if (b >= 0) return (bits_[static_cast<int64_t>(b) * words_ + (i >> 6)] >> (i & 63)) & 1;
    return ui_.contains(u, i);
  }
  const Csr& userItems() const { return ui_; }

 private:
  static int filterBit(int32_t i) { return static_cast<int>((static_cast<uint32_t>(i) * 0x9E3779B1u) >> 26); }
  const Csr& ui_;
  int64_t words_;
  std::vector<uint64_t> filter_;  // per user: OR of 1 << filterBit(i) over the user's items
  std::vector<int32_t> bitsetOf_;  // -1: binary search
  std::vector<uint64_t> bits_;
};

enum class NegativeKind { kUniform, kPopularity };

class NegativeSampler {
 public:
  // alpha is used by kPopularity only: weight(i) = degree(i)^alpha (0^0 = 1). Keeps a reference to
  // `positives` (and its Csr).
  NegativeSampler(const PositiveSet& positives, NegativeKind kind, double alpha = 0.0);
  // A non-positive item of user u. After kMaxRejections rejections (users who have most of the
  // mass) it draws from the exact conditional distribution instead, so the result is always a
  // correct sample; E_INVALID_ARG when u has no item with positive weight left.
  // Inline: hard-negative samplers call it for every candidate (millions per epoch).
  int32_t draw(int32_t u, Rng& rng) const {
    if (kind_ != NegativeKind::kUniform) return drawWeighted(u, rng);
    for (int t = 0; t < kMaxRejections; ++t) {
      const int32_t i = static_cast<int32_t>(rng.below(static_cast<uint64_t>(items_)));
      if (!pos_.contains(u, i)) return i;
    }
    return drawExact(u, rng);
  }
  static constexpr int kMaxRejections = 64;

 private:
  int32_t drawWeighted(int32_t u, Rng& rng) const;
  int32_t drawExact(int32_t u, Rng& rng) const;
  const PositiveSet& pos_;
  NegativeKind kind_;
  int32_t items_;
  std::vector<double> weight_;  // popularity weights (kPopularity)
  AliasTable alias_;
};

}  // namespace rf
