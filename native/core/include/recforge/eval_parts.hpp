// Building blocks of the CPU evaluator for other backends (the CUDA one): the same argument
// checks, the same set of evaluated users, and the same metric code and averaging, so that a
// backend only has to produce each user's ranked top-K list and its results match the CPU's.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/evaluate.hpp"

namespace rf::eval {

// Throws E_INVALID_ARG / E_SHAPE / E_OUT_OF_RANGE for a spec that cannot be evaluated on nItems.
void validateSpec(const EvalSpec& spec, int32_t nItems);
// Throws E_SHAPE for a matrix without columns, E_NONFINITE for NaN/Inf.
void validateEmbeddings(const MatrixView& m, const char* what);
// evaluateEmbeddings' checks, in its order: same width, one user row per truth row, a valid spec
// (items.rows = truth.cols), finite tables.
void validateTables(const MatrixView& users, const MatrixView& items, const EvalSpec& spec);

// The users an evaluation ranks: the rows of truth with a relevant item, ascending. E_EMPTY (the
// evaluator's error) when there are none.
std::vector<int32_t> evaluatedUsers(const Csr& truth);

// Metrics of ranked lists made elsewhere, with the evaluator's formulas and averaging: equal lists
// give bit-identical results.
class RankedListMetrics {
 public:
  // users: as evaluatedUsers(truth); ks: a validated spec's cutoffs. `truth` must outlive this.
  RankedListMetrics(const Csr& truth, std::vector<int32_t> users, std::vector<int32_t> ks);
  int32_t maxK() const { return maxK_; }
  // The lists of users[first .. first + n): row r, at items + r * stride, holds that user's best
  // unmasked items, best first; it ends after maxK() ids or at the first negative id (a user with
  // fewer unmasked items than maxK()). Rows may be added in any order, each exactly once.
  void add(int64_t first, int64_t n, const int32_t* items, int64_t stride, int threads = 0);
  EvalResult result() const;

 private:
  const Csr* truth_;
  std::vector<int32_t> users_, ks_;
  int32_t maxK_ = 0;
  int slots_ = 0;
  std::vector<float> flat_;  // [user][metric][k]
};

}  // namespace rf::eval
