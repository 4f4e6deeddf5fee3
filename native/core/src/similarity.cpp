#include "recforge/similarity.hpp"

#include <cmath>
#include <string>

#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/retrieval.hpp"

namespace rf {

std::vector<float> unitPrefixRows(const float* table, int32_t rows, int32_t width, int32_t prefix, int threads) {
  std::vector<float> out(static_cast<size_t>(rows) * prefix);
  parallelChunks(rows, resolveThreads(threads, rows), [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* a = table + r * width;
      double sq = 0;
      for (int32_t k = 0; k < prefix; ++k) sq += static_cast<double>(a[k]) * a[k];
      const float scale = sq > 0 ? static_cast<float>(1.0 / std::sqrt(sq)) : 0.0f;
      for (int32_t k = 0; k < prefix; ++k) out[r * prefix + k] = a[k] * scale;
    }
  });
  return out;
}

std::vector<float> unitRows(const float* table, int32_t rows, int32_t dim, int threads) {
  return unitPrefixRows(table, rows, dim, dim, threads);
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

void similarRows(const MatrixView& table, const int32_t* queries, int64_t n, const SimilarSpec& spec, int32_t* outIds,
                 float* outScores, const JobControl& ctl) {
  if (spec.dim < 0 || spec.dim > table.cols)
    fail(code::kInvalidArgument, "dim = " + std::to_string(spec.dim) + " must be in [1, " + std::to_string(table.cols) +
                                     "] (the embedding width)");
  const int32_t d = spec.dim == 0 ? table.cols : spec.dim;
  RetrievalSpec r;
  r.k = spec.k;
  r.threads = spec.threads;
  r.deny = spec.deny;
  r.nDeny = spec.deny ? spec.nDeny : 0;
  const Csr self = selfExclusion(table.rows);
  r.exclude = &self;
  if (!spec.cosine) {
    r.dim = spec.dim;  // the prefix score of the raw rows
    retrieveTopK(table, table, queries, n, r, outIds, outScores, ctl);
    return;
  }
  // Cosine: unit copies of the prefix rows, ranked by their full-width inner product.
  const std::vector<float> unit = unitPrefixRows(table.data, table.rows, table.cols, d, spec.threads);
  const MatrixView u{unit.data(), table.rows, d};
  retrieveTopK(u, u, queries, n, r, outIds, outScores, ctl);
}

}  // namespace rf
