// Deterministic column sums in double (fixed_sum.cuh).
#include "check.cuh"
#include "fixed_sum.cuh"
#include "warp_ops.cuh"

namespace rf::cuda::detail {

namespace {
__global__ void sumColumns(const double* in, int64_t rows, int32_t cols, double* out) {
  __shared__ double part[kBlockThreads];
  const int32_t c = static_cast<int32_t>(blockIdx.x);
  double s = 0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) s += in[r * cols + c];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int half = kBlockThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) part[threadIdx.x] += part[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[c] = part[0];
}
}  // namespace

void sumColumnsFixed(const double* dIn, int64_t rows, int32_t cols, double* dOut) {
  if (cols <= 0) return;
  if (cols > 65535) fail(code::kInternal, "sumColumnsFixed: too many columns");
  sumColumns<<<static_cast<unsigned>(cols), kBlockThreads, 0, cudaStreamPerThread>>>(dIn, rows, cols, dOut);
  RF_CUDA_LAUNCHED("sumColumns");
}

}  // namespace rf::cuda::detail
