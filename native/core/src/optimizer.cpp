#include "recforge/optimizer.hpp"

#include <cmath>

#include "recforge/error.hpp"
#include "recforge/simd.hpp"

// Contraction into FMAs would change the rounding PyTorch's kernels have (mul and add are
// separate there, except lerp which uses one explicit FMA): keep every operation as written, for
// the whole file so inlined helpers and their cloned callers agree on the option.
#pragma GCC optimize("fp-contract=off")

namespace rf {

AdamStep AdamStep::at(const AdamOptions& o, int64_t t) {
  if (t < 1) fail(code::kInvalidArgument, "Adam step must be >= 1");
  if (!(o.lr >= 0) || !(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1) || !(o.eps >= 0))
    fail(code::kInvalidArgument, "Adam needs lr >= 0, betas in [0, 1), eps >= 0");
  const double bc1 = 1.0 - std::pow(o.beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
  AdamStep s;
  s.beta1 = static_cast<float>(o.beta1);
  s.oneMinusBeta1 = static_cast<float>(1.0 - o.beta1);
  s.beta2 = static_cast<float>(o.beta2);
  s.oneMinusBeta2 = static_cast<float>(1.0 - o.beta2);
  s.negStepSize = static_cast<float>(-(o.lr / bc1));
  s.bc2Sqrt = static_cast<float>(std::sqrt(bc2));
  s.eps = static_cast<float>(o.eps);
  s.lerp = o.lerpFirstMoment;
  return s;
}

namespace {

RF_SIMD_INLINE void adamSpan(float* p, float* m, float* v, const float* g, int64_t n, const AdamStep& s) {
  const float b1 = s.beta1, a1 = s.oneMinusBeta1, b2 = s.beta2, a2 = s.oneMinusBeta2;
  const float step = s.negStepSize, bc2 = s.bc2Sqrt, eps = s.eps;
  if (s.lerp) {
    for (int64_t k = 0; k < n; ++k) m[k] = __builtin_fmaf(a1, g[k] - m[k], m[k]);
  } else {
    for (int64_t k = 0; k < n; ++k) m[k] = m[k] * b1 + a1 * g[k];
  }
  for (int64_t k = 0; k < n; ++k) {
    v[k] = v[k] * b2 + (a2 * g[k]) * g[k];
    const float denom = std::sqrt(v[k]) / bc2 + eps;
    p[k] = p[k] + (step * m[k]) / denom;
  }
}

// adamSpan with g = 0 exactly, without reading a gradient: the same operations with the zero
// written in (adding +0.0f is not a no-op for -0, so the bits match the dense update's).
RF_SIMD_INLINE void adamZeroGradSpan(float* p, float* m, float* v, int64_t n, const AdamStep& s) {
  const float b1 = s.beta1, b2 = s.beta2, a1 = s.oneMinusBeta1, a2 = s.oneMinusBeta2;
  const float step = s.negStepSize, bc2 = s.bc2Sqrt, eps = s.eps;
  const float zero = 0.0f;
  if (s.lerp) {
    for (int64_t k = 0; k < n; ++k) m[k] = __builtin_fmaf(a1, zero - m[k], m[k]);
  } else {
    const float a1g = a1 * zero;
    for (int64_t k = 0; k < n; ++k) m[k] = m[k] * b1 + a1g;
  }
  const float a2gg = (a2 * zero) * zero;
  for (int64_t k = 0; k < n; ++k) {
    v[k] = v[k] * b2 + a2gg;
    const float denom = std::sqrt(v[k]) / bc2 + eps;
    p[k] = p[k] + (step * m[k]) / denom;
  }
}

RF_SIMD_INLINE void sgdSpan(float* p, const float* g, int64_t n, float lr) {
  for (int64_t k = 0; k < n; ++k) p[k] = p[k] - lr * g[k];
}

}  // namespace

RF_HOT_CLONES
void adamUpdate(float* p, float* m, float* v, const float* g, int64_t n, const AdamStep& s) { adamSpan(p, m, v, g, n, s); }

RF_HOT_CLONES
void adamUpdateRows(float* P, float* M, float* V, int32_t dim, const int32_t* rows, int64_t n, const float* G,
                    const AdamStep& s) {
  for (int64_t q = 0; q < n; ++q) {
    const int64_t at = static_cast<int64_t>(rows[q]) * dim;
    adamSpan(P + at, M + at, V + at, G + q * dim, dim, s);
  }
}

RF_HOT_CLONES
void adamUpdateZeroGradRows(float* P, float* M, float* V, int32_t dim, int64_t rowBegin, int64_t rowEnd,
                            const uint8_t* skip, const AdamStep& s) {
  for (int64_t r = rowBegin; r < rowEnd; ++r) {
    if (skip && skip[r]) continue;
    const int64_t at = r * dim;
    adamZeroGradSpan(P + at, M + at, V + at, dim, s);
  }
}

void sgdUpdate(float* p, const float* g, int64_t n, float lr) { sgdSpan(p, g, n, lr); }

void sgdUpdateRows(float* P, int32_t dim, const int32_t* rows, int64_t n, const float* G, float lr) {
  for (int64_t q = 0; q < n; ++q) sgdSpan(P + static_cast<int64_t>(rows[q]) * dim, G + q * dim, dim, lr);
}

}  // namespace rf
