// The batched offer of a scored tile row to a top-K, shared by the evaluator and retrieval.
#include "eval_topk.hpp"

#include "recforge/simd.hpp"

namespace rf::eval {

// Once the heap is full, 64-score chunks whose maximum cannot beat the threshold are skipped
// with a few vector ops; that is the common case after the first tiles, so selection costs far
// less than scoring. A chunk that passes is re-checked one 8-score vector at a time, so only the
// vectors holding a contender are offered score by score: with cheap scores (a short prefix) or
// a large heap (a retrieval shortlist) admissions are frequent, and offering whole chunks then
// cost more than the scoring. Skipping is exact: the threshold only rises, and admission is strict.
RF_HOT_CLONES void offerRow(TopK& top, const float* row, int n, int32_t itemBegin) {
  constexpr int kL = simd::kLanes;
  int j = 0;
  for (; j < n && !top.full(); ++j) top.offer(row[j], itemBegin + j);
  for (; j + 64 <= n; j += 64) {
    const float thr = top.threshold();
    simd::f32x8 m = simd::splat8(thr);  // start from thr so NaN scores can never poison the max
    for (int c = 0; c < 64; c += kL) m = simd::maxKeep(simd::load8(row + j + c), m);
    if (!(simd::hmax8(m) > thr)) continue;
    for (int c = 0; c < 64; c += kL) {
      const float t = top.threshold();
      if (simd::hmax8(simd::maxKeep(simd::load8(row + j + c), simd::splat8(t))) > t)
        for (int x = 0; x < kL; ++x) top.offer(row[j + c + x], itemBegin + j + c + x);
    }
  }
  for (; j < n; ++j) top.offer(row[j], itemBegin + j);
}

}  // namespace rf::eval
