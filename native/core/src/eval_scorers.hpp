// Internal to the evaluator: the concrete score sources behind evaluateEmbeddings and the
// baselines. Each one only fills tiles; masking, top-K and metrics live in the shared driver.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/evaluate.hpp"

namespace rf::eval {

// score(u, i) = <U[u][:width], V[i][:width]> (width = all columns unless given). The first `width`
// item columns are packed once into panels of kPanelItems items stored dimension-major ([p][j]),
// so the micro-kernel's inner loop is one contiguous vector load per dimension, FMA'd against a
// broadcast user coordinate; a prefix width packs (and later reads) only that prefix.
class DotScorer final : public Scorer {
 public:
  static constexpr int kPanelItems = 32;  // four 8-float vectors per dimension
  DotScorer(const MatrixView& users, const MatrixView& items, int threads, int32_t width = -1);
  int32_t nItems() const override { return nItems_; }
  void score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const override;
  // Every prefix width at once: tile l (at out + l * levelStride) holds the scores over the first
  // dims[l] columns (strictly increasing, dims[levels-1] <= width). One pass over the columns:
  // the accumulators of level l are snapshotted and carried on into level l+1, so tile l is
  // bit-identical to score() of a DotScorer of width dims[l] and the cost is that of one score().
  void scorePrefixes(const int32_t* users, int nu, int32_t itemBegin, int ni, const int32_t* dims, int levels,
                     float* out, int64_t ld, int64_t levelStride) const;

 private:
  const float* users_;
  int32_t userStride_;  // floats per user row (the tables' full width)
  int32_t dim_;         // packed width
  int32_t nItems_;
  std::vector<float> storage_;  // packed panels, over-allocated so panels_ is 64-byte aligned
  const float* panels_ = nullptr;
  std::vector<float> zeroRow_;  // stands in for missing users of a partial row block
};

// Same per-item score for every user (popularity and other non-personalized baselines).
class ItemScoreScorer final : public Scorer {
 public:
  explicit ItemScoreScorer(std::vector<float> scores) : scores_(std::move(scores)) {}
  int32_t nItems() const override { return static_cast<int32_t>(scores_.size()); }
  void score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const override;

 private:
  std::vector<float> scores_;
};

// A uniform score in [0, 1) hashed from (seed, user, item): independent of tiling and threads.
class RandomScorer final : public Scorer {
 public:
  RandomScorer(uint64_t seed, int32_t nItems) : seed_(seed), nItems_(nItems) {}
  int32_t nItems() const override { return nItems_; }
  void score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const override;

 private:
  uint64_t seed_;
  int32_t nItems_;
};

// Train degree of every item (column counts of a users x items CSR).
std::vector<float> itemDegrees(const Csr& train);

}  // namespace rf::eval
