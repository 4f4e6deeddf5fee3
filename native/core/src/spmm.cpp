#include "recforge/spmm.hpp"

#include <algorithm>

#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf {

namespace {

// y += w * x over d floats; cloned per ISA so the loop vectorizes with the widest registers.
RF_HOT_CLONES
void axpy(float* __restrict y, const float* __restrict x, float w, int32_t d) {
  for (int32_t c = 0; c < d; ++c) y[c] += w * x[c];
}

}  // namespace

void spmm(const Csr& a, const float* weights, const float* X, int32_t d, float* Y, bool meanRows, int threads) {
  const int chunks = resolveThreads(threads, a.rows);
  parallelChunks(a.rows, chunks, [&](int64_t begin, int64_t end, int) {
    for (int64_t r = begin; r < end; ++r) {
      float* y = Y + r * d;
      std::fill(y, y + d, 0.0f);
      const int64_t lo = a.indptr[r], hi = a.indptr[r + 1];
      for (int64_t k = lo; k < hi; ++k) axpy(y, X + static_cast<int64_t>(a.indices[k]) * d, weights ? weights[k] : 1.0f, d);
      if (meanRows && hi > lo) {
        const float s = 1.0f / static_cast<float>(hi - lo);
        for (int32_t c = 0; c < d; ++c) y[c] *= s;
      }
    }
  });
}

}  // namespace rf
