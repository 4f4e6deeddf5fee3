// Stable grouping by key (key_groups.cuh): (key, entry index) pairs sorted by cub's LSD radix sort,
// which is stable, over just the bits the keys need.
#include <cub/device/device_radix_sort.cuh>

#include "check.cuh"
#include "key_groups.cuh"
#include "warp_ops.cuh"

namespace rf::cuda::detail {

namespace {
__global__ void makeKeys(const int32_t* keys, int64_t count, int32_t keyLimit, uint32_t* outKeys, int32_t* outOrder) {
  for (int64_t i = globalThread(); i < count; i += threadStride()) {
    const int32_t k = keys[i];
    outKeys[i] = (k >= 0 && k < keyLimit) ? static_cast<uint32_t>(k) : static_cast<uint32_t>(keyLimit);
    outOrder[i] = static_cast<int32_t>(i);
  }
}

int bitsFor(uint32_t maxKey) {
  int bits = 1;
  while (bits < 32 && (uint64_t{1} << bits) <= maxKey) ++bits;
  return bits;
}
}  // namespace

void groupByKey(const int32_t* dKeys, int64_t count, int32_t keyLimit, KeyGroups& g) {
  if (count < 0 || count >= (int64_t{1} << 31) || keyLimit < 0 || keyLimit >= INT32_MAX)
    fail(code::kInvalidArgument, "groupByKey: sizes beyond 2^31");
  if (count == 0) return;
  const size_t n = static_cast<size_t>(count);
  ensureSize(g.keys, n, "group keys");
  ensureSize(g.sortedKeys, n, "sorted group keys");
  ensureSize(g.order, n, "group order");
  ensureSize(g.sortedOrder, n, "sorted group order");
  makeKeys<<<blocksForThreads(count), kBlockThreads, 0, cudaStreamPerThread>>>(dKeys, count, keyLimit, g.keys.data(),
                                                                               g.order.data());
  RF_CUDA_LAUNCHED("makeKeys");
  const int endBit = bitsFor(static_cast<uint32_t>(keyLimit));  // every key, sentinel included, is < 2^endBit
  const int items = static_cast<int>(count);
  size_t tempBytes = 0;
  RF_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, tempBytes, g.keys.data(), g.sortedKeys.data(), g.order.data(),
                                                g.sortedOrder.data(), items, 0, endBit, cudaStreamPerThread));
  ensureSize(g.temp, tempBytes > 0 ? tempBytes : 1, "radix sort scratch");
  RF_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(g.temp.data(), tempBytes, g.keys.data(), g.sortedKeys.data(),
                                                g.order.data(), g.sortedOrder.data(), items, 0, endBit,
                                                cudaStreamPerThread));
}

}  // namespace rf::cuda::detail
