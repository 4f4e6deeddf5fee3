// The pieces Interact2Vec training is made of, exposed one by one so each is tested against a
// naive reference: the word2vec keep rule, the frequency^alpha negative sampler, the tabulated
// sigmoid, one SGNS update, and the reference's mini-batch BCE gradient and Keras Adam step.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/alias_table.hpp"
#include "recforge/rng.hpp"

namespace rf {

// word2vec's keep rule applied to interactions: with z = count / total,
//   P_keep = min(1, (sqrt(z / rho) + 1) * rho / z).
// 1 when rho == 0 (subsampling off) or count == 0. rho must be finite and >= 0 (E_INVALID_ARG).
double subsampleKeepProbability(int64_t count, int64_t total, double rho);

// The keep decision for interaction `index` in subsampling round `round`: a counter-based
// uniform draw, so the kept set depends on neither threads nor visiting order.
bool keepInteraction(uint64_t seed, uint64_t round, int64_t index, double keepProbability);

// Negatives with P(j) proportional to counts[j]^alpha over the items with counts[j] > 0 (items
// never seen get probability 0, whatever alpha; alpha = 0 is uniform over the seen items).
// O(items) build, O(1) draws (alias table over the seen items only).
class FrequencyNegatives {
 public:
  // E_INVALID_ARG for a non-finite alpha or a negative count; E_EMPTY when no count is > 0.
  FrequencyNegatives(const std::vector<int64_t>& counts, double alpha);
  int32_t draw(Rng& rng) const { return support_[alias_.draw(rng)]; }
  // A draw that is neither `a` nor `b` (the positive and, for item-item pairs, the input item):
  // the distribution conditioned on that, by redrawing. -1 when kMaxRedraws draws all hit them
  // (only when they hold nearly all the mass); the caller then skips that negative, as word2vec
  // skips a negative equal to its positive.
  int32_t drawExcept(int32_t a, int32_t b, Rng& rng) const {
    for (int t = 0; t < kMaxRedraws; ++t) {
      const int32_t j = draw(rng);
      if (j != a && j != b) return j;
    }
    return -1;
  }
  static constexpr int kMaxRedraws = 64;
  double probability(int32_t item) const { return prob_[item]; }
  int32_t items() const { return static_cast<int32_t>(prob_.size()); }
  // The alias table over the seen items and its column -> item id map (draw() returns
  // support()[aliasTable().draw(rng)]), for backends with their own generator (the CUDA sampler).
  const AliasTable& aliasTable() const { return alias_; }
  const std::vector<int32_t>& support() const { return support_; }

 private:
  AliasTable alias_;
  std::vector<int32_t> support_;  // alias column -> item id
  std::vector<double> prob_;      // per item, for tests and diagnostics
};

// word2vec's sigmoid: a table on (-kSigmoidRange, kSigmoidRange), 1 above, 0 below (so the
// gradient is clamped there, as in word2vec, and no exp is ever called). Table values are taken
// at bin centres, so the error is below 0.0015 everywhere inside the range.
inline constexpr float kSigmoidRange = 6.0f;
inline constexpr int kSigmoidBins = 1024;
struct SigmoidTables {
  float sigmoid[kSigmoidBins];
  float softplusNeg[kSigmoidBins];  // -log sigmoid(x) = softplus(-x), for the reported loss
};
const SigmoidTables& sigmoidTables();

inline int sigmoidBin(float x) {
  // Clamped: for x just below +range the product can round up to kSigmoidBins itself.
  const int bin = static_cast<int>((x + kSigmoidRange) * (kSigmoidBins / (2 * kSigmoidRange)));
  return bin < kSigmoidBins ? bin : kSigmoidBins - 1;
}
inline float tabulatedSigmoid(const SigmoidTables& t, float x) {
  if (!(x > -kSigmoidRange)) return 0.0f;  // also NaN
  if (x >= kSigmoidRange) return 1.0f;
  return t.sigmoid[sigmoidBin(x)];
}
// -log sigmoid(x), tabulated inside the range (error < 0.006: its slope reaches 1 at the low
// end); outside, 0 above and -x below (error < 0.0025). Only the reported loss uses it.
inline float tabulatedNegLogSigmoid(const SigmoidTables& t, float x) {
  if (!(x > -kSigmoidRange)) return x == x ? -x : 0.0f;
  if (x >= kSigmoidRange) return 0.0f;
  return t.softplusNeg[sigmoidBin(x)];
}

// One SGNS update, word2vec's inner loop: input row `in` against output rows V[targets[0]]
// (label 1) and V[targets[1..n)] (label 0). For each target in order:
//   s = <in, V_t>, g = lr * (label - sigmoid~(s)), acc += g * V_t, V_t += g * in
// where `in` is the row as it was on entry; then in += acc. `acc` is dim floats of scratch.
// Returns the summed tabulated loss -log sigmoid(+-s) of the n terms (before the update).
float sgnsUpdate(float* in, float* V, int32_t dim, const int32_t* targets, int32_t n, float lr, float* acc);

// The reference objective on a batch of rows (user[r], item[r], label[r]):
//   L = (1/n) sum_r BCE(sigmoid(<U_user, V_item>), label)
// (exact sigmoid; the L2 term is added by kerasAdamRows). Writes coef[r] = dL/ds_r =
// (sigmoid(s_r) - label_r) / n and returns L. Deterministic whatever `threads`.
double bceBatchCoefficients(const int32_t* user, const int32_t* item, const float* label, int64_t n, const float* U,
                            const float* V, int32_t dim, float* coef, int threads);

// Keras's Adam (ResourceApplyAdam) for step t >= 1, applied to `rows` contiguous rows of width
// dim with gradient g = grad(row) + 2 * l2 * p, where grad(row) is the row of `sparseGrad` at
// slotOf[row] (or zero when slotOf[row] < 0):
//   m += (g - m)(1 - b1), v += (g^2 - v)(1 - b2), p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
// Every row moves every step (Keras applies dense moments: the L2 term makes every gradient
// row non-zero anyway). Element-wise, so the result is the same for any `threads`.
struct KerasAdam {
  double lr = 0.025, beta1 = 0.9, beta2 = 0.999, eps = 1e-7, l2 = 0;
};
void kerasAdamRows(float* P, float* M, float* Vm, int64_t rows, int32_t dim, const int32_t* slotOf,
                   const float* sparseGrad, const KerasAdam& adam, int64_t t, int threads);

}  // namespace rf
