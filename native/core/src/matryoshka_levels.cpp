#include <cmath>
#include <string>

#include "recforge/error.hpp"
#include "recforge/matryoshka.hpp"
#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf {

MatryoshkaLevels validateLevels(const MatryoshkaLevels& in, int32_t dim) {
  if (dim < 1) fail(code::kInvalidArgument, "dim must be >= 1");
  if (in.dims.empty()) fail(code::kInvalidArgument, "levels must not be empty");
  for (size_t k = 0; k < in.dims.size(); ++k) {
    const int32_t d = in.dims[k];
    if (d < 1 || d > dim)
      fail(code::kInvalidArgument,
           "levels[" + std::to_string(k) + "] = " + std::to_string(d) + " is outside [1, " + std::to_string(dim) + "]");
    if (k > 0 && d <= in.dims[k - 1])
      fail(code::kInvalidArgument, "levels must be strictly increasing (levels[" + std::to_string(k) +
                                       "] = " + std::to_string(d) + " after " + std::to_string(in.dims[k - 1]) + ")");
  }
  if (!in.weights.empty() && in.weights.size() != in.dims.size())
    fail(code::kInvalidArgument, "weights has " + std::to_string(in.weights.size()) + " entries for " +
                                     std::to_string(in.dims.size()) + " levels");
  for (size_t k = 0; k < in.weights.size(); ++k)
    if (!std::isfinite(in.weights[k]) || !(in.weights[k] > 0))
      fail(code::kInvalidArgument, "weights[" + std::to_string(k) + "] must be finite and > 0");
  if (in.candidates < 1) fail(code::kInvalidArgument, "candidates per level must be >= 1");
  MatryoshkaLevels out = in;
  if (out.weights.empty()) out.weights.assign(in.dims.size(), 1.0 / static_cast<double>(in.dims.size()));
  return out;
}

RF_HOT_CLONES void prefixDots(const float* a, const float* b, const int32_t* dims, int32_t levels, float* out) {
  simd::f32x8 acc{};
  float rest = 0;  // products outside whole 8-blocks (levels need not be multiples of 8)
  int32_t j = 0;
  for (int32_t k = 0; k < levels; ++k) {
    for (; j + simd::kLanes <= dims[k]; j += simd::kLanes) acc += simd::load8(a + j) * simd::load8(b + j);
    for (; j < dims[k]; ++j) rest += a[j] * b[j];
    out[k] = simd::hsum8(acc) + rest;
  }
}

void prefixDotsBatch(const float* table, int32_t dim, const int32_t* rowA, const int32_t* rowB, int64_t n,
                     const MatryoshkaLevels& levels, float* out, int threads) {
  const int32_t k = static_cast<int32_t>(levels.dims.size());
  parallelChunks(n, resolveThreads(threads, n / 1024 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t q = b; q < e; ++q)
      prefixDots(table + static_cast<int64_t>(rowA[q]) * dim, table + static_cast<int64_t>(rowB[q]) * dim,
                 levels.dims.data(), k, out + q * k);
  });
}

}  // namespace rf
