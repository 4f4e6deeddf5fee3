// The inner-product scorer: item packing and the register-blocked micro-kernel.
#include <algorithm>
#include <cstring>

#include "eval_scorers.hpp"
#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf::eval {

namespace {

using simd::f32x8;
constexpr int kNR = DotScorer::kPanelItems;  // items per micro-tile
constexpr int kNV = kNR / simd::kLanes;      // vectors per micro-tile row
constexpr int kMR = 4;                       // users per micro-tile
static_assert(kScoreBlockUsers % kMR == 0, "row blocks must tile the evaluator's user block");
static_assert(kScoreTileItems % kNR == 0, "panels must tile the evaluator's item tile");

// kMR users x kNR items: kMR*kNV = 16 ymm accumulators stay in registers for the whole dot
// product (AVX-512VL has 32 ymm; on AVX2 the panel is read as FMA memory operands, costing ~2
// spills per 16 FMAs); each dimension costs kMR broadcasts. Partial tiles (rows < kMR or
// cols < kNR) go through a stack copy.
//
// Prefix levels: the dimensions run once from 0 to stops[levels-1]; when p reaches stops[l] the
// accumulators are stored to tile l and carried on. One code path for one level and for many is
// what makes a level's scores bit-identical to a plain evaluation of the truncated tables.
__attribute__((always_inline)) inline void microKernel(const float* const* rowsIn, const float* panel,
                                                       const int32_t* stops, int levels, float* out, int64_t ld,
                                                       int64_t levelStride, int rows, int cols) {
  const float* u[kMR];
  for (int r = 0; r < kMR; ++r) u[r] = rowsIn[r];
  f32x8 acc[kMR][kNV];
  for (int r = 0; r < kMR; ++r)
    for (int v = 0; v < kNV; ++v) acc[r][v] = f32x8{};
  int p = 0;
  for (int l = 0; l < levels; ++l, out += levelStride) {
    for (; p < stops[l]; ++p) {
      f32x8 b[kNV];
      for (int v = 0; v < kNV; ++v) b[v] = simd::load8(panel + p * kNR + v * simd::kLanes);
      for (int r = 0; r < kMR; ++r) {
        const float a = u[r][p];
        for (int v = 0; v < kNV; ++v) acc[r][v] += a * b[v];
      }
    }
    if (rows == kMR && cols == kNR) {
      for (int r = 0; r < kMR; ++r)
        for (int v = 0; v < kNV; ++v) simd::store8(out + r * ld + v * simd::kLanes, acc[r][v]);
      continue;
    }
    float tmp[kMR][kNR];
    for (int r = 0; r < kMR; ++r)
      for (int v = 0; v < kNV; ++v) simd::store8(tmp[r] + v * simd::kLanes, acc[r][v]);
    for (int r = 0; r < rows; ++r) std::memcpy(out + r * ld, tmp[r], sizeof(float) * cols);
  }
}

// One evaluator tile: all row blocks against each panel in turn, so a panel (d*kNR floats) and the
// users' rows stay in L1 while every row block reuses them. `d` is the packed width (panel stride).
RF_HOT_CLONES void dotTile(const float* const* rows, int nu, const float* panels, int ni, int d, const int32_t* stops,
                           int levels, float* out, int64_t ld, int64_t levelStride) {
  for (int j0 = 0; j0 < ni; j0 += kNR) {
    const float* panel = panels + static_cast<int64_t>(j0) * d;
    const int cols = std::min(kNR, ni - j0);
    for (int r0 = 0; r0 < nu; r0 += kMR)
      microKernel(rows + r0, panel, stops, levels, out + r0 * ld + j0, ld, levelStride, std::min(kMR, nu - r0), cols);
  }
}

}  // namespace

DotScorer::DotScorer(const MatrixView& users, const MatrixView& items, int threads, int32_t width)
    : users_(users.data),
      userStride_(users.cols),
      dim_(width < 0 ? users.cols : width),
      nItems_(items.rows),
      zeroRow_(users.cols, 0.0f) {
  const int64_t nPanels = (static_cast<int64_t>(nItems_) + kNR - 1) / kNR;
  const int64_t panelFloats = static_cast<int64_t>(kNR) * dim_;
  storage_.assign(nPanels * panelFloats + 16, 0.0f);  // zero padding = phantom items past the end
  const auto addr = reinterpret_cast<uintptr_t>(storage_.data());
  panels_ = storage_.data() + ((64 - addr % 64) % 64) / sizeof(float);
  float* dst = const_cast<float*>(panels_);
  const int32_t d = dim_, stride = items.cols;
  const float* src = items.data;
  const int32_t n = nItems_;
  parallelChunks(nPanels, resolveThreads(threads, nPanels), [&](int64_t begin, int64_t end, int) {
    for (int64_t q = begin; q < end; ++q) {
      float* panel = dst + q * panelFloats;
      const int64_t first = q * kNR;
      const int cols = static_cast<int>(std::min<int64_t>(kNR, n - first));
      for (int j = 0; j < cols; ++j) {
        const float* v = src + (first + j) * stride;
        for (int32_t p = 0; p < d; ++p) panel[p * kNR + j] = v[p];
      }
    }
  });
}

void DotScorer::score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const {
  scorePrefixes(users, nu, itemBegin, ni, &dim_, 1, out, ld, 0);
}

void DotScorer::scorePrefixes(const int32_t* users, int nu, int32_t itemBegin, int ni, const int32_t* dims, int levels,
                              float* out, int64_t ld, int64_t levelStride) const {
  // Row pointers padded to a whole number of micro-tiles with a zero row.
  const float* rows[kScoreBlockUsers];
  int r = 0;
  for (; r < nu; ++r) rows[r] = users_ + static_cast<int64_t>(users[r]) * userStride_;
  for (; r < kScoreBlockUsers && r % kMR; ++r) rows[r] = zeroRow_.data();
  dotTile(rows, nu, panels_ + static_cast<int64_t>(itemBegin) * dim_, ni, dim_, dims, levels, out, ld, levelStride);
}

}  // namespace rf::eval
