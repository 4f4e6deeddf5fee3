// Deterministic sums of double columns (fixed_sum.cu): the reduction tree depends only on the
// sizes, never on scheduling, so a loss comes out with the same bits on every run.
#pragma once
#include <cstdint>

namespace rf::cuda::detail {

// out[c] = sum over r < rows of in[r * cols + c], for c < cols (device pointers; one block per
// column, each thread a strided partial sum, then a shared-memory tree).
void sumColumnsFixed(const double* dIn, int64_t rows, int32_t cols, double* dOut);

}  // namespace rf::cuda::detail
