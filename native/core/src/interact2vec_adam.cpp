// Interact2Vec's reference path: the Keras model's mini-batch objective (mean BCE over mixed
// positive and negative rows, L2 on both whole tables) under Keras's Adam. Every reduction has a
// fixed order, so results do not depend on the thread count.
#include <algorithm>
#include <cmath>

#include "interact2vec_internal.hpp"
#include "recforge/bpr.hpp"
#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf {

namespace {
constexpr uint64_t kAdamNegStream = 0x49325641444E4547ull;  // "I2VADNEG"
constexpr uint64_t kAdamShuffleStream = 0x4932564144534846ull;  // "I2VADSHF"
constexpr int64_t kLossBlock = 1024;  // loss partial sums per fixed block of rows, then summed in order
}  // namespace

double bceBatchCoefficients(const int32_t* user, const int32_t* item, const float* label, int64_t n, const float* U,
                            const float* V, int32_t dim, float* coef, int threads) {
  if (n <= 0) return 0;
  const int64_t blocks = (n + kLossBlock - 1) / kLossBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
  const double invN = 1.0 / static_cast<double>(n);
  parallelChunks(blocks, resolveThreads(threads, blocks), [&](int64_t b0, int64_t b1, int) {
    for (int64_t b = b0; b < b1; ++b) {
      double sum = 0;
      for (int64_t r = b * kLossBlock; r < std::min(n, (b + 1) * kLossBlock); ++r) {
        const double s = simd::dotPrefix(U + static_cast<int64_t>(user[r]) * dim,
                                         V + static_cast<int64_t>(item[r]) * dim, dim);
        // BCE(sigmoid(s), y) = softplus(s) - y s, stable for any s.
        sum += softplus(s) - label[r] * s;
        coef[r] = static_cast<float>((sigmoid(s) - label[r]) * invN);
      }
      partial[b] = sum;
    }
  });
  double total = 0;
  for (double x : partial) total += x;
  return total * invN;
}

void RowGradients::group(const int32_t* ids, int64_t n) {
  rowOf.clear();
  std::vector<int64_t> count;
  std::vector<int32_t> slotOfRow(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) {
    int32_t& s = slotOf[ids[r]];
    if (s < 0) {
      s = static_cast<int32_t>(rowOf.size());
      rowOf.push_back(ids[r]);
      count.push_back(0);
    }
    ++count[s];
    slotOfRow[r] = s;
  }
  start.assign(rowOf.size() + 1, 0);
  for (size_t s = 0; s < rowOf.size(); ++s) start[s + 1] = start[s] + count[s];
  members.resize(static_cast<size_t>(n));
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int64_t r = 0; r < n; ++r) members[fill[slotOfRow[r]]++] = static_cast<int32_t>(r);
}

void RowGradients::accumulate(const int32_t* otherIds, const float* other, const float* coef, int32_t dim,
                              int threads) {
  const int64_t slots = static_cast<int64_t>(rowOf.size());
  grad.assign(static_cast<size_t>(slots) * dim, 0.0f);
  parallelChunks(slots, resolveThreads(threads, slots), [&](int64_t s0, int64_t s1, int) {
    for (int64_t s = s0; s < s1; ++s) {
      float* g = grad.data() + s * dim;
      for (int64_t q = start[s]; q < start[s + 1]; ++q) {
        const int32_t r = members[q];
        const float c = coef[r];
        const float* o = other + static_cast<int64_t>(otherIds[r]) * dim;
        for (int32_t k = 0; k < dim; ++k) g[k] += c * o[k];
      }
    }
  });
}

void RowGradients::clear() {
  for (int32_t row : rowOf) slotOf[row] = -1;
  rowOf.clear();
}

namespace {
RF_HOT_CLONES void kerasAdamSpan(float* p, float* m, float* v, const float* sparse, int32_t dim, float twoL2, float a1,
                                 float a2, float lrT, float eps) {
  for (int32_t k = 0; k < dim; ++k) {
    const float g = (sparse ? sparse[k] : 0.0f) + twoL2 * p[k];
    m[k] += (g - m[k]) * a1;
    v[k] += (g * g - v[k]) * a2;
    p[k] -= lrT * m[k] / (std::sqrt(v[k]) + eps);
  }
}
}  // namespace

void kerasAdamRows(float* P, float* M, float* Vm, int64_t rows, int32_t dim, const int32_t* slotOf,
                   const float* sparseGrad, const KerasAdam& a, int64_t t, int threads) {
  if (t < 1) fail(code::kInvalidArgument, "Adam step must be >= 1");
  const double td = static_cast<double>(t);
  const float lrT = static_cast<float>(a.lr * std::sqrt(1.0 - std::pow(a.beta2, td)) / (1.0 - std::pow(a.beta1, td)));
  const float a1 = static_cast<float>(1.0 - a.beta1), a2 = static_cast<float>(1.0 - a.beta2);
  const float twoL2 = static_cast<float>(2.0 * a.l2), eps = static_cast<float>(a.eps);
  parallelChunks(rows, resolveThreads(threads, rows), [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      const int32_t s = slotOf[r];
      const float* g = s >= 0 ? sparseGrad + static_cast<int64_t>(s) * dim : nullptr;
      const int64_t at = r * dim;
      kerasAdamSpan(P + at, M + at, Vm + at, g, dim, twoL2, a1, a2, lrT, eps);
    }
  });
}

void planAdamRows(const std::vector<int32_t>& keptUsers, const std::vector<int32_t>& keptItems, int32_t nUsers,
                  const FrequencyNegatives& negatives, int32_t K, uint64_t seed, uint64_t epoch, int threads,
                  bool shuffle, I2vAdamState& st) {
  // Kept interactions are in user order: user u owns [first[u], first[u + 1]).
  const int64_t n = static_cast<int64_t>(keptUsers.size());
  std::vector<int64_t> first(static_cast<size_t>(nUsers) + 1, 0);
  for (int32_t u : keptUsers) ++first[u + 1];
  for (int32_t u = 0; u < nUsers; ++u) first[u + 1] += first[u];
  const int64_t rows = n * (1 + static_cast<int64_t>(K));
  st.rowUser.assign(static_cast<size_t>(rows), -1);
  st.rowItem.assign(static_cast<size_t>(rows), -1);
  st.rowLabel.assign(static_cast<size_t>(rows), 0.0f);
  parallelChunks(nUsers, resolveThreads(threads, nUsers), [&](int64_t u0, int64_t u1, int) {
    for (int64_t u = u0; u < u1; ++u) {
      Rng rng(seed, hash3(kAdamNegStream, epoch, static_cast<uint64_t>(u)));
      const int64_t b = first[u], e = first[u + 1];
      int64_t out = b * (1 + K);
      for (int64_t q = b; q < e; ++q) {
        st.rowUser[out] = static_cast<int32_t>(u);
        st.rowItem[out] = keptItems[q];
        st.rowLabel[out++] = 1.0f;
      }
      for (int64_t q = b; q < e; ++q)
        for (int32_t k = 0; k < K; ++k) {
          st.rowUser[out] = static_cast<int32_t>(u);
          st.rowItem[out++] = negatives.drawExcept(keptItems[q], keptItems[q], rng);  // -1: left out below
        }
    }
  });
  // Drop the rows whose negative could not avoid its positive (order kept).
  int64_t w = 0;
  for (int64_t r = 0; r < rows; ++r)
    if (st.rowItem[r] >= 0) {
      st.rowUser[w] = st.rowUser[r];
      st.rowItem[w] = st.rowItem[r];
      st.rowLabel[w++] = st.rowLabel[r];
    }
  st.rowUser.resize(w);
  st.rowItem.resize(w);
  st.rowLabel.resize(w);
  if (!shuffle) return;
  Rng rng(seed, hash3(kAdamShuffleStream, epoch, 0));
  for (int64_t k = w - 1; k > 0; --k) {
    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(k + 1)));
    std::swap(st.rowUser[k], st.rowUser[j]);
    std::swap(st.rowItem[k], st.rowItem[j]);
    std::swap(st.rowLabel[k], st.rowLabel[j]);
  }
}

}  // namespace rf
