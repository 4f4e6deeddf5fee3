// The level / loss-term descriptions the MRL4Rec kernels take by value (kernel parameters, so no
// device copy of the levels is ever needed).
#pragma once
#include <string>

#include "recforge/cuda/matryoshka.hpp"
#include "recforge/error.hpp"

namespace rf::cuda::detail {

struct LevelDims {
  int32_t count;
  int32_t dims[kMaxMatryoshkaLevels];
};

// The loss terms of one triple (as termsOf in the core's matryoshka_loss.cpp): term t is the BPR
// on prefix dims[t] against negative slot 2 + t (perLevelNegative, kMns) or 2; kDns has one term,
// the last level, weight 1.
struct TermParams {
  int32_t count;
  int32_t perLevelNegative;
  int32_t stride;  // slots per triple: 2 + negatives
  int32_t dims[kMaxMatryoshkaLevels];
  double weights[kMaxMatryoshkaLevels];
};

// rf::validateLevels plus the device limit on the number of levels.
inline MatryoshkaLevels checkedLevels(const MatryoshkaLevels& levels, int32_t dim) {
  MatryoshkaLevels lv = validateLevels(levels, dim);
  if (lv.dims.size() > static_cast<size_t>(kMaxMatryoshkaLevels))
    fail(code::kInvalidArgument, "the CUDA backend supports at most " + std::to_string(kMaxMatryoshkaLevels) +
                                     " levels (got " + std::to_string(lv.dims.size()) + ")");
  return lv;
}

inline LevelDims levelDims(const MatryoshkaLevels& checked) {
  LevelDims d{};
  d.count = static_cast<int32_t>(checked.dims.size());
  for (int32_t k = 0; k < d.count; ++k) d.dims[k] = checked.dims[k];
  return d;
}

inline TermParams termParams(const MatryoshkaLevels& checked, MatryoshkaMode mode) {
  TermParams t{};
  t.stride = 2 + negativesPerTriple(mode, checked);
  if (mode == MatryoshkaMode::kDns) {
    t.count = 1;
    t.perLevelNegative = 0;
    t.dims[0] = checked.dims.back();
    t.weights[0] = 1.0;
    return t;
  }
  t.count = static_cast<int32_t>(checked.dims.size());
  t.perLevelNegative = mode == MatryoshkaMode::kMns ? 1 : 0;
  for (int32_t k = 0; k < t.count; ++k) t.dims[k] = checked.dims[k], t.weights[k] = checked.weights[k];
  return t;
}

}  // namespace rf::cuda::detail
