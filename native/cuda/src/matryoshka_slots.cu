// The GPU trainer's Matryoshka batch layout (train_kernels.hpp: matryoshkaSlots): one thread per
// slot writes the slot's global row and flags that row for the masked backward.
#include "check.cuh"
#include "train_kernels.hpp"
#include "warp_ops.cuh"

namespace rf::cuda::detail {

namespace {
__global__ void slotsKernel(const int32_t* users, const int32_t* pos, const int32_t* negatives, int64_t n,
                            int32_t perTriple, int32_t nUsers, int64_t rows, int32_t* slots, uint8_t* rowFlags) {
  const int64_t stride = 2 + static_cast<int64_t>(perTriple);
  const int64_t total = n * stride;
  for (int64_t i = globalThread(); i < total; i += threadStride()) {
    const int64_t q = i / stride;
    const int64_t role = i % stride;
    const int32_t row = role == 0   ? users[q]
                        : role == 1 ? nUsers + pos[q]
                                    : nUsers + negatives[q * perTriple + (role - 2)];
    slots[i] = row;
    if (row >= 0 && row < rows) rowFlags[row] = 1;  // equal values written concurrently: benign
  }
}
}  // namespace

void matryoshkaSlots(const int32_t* users, const int32_t* pos, const int32_t* negatives, int64_t n, int32_t perTriple,
                     int32_t nUsers, int64_t rows, int32_t* slots, uint8_t* rowFlags) {
  RF_CUDA_CHECK(cudaMemsetAsync(rowFlags, 0, static_cast<size_t>(rows), cudaStreamPerThread));
  if (n <= 0) return;
  slotsKernel<<<blocksForThreads(n * (2 + perTriple)), kBlockThreads, 0, cudaStreamPerThread>>>(
      users, pos, negatives, n, perTriple, nUsers, rows, slots, rowFlags);
  RF_CUDA_LAUNCHED("matryoshka slotsKernel");
}

}  // namespace rf::cuda::detail
