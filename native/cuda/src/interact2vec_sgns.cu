// The kernels of the batched, deterministic SGNS step (see recforge/cuda/interact2vec.hpp):
// one warp per example for the logistic gains and the input delta, one warp per touched row
// (group head of a stable sort by row) for every summed row update, each sum in a fixed order.
#include "check.cuh"
#include "interact2vec_sgns.cuh"
#include "key_groups.cuh"
#include "recforge/interact2vec_kernels.hpp"
#include "warp_ops.cuh"

namespace rf::cuda::detail {

namespace {
// rf::sigmoidBin in the same float operations; clamped so the one float just below +range whose
// bin rounds up to kSigmoidBins stays inside the table (the CPU reads one past it there).
__device__ inline int sigmoidBinD(float x) {
  const int b = static_cast<int>((x + kSigmoidRange) * (kSigmoidBins / (2 * kSigmoidRange)));
  return b < kSigmoidBins ? b : kSigmoidBins - 1;
}
// rf::tabulatedSigmoid / rf::tabulatedNegLogSigmoid over tables = {sigmoid[bins], softplusNeg[bins]}.
__device__ inline float tabSigmoid(const float* tables, float x) {
  if (!(x > -kSigmoidRange)) return 0.0f;
  if (x >= kSigmoidRange) return 1.0f;
  return tables[sigmoidBinD(x)];
}
__device__ inline float tabNegLogSigmoid(const float* tables, float x) {
  if (!(x > -kSigmoidRange)) return x == x ? -x : 0.0f;
  if (x >= kSigmoidRange) return 0.0f;
  return tables[kSigmoidBins + sigmoidBinD(x)];
}

__global__ void gainKernel(SgnsArgs a, float* gain, float* deltaIn, double* loss) {
  const int lane = laneId();
  const int32_t dim = a.dim;
  for (int64_t b = globalWarp(); b < a.examples; b += warpStride()) {
    const float* fin = a.in + static_cast<int64_t>(a.inputs[b]) * dim;
    float* d = deltaIn + b * dim;
    for (int32_t j = lane; j < dim; j += kWarpSize) d[j] = 0.0f;
    const float lr = a.lr ? a.lr[b] : a.lrAll;
    float lossSum = 0.0f;
    for (int32_t q = 0; q < a.width; ++q) {
      const int64_t slot = b * a.width + q;
      const int32_t t = a.targets[slot];
      if (t < 0) {  // uniform across the warp
        if (lane == 0) gain[slot] = 0.0f;
        continue;
      }
      const float* v = a.out + static_cast<int64_t>(t) * dim;
      const float s = warpSum(lanePartialDot(fin, v, 0, dim, lane));
      const float label = q == 0 ? 1.0f : 0.0f;
      float sig, term;
      if (a.tabulated) {
        sig = tabSigmoid(a.tables, s);
        term = tabNegLogSigmoid(a.tables, q == 0 ? s : -s);
      } else {
        sig = static_cast<float>(sigmoidD(static_cast<double>(s)));
        term = static_cast<float>(softplusD(q == 0 ? -static_cast<double>(s) : static_cast<double>(s)));
      }
      const float g = lr * (label - sig);
      lossSum += term;
      for (int32_t j = lane; j < dim; j += kWarpSize) d[j] += g * v[j];  // this lane's coordinates only
      if (lane == 0) gain[slot] = g;
    }
    if (lane == 0) loss[b] = static_cast<double>(lossSum);
  }
}

__global__ void targetDeltaKernel(SgnsArgs a, const float* gain, const uint32_t* keys, const int32_t* order,
                                  uint32_t sentinel, float* deltaOut) {
  const int lane = laneId();
  const int64_t total = a.examples * a.width;
  for (int64_t i = globalWarp(); i < total; i += warpStride()) {
    if (!isGroupHead(keys, i, sentinel)) continue;
    int64_t end = i + 1;
    while (end < total && keys[end] == keys[i]) ++end;
    for (int32_t j = lane; j < a.dim; j += kWarpSize) {
      float acc = 0.0f;
      for (int64_t c = i; c < end; ++c) {
        const int64_t slot = order[c];
        const int64_t b = slot / a.width;
        acc += gain[slot] * a.in[static_cast<int64_t>(a.inputs[b]) * a.dim + j];
      }
      deltaOut[i * a.dim + j] = acc;
    }
  }
}

__global__ void applyInputsKernel(SgnsArgs a, const float* deltaIn, const uint32_t* keys, const int32_t* order,
                                  uint32_t sentinel) {
  const int lane = laneId();
  for (int64_t i = globalWarp(); i < a.examples; i += warpStride()) {
    if (!isGroupHead(keys, i, sentinel)) continue;
    int64_t end = i + 1;
    while (end < a.examples && keys[end] == keys[i]) ++end;
    float* row = a.in + static_cast<int64_t>(keys[i]) * a.dim;
    for (int32_t j = lane; j < a.dim; j += kWarpSize) {
      float acc = 0.0f;
      for (int64_t c = i; c < end; ++c) acc += deltaIn[static_cast<int64_t>(order[c]) * a.dim + j];
      row[j] += acc;
    }
  }
}

__global__ void applyTargetsKernel(SgnsArgs a, const float* deltaOut, const uint32_t* keys, uint32_t sentinel) {
  const int lane = laneId();
  const int64_t total = a.examples * a.width;
  for (int64_t i = globalWarp(); i < total; i += warpStride()) {
    if (!isGroupHead(keys, i, sentinel)) continue;
    float* row = a.out + static_cast<int64_t>(keys[i]) * a.dim;
    for (int32_t j = lane; j < a.dim; j += kWarpSize) row[j] += deltaOut[i * a.dim + j];
  }
}
}  // namespace

void launchSgnsGains(const SgnsArgs& a, float* gain, float* deltaIn, double* loss) {
  gainKernel<<<blocksForWarps(a.examples), kBlockThreads, 0, cudaStreamPerThread>>>(a, gain, deltaIn, loss);
  RF_CUDA_LAUNCHED("sgns gainKernel");
}

void launchSgnsTargetDeltas(const SgnsArgs& a, const float* gain, const uint32_t* sortedKeys, const int32_t* sortedOrder,
                            int64_t outRows, float* deltaOut) {
  targetDeltaKernel<<<blocksForWarps(a.examples * a.width), kBlockThreads, 0, cudaStreamPerThread>>>(
      a, gain, sortedKeys, sortedOrder, static_cast<uint32_t>(outRows), deltaOut);
  RF_CUDA_LAUNCHED("sgns targetDeltaKernel");
}

void launchSgnsApplyInputs(const SgnsArgs& a, const float* deltaIn, const uint32_t* sortedKeys,
                           const int32_t* sortedOrder, int64_t inRows) {
  applyInputsKernel<<<blocksForWarps(a.examples), kBlockThreads, 0, cudaStreamPerThread>>>(
      a, deltaIn, sortedKeys, sortedOrder, static_cast<uint32_t>(inRows));
  RF_CUDA_LAUNCHED("sgns applyInputsKernel");
}

void launchSgnsApplyTargets(const SgnsArgs& a, const float* deltaOut, const uint32_t* sortedKeys, int64_t outRows) {
  applyTargetsKernel<<<blocksForWarps(a.examples * a.width), kBlockThreads, 0, cudaStreamPerThread>>>(
      a, deltaOut, sortedKeys, static_cast<uint32_t>(outRows));
  RF_CUDA_LAUNCHED("sgns applyTargetsKernel");
}

}  // namespace rf::cuda::detail
