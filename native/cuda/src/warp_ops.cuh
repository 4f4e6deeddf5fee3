// Launch shapes and warp-level helpers shared by the MRL4Rec / Interact2Vec kernels.
// Every kernel here runs blocks of kBlockThreads (a multiple of 32) and loops grid-stride, so any
// problem size launches at most kMaxBlocks blocks; warp-per-item kernels give all 32 lanes of a
// warp the same item, so full-mask shuffles are always reached by the whole warp.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace rf::cuda::detail {

inline constexpr int kBlockThreads = 256;
inline constexpr int kWarpSize = 32;
inline constexpr int kWarpsPerBlock = kBlockThreads / kWarpSize;
inline constexpr int64_t kMaxBlocks = int64_t{1} << 16;

// Blocks for one thread per item / one warp per item (at least 1, at most kMaxBlocks).
inline unsigned blocksForThreads(int64_t items) {
  int64_t b = (items + kBlockThreads - 1) / kBlockThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > kMaxBlocks ? kMaxBlocks : b));
}
inline unsigned blocksForWarps(int64_t items) {
  int64_t b = (items + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return static_cast<unsigned>(b < 1 ? 1 : (b > kMaxBlocks ? kMaxBlocks : b));
}

__device__ inline int64_t globalThread() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ inline int64_t threadStride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }
__device__ inline int64_t globalWarp() { return globalThread() / kWarpSize; }
__device__ inline int64_t warpStride() { return threadStride() / kWarpSize; }
__device__ inline int laneId() { return static_cast<int>(threadIdx.x % kWarpSize); }

// Sum over the 32 lanes by xor butterfly: every lane gets the same bits (each step adds the same
// two partial sums in either order, and float addition is commutative).
__device__ inline float warpSum(float v) {
  for (int o = kWarpSize / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// This lane's share of sum_{j in [from, to)} a[j] * b[j] (coordinates from + lane, + 32, ...).
__device__ inline float lanePartialDot(const float* a, const float* b, int32_t from, int32_t to, int lane) {
  float s = 0.0f;
  for (int32_t j = from + lane; j < to; j += kWarpSize) s += a[j] * b[j];
  return s;
}

// Numerically stable log(1 + e^x) and 1 / (1 + e^-x), the formulas of rf::softplus / rf::sigmoid.
__device__ inline double softplusD(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
__device__ inline double sigmoidD(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const double e = exp(x);
  return e / (1.0 + e);
}

}  // namespace rf::cuda::detail
