// dL/dfinal of the nested BPR on the GPU: one warp per gradient row walks the row's contributions
// (slots grouped by row, triple order kept) and sums them per coordinate in exactly the order and
// form of the CPU's pass 2 (matryoshka_loss.cpp), so no float atomics and the same bits every run.
#include "check.cuh"
#include "key_groups.cuh"
#include "matryoshka_grad.cuh"
#include "warp_ops.cuh"

namespace rf::cuda::detail {

namespace {
// The CPU's addNested weight at coordinate j for the terms [t0, t1) (coefficients c[t]):
// sign * (sum of c[t] over those terms with dims[t] > j), formed as it does (the full float sum,
// then subtracting c[t] block by block). false when none reaches j (the CPU leaves j alone).
__device__ __forceinline__ bool nestedWeight(const float* c, const TermParams& terms, int32_t t0, int32_t t1, int32_t j,
                                             float sign, float& w) {
  float suffix = 0;
  for (int32_t t = t0; t < t1; ++t) suffix += c[t];
  for (int32_t t = t0; t < t1; ++t) {
    if (j < terms.dims[t]) {
      w = sign * suffix;
      return true;
    }
    suffix -= c[t];
  }
  return false;
}

__global__ void gradKernel(const int32_t* slots, int64_t total, const float* final, int32_t dim, TermParams terms,
                           const float* coef, const uint32_t* sortedKeys, const int32_t* sortedOrder, float regScale,
                           uint32_t sentinel, float* gradFinal, float* regCoef) {
  const int lane = laneId();
  const int32_t T = terms.count;
  const int64_t stride = terms.stride;
  for (int64_t i = globalWarp(); i < total; i += warpStride()) {
    if (!isGroupHead(sortedKeys, i, sentinel)) continue;  // uniform: the whole warp skips
    const uint32_t r = sortedKeys[i];
    int64_t end = i + 1;
    while (end < total && sortedKeys[end] == r) ++end;
    float* g = gradFinal + static_cast<int64_t>(r) * dim;
    for (int32_t j = lane; j < dim; j += kWarpSize) {
      float acc = 0.0f;
      for (int64_t c = i; c < end; ++c) {
        const int64_t k = sortedOrder[c];  // stride * triple + role
        const int64_t q = k / stride;
        const int64_t role = k % stride;
        const int32_t* s = slots + q * stride;
        const float* cq = coef + q * T;
        const float* fu = final + static_cast<int64_t>(s[0]) * dim;
        if (role == 0) {
          const float* fp = final + static_cast<int64_t>(s[1]) * dim;
          for (int32_t t = 0; t < T; ++t) {
            if (j >= terms.dims[t]) continue;
            const float* fn = final + static_cast<int64_t>(s[terms.perLevelNegative ? 2 + t : 2]) * dim;
            acc += cq[t] * (fn[j] - fp[j]);
          }
        } else {
          float w = 0;
          bool touches;
          if (role == 1) {
            touches = nestedWeight(cq, terms, 0, T, j, -1.0f, w);
          } else if (terms.perLevelNegative) {
            const int32_t t = static_cast<int32_t>(role - 2);
            touches = nestedWeight(cq, terms, t, t + 1, j, 1.0f, w);
          } else {
            touches = nestedWeight(cq, terms, 0, T, j, 1.0f, w);
          }
          if (touches) acc += w * fu[j];
        }
      }
      g[j] = acc;
    }
    if (lane == 0) regCoef[r] = regScale * static_cast<float>(end - i);
  }
}
}  // namespace

void launchMatryoshkaGrad(int64_t n, const int32_t* dSlots, int64_t rows, const float* dFinal, int32_t dim,
                          const TermParams& terms, const float* dCoef, const uint32_t* sortedKeys,
                          const int32_t* sortedOrder, float regScale, float* dGradFinal, float* dRegCoef) {
  // Rows without any slot (only for a batch whose rows list more than its slots use) stay zero.
  RF_CUDA_CHECK(cudaMemsetAsync(dGradFinal, 0, static_cast<size_t>(rows) * dim * sizeof(float), cudaStreamPerThread));
  RF_CUDA_CHECK(cudaMemsetAsync(dRegCoef, 0, static_cast<size_t>(rows) * sizeof(float), cudaStreamPerThread));
  const int64_t total = n * terms.stride;
  gradKernel<<<blocksForWarps(total), kBlockThreads, 0, cudaStreamPerThread>>>(
      dSlots, total, dFinal, dim, terms, dCoef, sortedKeys, sortedOrder, regScale, static_cast<uint32_t>(rows),
      dGradFinal, dRegCoef);
  RF_CUDA_LAUNCHED("matryoshka gradKernel");
}

}  // namespace rf::cuda::detail
