// The batched offer of a scored tile row to a top-K, shared by the evaluator and retrieval.
#include "eval_topk.hpp"

#include "recforge/simd.hpp"

namespace rf::eval {

// Once the heap is full, 64-score chunks whose maximum cannot beat the threshold are skipped
// with a few vector ops; that is the common case after the first tiles, so selection costs far
// less than scoring.
RF_HOT_CLONES void offerRow(TopK& top, const float* row, int n, int32_t itemBegin) {
  int j = 0;
  for (; j < n && !top.full(); ++j) top.offer(row[j], itemBegin + j);
  for (; j + 64 <= n; j += 64) {
    const float thr = top.threshold();
    simd::f32x8 m = simd::splat8(thr);  // start from thr so NaN scores can never poison the max
    for (int c = 0; c < 64; c += simd::kLanes) m = simd::maxKeep(simd::load8(row + j + c), m);
    if (simd::hmax8(m) > thr)
      for (int t = 0; t < 64; ++t) top.offer(row[j + t], itemBegin + j + t);
  }
  for (; j < n; ++j) top.offer(row[j], itemBegin + j);
}

}  // namespace rf::eval
