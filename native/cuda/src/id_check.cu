// Device-side validation of id arrays (id_check.cuh): one thread per id, any offender ORs its
// array's bit into a flag word that the host reads back once.
#include <string>
#include <vector>

#include "check.cuh"
#include "id_check.cuh"
#include "warp_ops.cuh"

namespace rf::cuda::detail {

namespace {
__global__ void flagOutOfRange(const int32_t* ids, int64_t count, int64_t lo, int64_t hi, uint32_t bit, uint32_t* flag) {
  for (int64_t i = globalThread(); i < count; i += threadStride()) {
    const int64_t v = ids[i];
    if (v < lo || v >= hi) atomicOr(flag, bit);
  }
}
}  // namespace

void requireIdsInRange(std::initializer_list<IdRange> ranges, IdCheck& check) {
  if (ranges.size() > 32) fail(code::kInternal, "requireIdsInRange: at most 32 arrays");
  ensureSize(check.flag, 1, "id check flag");
  RF_CUDA_CHECK(cudaMemsetAsync(check.flag.data(), 0, sizeof(uint32_t), cudaStreamPerThread));
  uint32_t bit = 1;
  for (const IdRange& r : ranges) {
    if (r.count > 0) {
      flagOutOfRange<<<blocksForThreads(r.count), kBlockThreads, 0, cudaStreamPerThread>>>(r.ids, r.count, r.lo, r.hi,
                                                                                            bit, check.flag.data());
      RF_CUDA_LAUNCHED("flagOutOfRange");
    }
    bit <<= 1;
  }
  uint32_t flag = 0;
  RF_CUDA_CHECK(cudaMemcpyAsync(&flag, check.flag.data(), sizeof(uint32_t), cudaMemcpyDeviceToHost, cudaStreamPerThread));
  RF_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  if (flag == 0) return;
  std::string bad;
  bit = 1;
  for (const IdRange& r : ranges) {
    if (flag & bit) {
      if (!bad.empty()) bad += ", ";
      bad += std::string(r.what) + " (valid: " + std::to_string(r.lo) + " to " + std::to_string(r.hi - 1) + ")";
    }
    bit <<= 1;
  }
  fail(code::kOutOfRange, "ids outside their range in " + bad);
}

}  // namespace rf::cuda::detail
