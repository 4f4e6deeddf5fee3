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
// Entity t's row of a side: plain tables index it directly (no assignment to look at).
template <bool kShared>
RF_SIMD_INLINE float* rowOf(const detail::SharedRows& side, int32_t t, int32_t dim) {
  return kShared ? side.row(t, dim) : side.W + static_cast<int64_t>(t) * dim;
}
// targets = {positive, K negatives that are neither `positive` nor `input`}, each negative's
// row prefetched as soon as it is drawn. Returns how many targets there are.
template <bool kShared>
inline int32_t fillTargets(const I2vSgdEpoch& e, const detail::SharedRows& V, int32_t dim, int32_t positive,
                           int32_t input, Rng& rng, int32_t* targets) {
  int32_t n = 0;
  targets[n++] = positive;
  for (int32_t k = 0; k < e.K; ++k) {
    const int32_t j = e.negatives->drawExcept(positive, input, rng);
    if (j >= 0) prefetchRow(rowOf<kShared>(V, j, dim), dim), targets[n++] = j;
  }
  return n;
}
constexpr uint64_t kSgdStream = 0x4932565347444E53ull;  // "I2VSGDNS"

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

namespace {

// The input entity's row for one update, and adding the accumulated step to it afterwards. Plain
// tables: the row itself (the kernel adds acc). Shared tables: the cluster row, or a gathered copy
// when the entity has a residual or its row may also be a target (item-item with shared items);
// then acc goes to the cluster row, the residual (with its decay) and the window.
struct InputRow {
  float* row = nullptr;
  float* in = nullptr;
};
template <bool kShared>
RF_SIMD_INLINE InputRow inputRow(const detail::SharedRows& side, int32_t e, int32_t dim, bool mayAlias, float* scratch) {
  InputRow x;
  x.row = rowOf<kShared>(side, e, dim);
  x.in = x.row;
  if (kShared && (side.residual || mayAlias)) {
    const float* r = side.residual ? side.residual + static_cast<int64_t>(e) * dim : nullptr;
    for (int32_t k = 0; k < dim; ++k) scratch[k] = r ? x.row[k] + r[k] : x.row[k];
    x.in = scratch;
  }
  return x;
}
RF_SIMD_INLINE void addInputStep(const detail::SharedRows& side, int32_t e, int32_t dim, const InputRow& x,
                                 const float* acc, float decay) {
  for (int32_t k = 0; k < dim; ++k) x.row[k] += acc[k];
  if (side.residual) {
    float* r = side.residual + static_cast<int64_t>(e) * dim;
    for (int32_t k = 0; k < dim; ++k) r[k] += acc[k] - decay * r[k];
  }
  if (side.window) {
    float* w = side.window + static_cast<int64_t>(e) * dim;
    for (int32_t k = 0; k < dim; ++k) w[k] += acc[k];
  }
}

// One block of the epoch, plain (kShared false) or through shared rows. The template carries its
// own ISA clones: as an always-inline body of a cloned wrapper it ran ~40% slower (measured on
// 666k synthetic interactions, d 64, one thread), the helpers it calls not being inlined.
template <bool kShared>
RF_HOT_CLONES double sgdBlock(const I2vSgdEpoch& e, int64_t block, int64_t doneAtStart, I2vSgdScratch& scratch) {
  const SigmoidTables& tab = sigmoidTables();
  Rng rng(e.seed, hash3(kSgdStream, e.epoch, static_cast<uint64_t>(block)));
  scratch.acc.resize(static_cast<size_t>(e.dim));
  if (kShared) scratch.in.resize(static_cast<size_t>(e.dim));
  scratch.targets.resize(static_cast<size_t>(e.K) + 1);
  int32_t* targets = scratch.targets.data();
  const int64_t begin = block * kSgdBlockPairs, end = std::min(e.n, begin + kSgdBlockPairs);
  // Local copies: the kernels' stores cannot be seen to leave them unchanged through `e`.
  const detail::SharedRows U = e.U, V = e.V;
  const int32_t dim = e.dim;
  const bool itemsShared = V.assign != nullptr;
  double loss = 0;
  for (int64_t p = begin; p < end; ++p) {
    const float lr = static_cast<float>(sgdLearningRate(e, static_cast<double>(doneAtStart + (p - begin))));
    const float decay = kShared ? static_cast<float>(lr * e.residualLambda) : 0.0f;
    const int32_t u = e.pairs[p].user, i = e.pairs[p].item;
    if (p + 1 < end) {
      prefetchRow(rowOf<kShared>(U, e.pairs[p + 1].user, dim), dim);
      prefetchRow(rowOf<kShared>(V, e.pairs[p + 1].item, dim), dim);
    }
    // user -> item: the positive, then K negatives (a negative equal to it is redrawn).
    int32_t n = fillTargets<kShared>(e, V, dim, i, i, rng, targets);
    const InputRow user = inputRow<kShared>(U, u, dim, false, scratch.in.data());
    loss += detail::sgnsStepOn<kShared>(user.in, V, dim, targets, n, lr, decay, scratch.acc.data(), tab);
    if constexpr (kShared) addInputStep(U, u, dim, user, scratch.acc.data(), decay);
    // item -> item (joint variant): i predicts another item j of u's history, V on both sides.
    if (e.itemItemWeight > 0) {
      const int32_t deg = e.history->degree(u);
      if (deg < 2) continue;
      const int32_t* row = e.history->rowBegin(u);
      int32_t j = i;
      while (j == i) j = row[rng.below(static_cast<uint64_t>(deg))];
      prefetchRow(rowOf<kShared>(V, j, dim), dim);
      n = fillTargets<kShared>(e, V, dim, j, i, rng, targets);
      const float lrItem = lr * e.itemItemWeight;
      const InputRow item = inputRow<kShared>(V, i, dim, itemsShared, scratch.in.data());
      loss += e.itemItemWeight * detail::sgnsStepOn<kShared>(item.in, V, dim, targets, n, lrItem,
                                                             static_cast<float>(lrItem * e.residualLambda),
                                                             scratch.acc.data(), tab);
      if constexpr (kShared)
        addInputStep(V, i, dim, item, scratch.acc.data(), static_cast<float>(lrItem * e.residualLambda));
    }
  }
  return loss;
}

}  // namespace

double trainSgdBlock(const I2vSgdEpoch& e, int64_t block, int64_t doneAtStart, I2vSgdScratch& scratch) {
  return sgdBlock<false>(e, block, doneAtStart, scratch);
}

double trainSharedSgdBlock(const I2vSgdEpoch& e, int64_t block, int64_t doneAtStart, I2vSgdScratch& scratch) {
  return sgdBlock<true>(e, block, doneAtStart, scratch);
}

}  // namespace rf
