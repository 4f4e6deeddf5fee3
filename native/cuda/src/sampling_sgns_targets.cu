// SGNS target rows on the GPU: {positive, K frequency^alpha negatives that avoid the positive
// and an optional second item}, one thread per (example, negative), each negative the
// counter-based aliasCounterDrawExcept of its (example, slot), so the host twin reproduces it.
#include "check.cuh"
#include "recforge/cuda/sampling.hpp"
#include "warp_ops.cuh"

namespace rf::cuda {

namespace {
__global__ void fillTargetsKernel(const double* keep, const int32_t* alias, const int32_t* support, uint32_t columns,
                                  const int32_t* positives, const int32_t* exclude, int64_t n, int32_t perExample,
                                  uint64_t seed, uint64_t stream, uint64_t firstExample, int32_t* targets) {
  const int64_t width = static_cast<int64_t>(perExample) + 1;
  const int64_t total = n * width;
  for (int64_t i = detail::globalThread(); i < total; i += detail::threadStride()) {
    const int64_t e = i / width;
    const int32_t col = static_cast<int32_t>(i % width);
    const int32_t pos = positives[e];
    if (col == 0) {
      targets[i] = pos;
    } else {
      const int32_t other = exclude ? exclude[e] : pos;
      targets[i] = aliasCounterDrawExcept(keep, alias, support, columns, seed, stream,
                                          firstExample + static_cast<uint64_t>(e), static_cast<uint32_t>(col - 1),
                                          static_cast<uint32_t>(perExample), pos, other);
    }
  }
}
}  // namespace

void fillSgnsTargets(const DeviceFrequencyNegatives& table, const int32_t* dPositives, const int32_t* dExclude, int64_t n,
                     int32_t perExample, uint64_t seed, uint64_t stream, uint64_t firstExample, int32_t* dTargets) {
  if (n < 0 || perExample < 0) fail(code::kInvalidArgument, "n and perExample must be >= 0");
  if (table.columns == 0) fail(code::kInvalidArgument, "empty alias table");
  if (n == 0) return;
  fillTargetsKernel<<<detail::blocksForThreads(n * (perExample + 1)), detail::kBlockThreads, 0, cudaStreamPerThread>>>(
      table.keep.data(), table.alias.data(), table.support.data(), table.columns, dPositives, dExclude, n, perExample,
      seed, stream, firstExample, dTargets);
  RF_CUDA_LAUNCHED("fillTargetsKernel");
}

std::vector<int32_t> fillSgnsTargets(const FrequencyNegatives& negatives, const std::vector<int32_t>& positives,
                                     const std::vector<int32_t>& exclude, int32_t perExample, uint64_t seed,
                                     uint64_t stream, uint64_t firstExample) {
  if (!exclude.empty() && exclude.size() != positives.size())
    fail(code::kShape, "exclude must be empty or one per positive");
  if (perExample < 0) fail(code::kInvalidArgument, "perExample must be >= 0");
  std::vector<int32_t> out(positives.size() * (static_cast<size_t>(perExample) + 1));
  if (positives.empty()) return out;
  const DeviceFrequencyNegatives table = uploadFrequencyNegatives(negatives);
  DeviceBuffer<int32_t> dPos(positives, "positives"), dEx;
  if (!exclude.empty()) dEx.upload(exclude, "exclude");
  DeviceBuffer<int32_t> dOut(out.size(), "sgns targets");
  fillSgnsTargets(table, dPos.data(), exclude.empty() ? nullptr : dEx.data(), static_cast<int64_t>(positives.size()),
                  perExample, seed, stream, firstExample, dOut.data());
  dOut.download(out.data());
  return out;
}

}  // namespace rf::cuda
