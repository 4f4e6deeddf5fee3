// The SGNS inner loop, inlined into each ISA clone of the kernels that use it.
#pragma once
#include <cstdint>

#include "recforge/interact2vec_kernels.hpp"
#include "recforge/simd.hpp"

namespace rf::detail {

// One side's table as the SGD kernels see it (Interact2Vec with clustered tables, docs/cel.md):
// entity t's row is W + (assign ? assign[t] : t) * dim, plus residual row t when there is one
// (e_t = W[a(t)] + delta_t, the residual decaying by `decay` x itself per update: its L2 term);
// window row t, when present, sums the entity's SGD deltas (CEL's per-entity gradient window).
struct SharedRows {
  float* W = nullptr;
  const int32_t* assign = nullptr;
  float* residual = nullptr;
  float* window = nullptr;
  float* row(int32_t t, int32_t dim) const { return W + static_cast<int64_t>(assign ? assign[t] : t) * dim; }
};

// See sgnsUpdate (interact2vec_kernels.hpp). Vector loads and stores go through f32x8 temporaries,
// so a target row overlapping `in` (never the case in training) would still be well defined.
// kShared: the targets are rows of `out` (assignment; a residual when kResidual, a window when
// kWindow), and `in` is left as it was: the caller adds acc to the input entity's row(s). The
// variants are separate instantiations (no run-time branch in the loop), so with an identity
// assignment and no residual every value is the one the plain kernel computes, bit for bit.
template <bool kShared, bool kResidual, bool kWindow>
RF_SIMD_INLINE float sgnsStepRows(float* in, const SharedRows& out, int32_t dim, const int32_t* targets, int32_t n,
                                  float lr, float decay, float* acc, const SigmoidTables& tab) {
  using simd::f32x8;
  using simd::kLanes;
  const int32_t whole = dim - dim % kLanes;
  for (int32_t k = 0; k < dim; ++k) acc[k] = 0.0f;
  float loss = 0.0f;
  for (int32_t q = 0; q < n; ++q) {
    const int32_t t = targets[q];
    float* v = kShared ? out.row(t, dim) : out.W + static_cast<int64_t>(t) * dim;
    float* r = kResidual ? out.residual + static_cast<int64_t>(t) * dim : nullptr;
    float* w = kWindow ? out.window + static_cast<int64_t>(t) * dim : nullptr;
    float s = simd::dotPrefix(in, v, dim);
    if constexpr (kResidual) s += simd::dotPrefix(in, r, dim);
    const float label = q == 0 ? 1.0f : 0.0f;
    const float g = lr * (label - tabulatedSigmoid(tab, s));
    loss += tabulatedNegLogSigmoid(tab, q == 0 ? s : -s);
    const f32x8 gv = simd::splat8(g);
    int32_t k = 0;
    for (; k < whole; k += kLanes) {
      const f32x8 vk = simd::load8(v + k);
      if constexpr (kResidual) {
        const f32x8 rk = simd::load8(r + k);
        simd::store8(acc + k, simd::load8(acc + k) + gv * (vk + rk));
        simd::store8(r + k, rk + gv * simd::load8(in + k) - simd::splat8(decay) * rk);
      } else {
        simd::store8(acc + k, simd::load8(acc + k) + gv * vk);
      }
      simd::store8(v + k, vk + gv * simd::load8(in + k));
      if constexpr (kWindow) simd::store8(w + k, simd::load8(w + k) + gv * simd::load8(in + k));
    }
    for (; k < dim; ++k) {
      const float vk = v[k];
      if constexpr (kResidual) {
        const float rk = r[k];
        acc[k] += g * (vk + rk);
        r[k] = rk + g * in[k] - decay * rk;
      } else {
        acc[k] += g * vk;
      }
      v[k] = vk + g * in[k];
      if constexpr (kWindow) w[k] += g * in[k];
    }
  }
  if constexpr (!kShared)
    for (int32_t k = 0; k < dim; ++k) in[k] += acc[k];
  return loss;
}

// The plain kernel (kShared false: `out` is a plain table, `in` gets acc) or the shared-row
// variant that `out` needs.
template <bool kShared>
RF_SIMD_INLINE float sgnsStepOn(float* in, const SharedRows& out, int32_t dim, const int32_t* targets, int32_t n,
                                float lr, float decay, float* acc, const SigmoidTables& tab) {
  if constexpr (!kShared) {
    return sgnsStepRows<false, false, false>(in, out, dim, targets, n, lr, decay, acc, tab);
  } else {
    if (out.residual)
      return out.window ? sgnsStepRows<true, true, true>(in, out, dim, targets, n, lr, decay, acc, tab)
                        : sgnsStepRows<true, true, false>(in, out, dim, targets, n, lr, decay, acc, tab);
    return out.window ? sgnsStepRows<true, false, true>(in, out, dim, targets, n, lr, decay, acc, tab)
                      : sgnsStepRows<true, false, false>(in, out, dim, targets, n, lr, decay, acc, tab);
  }
}

RF_SIMD_INLINE float sgnsStep(float* in, float* V, int32_t dim, const int32_t* targets, int32_t n, float lr, float* acc,
                              const SigmoidTables& tab) {
  SharedRows out;
  out.W = V;
  return sgnsStepOn<false>(in, out, dim, targets, n, lr, 0.0f, acc, tab);
}

}  // namespace rf::detail
