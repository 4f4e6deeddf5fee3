// The GPU evaluator's finiteness check of device-resident tables (the CPU evaluator rejects NaN
// and Inf embeddings with E_NONFINITE; tables already on the GPU are checked there).
#include <cuda_runtime.h>

#include "check.cuh"
#include "evaluate_kernels.cuh"

namespace rf::cuda::evalk {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = 4096;

__global__ void __launch_bounds__(kThreads) nonFiniteKernel(const float* __restrict__ x, int64_t n,
                                                             unsigned long long* first) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * kThreads;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x; i < n; i += stride)
    if (!(fabsf(x[i]) <= 3.402823466e+38f)) atomicMin(first, static_cast<unsigned long long>(i));  // NaN fails too
}

}  // namespace

int64_t firstNonFinite(const float* x, int64_t n, unsigned long long* first) {
  if (n <= 0) return -1;
  const unsigned long long none = ~0ull;
  RF_CUDA_CHECK(cudaMemcpy(first, &none, sizeof(none), cudaMemcpyHostToDevice));
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  nonFiniteKernel<<<static_cast<unsigned>(blocks), kThreads>>>(x, n, first);
  RF_CUDA_LAUNCHED("nonFiniteKernel");
  unsigned long long got = none;
  RF_CUDA_CHECK(cudaMemcpy(&got, first, sizeof(got), cudaMemcpyDeviceToHost));
  return got == none ? -1 : static_cast<int64_t>(got);
}

}  // namespace rf::cuda::evalk
