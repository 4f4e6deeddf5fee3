// Frequency^alpha negatives on the GPU: the host-built Walker alias table of an
// rf::FrequencyNegatives uploaded as is, and one thread per draw of the counter-based
// aliasCounterDraw (counter_rng.hpp), so plain C++ reproduces each draw bit for bit.
#include "check.cuh"
#include "recforge/cuda/sampling.hpp"
#include "warp_ops.cuh"

namespace rf::cuda {

namespace {
__global__ void drawKernel(const double* keep, const int32_t* alias, const int32_t* support, uint32_t columns,
                           uint64_t seed, uint64_t stream, uint64_t first, int64_t count, int32_t* out) {
  for (int64_t i = detail::globalThread(); i < count; i += detail::threadStride())
    out[i] = aliasCounterDraw(keep, alias, support, columns, seed, stream, first + static_cast<uint64_t>(i));
}
}  // namespace

DeviceFrequencyNegatives uploadFrequencyNegatives(const FrequencyNegatives& negatives) {
  const AliasTable& a = negatives.aliasTable();
  if (a.size() < 1 || negatives.support().size() != static_cast<size_t>(a.size()))
    fail(code::kInternal, "frequency negatives without an alias table");
  DeviceFrequencyNegatives d;
  d.keep.upload(a.keepProbabilities(), "alias keep probabilities");
  d.alias.upload(a.aliases(), "alias columns");
  d.support.upload(negatives.support(), "alias support");
  d.columns = static_cast<uint32_t>(a.size());
  d.items = negatives.items();
  return d;
}

void drawFrequencyNegatives(const DeviceFrequencyNegatives& table, uint64_t seed, uint64_t stream, uint64_t first,
                            int64_t count, int32_t* dOut) {
  if (count < 0) fail(code::kInvalidArgument, "count must be >= 0");
  if (table.columns == 0) fail(code::kInvalidArgument, "empty alias table");
  if (count == 0) return;
  drawKernel<<<detail::blocksForThreads(count), detail::kBlockThreads, 0, cudaStreamPerThread>>>(
      table.keep.data(), table.alias.data(), table.support.data(), table.columns, seed, stream, first, count, dOut);
  RF_CUDA_LAUNCHED("frequency drawKernel");
}

std::vector<int32_t> drawFrequencyNegatives(const FrequencyNegatives& negatives, uint64_t seed, uint64_t stream,
                                            uint64_t first, int64_t count) {
  if (count < 0) fail(code::kInvalidArgument, "count must be >= 0");
  std::vector<int32_t> out(static_cast<size_t>(count));
  if (count == 0) return out;
  const DeviceFrequencyNegatives table = uploadFrequencyNegatives(negatives);
  DeviceBuffer<int32_t> dOut(out.size(), "negative draws");
  drawFrequencyNegatives(table, seed, stream, first, count, dOut.data());
  dOut.download(out.data());
  return out;
}

}  // namespace rf::cuda
