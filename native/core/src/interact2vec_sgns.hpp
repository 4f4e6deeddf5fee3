// The SGNS inner loop, inlined into each ISA clone of the kernels that use it.
#pragma once
#include <cstdint>

#include "recforge/interact2vec_kernels.hpp"
#include "recforge/simd.hpp"

namespace rf::detail {

// See sgnsUpdate (interact2vec_kernels.hpp). Vector loads and stores go through f32x8 temporaries,
// so a target row overlapping `in` (never the case in training) would still be well defined.
RF_SIMD_INLINE float sgnsStep(float* in, float* V, int32_t dim, const int32_t* targets, int32_t n, float lr,
                              float* acc, const SigmoidTables& tab) {
  using simd::f32x8;
  using simd::kLanes;
  const int32_t whole = dim - dim % kLanes;
  for (int32_t k = 0; k < dim; ++k) acc[k] = 0.0f;
  float loss = 0.0f;
  for (int32_t q = 0; q < n; ++q) {
    float* v = V + static_cast<int64_t>(targets[q]) * dim;
    const float s = simd::dotPrefix(in, v, dim);
    const float label = q == 0 ? 1.0f : 0.0f;
    const float g = lr * (label - tabulatedSigmoid(tab, s));
    loss += tabulatedNegLogSigmoid(tab, q == 0 ? s : -s);
    const f32x8 gv = simd::splat8(g);
    int32_t k = 0;
    for (; k < whole; k += kLanes) {
      const f32x8 vk = simd::load8(v + k);
      simd::store8(acc + k, simd::load8(acc + k) + gv * vk);
      simd::store8(v + k, vk + gv * simd::load8(in + k));
    }
    for (; k < dim; ++k) {
      const float vk = v[k];
      acc[k] += g * vk;
      v[k] = vk + g * in[k];
    }
  }
  for (int32_t k = 0; k < dim; ++k) in[k] += acc[k];
  return loss;
}

}  // namespace rf::detail
