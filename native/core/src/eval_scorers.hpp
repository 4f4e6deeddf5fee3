// Internal to the evaluator: the concrete score sources behind evaluateEmbeddings and the
// baselines. Each one only fills tiles; masking, top-K and metrics live in the shared driver.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/evaluate.hpp"

namespace rf::eval {

// score(u, i) = <U[u], V[i]>. The item matrix is packed once into panels of kPanelItems items
// stored dimension-major ([p][j]), so the micro-kernel's inner loop is one contiguous vector
// load per dimension, FMA'd against a broadcast user coordinate.
class DotScorer final : public Scorer {
 public:
  static constexpr int kPanelItems = 32;  // four 8-float vectors per dimension
  DotScorer(const MatrixView& users, const MatrixView& items, int threads);
  int32_t nItems() const override { return nItems_; }
  void score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const override;

 private:
  const float* users_;
  int32_t dim_;
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
