// Dense optimizer updates on the GPU, fused with the L2 term of the gradient: one thread per
// element, the CPU's float operation order (rf::adamUpdate: m, then v, then p; IEEE sqrt and
// division), so an update matches the CPU's to FMA-contraction rounding.
#include <cuda_runtime.h>

#include "check.cuh"
#include "train_kernels.hpp"

namespace rf::cuda::detail {
namespace {

__device__ __forceinline__ float gradientAt(const float* dE0, const float* regCoef, const float* ego, int64_t e,
                                            int32_t dim) {
  float g = dE0[e];
  const float c = regCoef[e / dim];
  if (c != 0.0f) g = fmaf(c, ego[e], g);
  return g;
}

__global__ void adamKernel(float* p, float* m, float* v, const float* dE0, const float* regCoef, const float* ego,
                           int64_t n, int32_t dim, AdamStep s) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= n) return;
  const float g = gradientAt(dE0, regCoef, ego, e, dim);
  float mm = m[e];
  mm = s.lerp ? fmaf(s.oneMinusBeta1, g - mm, mm) : __fadd_rn(__fmul_rn(mm, s.beta1), __fmul_rn(s.oneMinusBeta1, g));
  const float vv = __fadd_rn(__fmul_rn(v[e], s.beta2), __fmul_rn(__fmul_rn(s.oneMinusBeta2, g), g));
  const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vv), s.bc2Sqrt), s.eps);
  p[e] = __fadd_rn(p[e], __fdiv_rn(__fmul_rn(s.negStepSize, mm), denom));
  m[e] = mm;
  v[e] = vv;
}

__global__ void sgdKernel(float* p, const float* dE0, const float* regCoef, int64_t n, int32_t dim, float lr) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= n) return;
  // ego is p itself here: the L2 term reads the row before it moves.
  const float g = gradientAt(dE0, regCoef, p, e, dim);
  p[e] = __fsub_rn(p[e], __fmul_rn(lr, g));
}

__global__ void addL2Kernel(float* g, const float* regCoef, const float* ego, int64_t n, int32_t dim) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e < n) g[e] = gradientAt(g, regCoef, ego, e, dim);
}

unsigned gridFor(int64_t n) { return static_cast<unsigned>((n + 255) / 256); }

}  // namespace

void denseAdam(float* p, float* m, float* v, const float* dE0, const float* regCoef, const float* ego, int64_t rows,
               int32_t dim, const AdamStep& s) {
  const int64_t n = rows * dim;
  if (n == 0) return;
  adamKernel<<<gridFor(n), 256>>>(p, m, v, dE0, regCoef, ego, n, dim, s);
  RF_CUDA_LAUNCHED("adamKernel");
}

void denseSgd(float* p, const float* dE0, const float* regCoef, int64_t rows, int32_t dim, float lr) {
  const int64_t n = rows * dim;
  if (n == 0) return;
  sgdKernel<<<gridFor(n), 256>>>(p, dE0, regCoef, n, dim, lr);
  RF_CUDA_LAUNCHED("sgdKernel");
}

void addL2(float* g, const float* regCoef, const float* ego, int64_t rows, int32_t dim) {
  const int64_t n = rows * dim;
  if (n == 0) return;
  addL2Kernel<<<gridFor(n), 256>>>(g, regCoef, ego, n, dim);
  RF_CUDA_LAUNCHED("addL2Kernel");
}

}  // namespace rf::cuda::detail
