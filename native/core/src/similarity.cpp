#include "recforge/similarity.hpp"

#include <cmath>

#include "recforge/parallel.hpp"

namespace rf {

std::vector<float> unitRows(const float* table, int32_t rows, int32_t dim, int threads) {
  std::vector<float> out(static_cast<size_t>(rows) * dim);
  parallelChunks(rows, resolveThreads(threads, rows), [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* a = table + r * dim;
      double sq = 0;
      for (int32_t k = 0; k < dim; ++k) sq += static_cast<double>(a[k]) * a[k];
      const float scale = sq > 0 ? static_cast<float>(1.0 / std::sqrt(sq)) : 0.0f;
      for (int32_t k = 0; k < dim; ++k) out[r * dim + k] = a[k] * scale;
    }
  });
  return out;
}

Csr selfExclusion(int32_t n) {
  Csr c;
  c.rows = c.cols = n;
  c.indptr.resize(static_cast<size_t>(n) + 1);
  c.indices.resize(static_cast<size_t>(n));
  for (int32_t r = 0; r <= n; ++r) c.indptr[r] = r;
  for (int32_t r = 0; r < n; ++r) c.indices[r] = r;
  return c;
}

}  // namespace rf
