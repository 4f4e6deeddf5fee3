// Interact2Vec's fast path: word2vec's Hogwild SGD with negative sampling, the user row playing
// word2vec's input vector (gradient accumulated locally, written once per interaction) and the
// item rows its output vectors (updated right after their dot product).
#include <algorithm>
#include <cmath>
#include <vector>

#include "interact2vec_internal.hpp"
#include "interact2vec_sgns.hpp"
#include "recforge/bpr.hpp"

namespace rf {

namespace {
// Rows are read at random, so a training step mostly waits on memory: ask for the rows of the
// next interaction (and for negatives as soon as they are drawn) before they are needed.
inline void prefetchRow(const float* row, int32_t dim) {
  const char* p = reinterpret_cast<const char*>(row);
  for (int64_t b = 0; b < static_cast<int64_t>(dim) * 4; b += 64) __builtin_prefetch(p + b, 1, 3);
}
constexpr uint64_t kSgdStream = 0x4932565347444E53ull;  // "I2VSGDNS"
constexpr int64_t kCancelEvery = 4096;                  // interactions between cancellation checks
constexpr int64_t kProgressEvery = 1 << 15;

SigmoidTables buildTables() {
  SigmoidTables t{};
  for (int b = 0; b < kSigmoidBins; ++b) {
    const double x = ((b + 0.5) / kSigmoidBins * 2.0 - 1.0) * kSigmoidRange;  // bin centre
    t.sigmoid[b] = static_cast<float>(sigmoid(x));
    t.softplusNeg[b] = static_cast<float>(softplus(-x));
  }
  return t;
}
}  // namespace

const SigmoidTables& sigmoidTables() {
  static const SigmoidTables tables = buildTables();
  return tables;
}

RF_HOT_CLONES float sgnsUpdate(float* in, float* V, int32_t dim, const int32_t* targets, int32_t n, float lr,
                               float* acc) {
  return detail::sgnsStep(in, V, dim, targets, n, lr, acc, sigmoidTables());
}

RF_HOT_CLONES I2vChunkResult trainSgdChunk(const I2vSgdEpoch& e, int64_t begin, int64_t end, int chunk) {
  const SigmoidTables& tab = sigmoidTables();
  Rng rng(e.seed, hash3(kSgdStream, e.epoch, static_cast<uint64_t>(chunk)));
  std::vector<float> acc(static_cast<size_t>(e.dim));
  std::vector<int32_t> targets(static_cast<size_t>(e.K) + 1);
  const float minLr = static_cast<float>(e.lr0 * e.minRatio);
  I2vChunkResult out;
  float lr = static_cast<float>(e.lr0);
  double loss = 0;
  for (int64_t p = begin; p < end; ++p) {
    const int64_t done = p - begin;
    if (done % kCancelEvery == 0) {
      if (e.ctl && e.ctl->isCancelled()) break;
      if (chunk == 0 && e.ctl && done % kProgressEvery == 0 && e.n > 0)
        e.ctl->report(std::min(1.0, static_cast<double>(done) * e.workers / static_cast<double>(e.n)));
    }
    const double progress = (e.doneBefore + static_cast<double>(done) * e.workers) / e.plannedTotal;
    lr = std::max(minLr, static_cast<float>(e.lr0 * (1.0 - progress)));
    const int32_t u = e.pairs[p].user, i = e.pairs[p].item;
    if (p + 1 < end) {
      prefetchRow(e.U + static_cast<int64_t>(e.pairs[p + 1].user) * e.dim, e.dim);
      prefetchRow(e.V + static_cast<int64_t>(e.pairs[p + 1].item) * e.dim, e.dim);
    }
    // user -> item: the positive, then K negatives (a negative equal to it is redrawn).
    int32_t n = 0;
    targets[n++] = i;
    for (int32_t k = 0; k < e.K; ++k) {
      const int32_t j = e.negatives->drawExcept(i, i, rng);
      if (j >= 0) prefetchRow(e.V + static_cast<int64_t>(j) * e.dim, e.dim), targets[n++] = j;
    }
    loss += detail::sgnsStep(e.U + static_cast<int64_t>(u) * e.dim, e.V, e.dim, targets.data(), n, lr, acc.data(), tab);
    // item -> item (joint variant): i predicts another item j of u's history, V on both sides.
    if (e.itemItemWeight > 0) {
      const int32_t deg = e.history->degree(u);
      if (deg < 2) continue;
      const int32_t* row = e.history->rowBegin(u);
      int32_t j = i;
      while (j == i) j = row[rng.below(static_cast<uint64_t>(deg))];
      n = 0;
      targets[n++] = j;
      for (int32_t k = 0; k < e.K; ++k) {
        const int32_t x = e.negatives->drawExcept(i, j, rng);
        if (x >= 0) targets[n++] = x;
      }
      loss += e.itemItemWeight * detail::sgnsStep(e.V + static_cast<int64_t>(i) * e.dim, e.V, e.dim, targets.data(), n,
                                                  lr * e.itemItemWeight, acc.data(), tab);
    }
  }
  out.loss = loss;
  out.lastLr = lr;
  return out;
}

}  // namespace rf
