#include <string>

#include "recforge/error.hpp"
#include "recforge/matryoshka.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

int32_t negativesPerTriple(MatryoshkaMode mode, const MatryoshkaLevels& levels) {
  return mode == MatryoshkaMode::kMns ? static_cast<int32_t>(levels.dims.size()) : 1;
}

namespace {

float prefixDot(const float* a, const float* b, int32_t d) {
  float s = 0;
  for (int32_t j = 0; j < d; ++j) s += a[j] * b[j];
  return s;
}

}  // namespace

void sampleMatryoshkaNegatives(const int32_t* users, const int32_t* pos, int64_t n, const NegativeSampler& sampler,
                               int32_t nUsers, int32_t nItems, const float* final, int32_t dim,
                               const MatryoshkaLevels& unchecked, MatryoshkaMode mode,
                               const MatryoshkaSampleOptions& options, int32_t* negatives) {
  const MatryoshkaLevels levels = validateLevels(unchecked, dim);
  for (int64_t q = 0; q < n; ++q)
    if (users[q] < 0 || users[q] >= nUsers || pos[q] < 0 || pos[q] >= nItems)
      fail(code::kOutOfRange, "triple " + std::to_string(q) + " has an id outside its range");
  const int32_t groups = negativesPerTriple(mode, levels);
  const int32_t cand = levels.candidates;
  // kShared / kDns rank their single group at the last level (the full vector when it equals dim,
  // as in the reference main_sin.py); kMns ranks group k at its own prefix d_k.
  const int32_t* widths = mode == MatryoshkaMode::kMns ? levels.dims.data() : &levels.dims.back();
  const uint64_t seed = hash3(options.seed, options.epoch, kMatryoshkaStreamTag);
  // One stream per triple (not per chunk): the draws depend on the triple alone, so any thread
  // count, and any batching of the same epoch order, picks the same negatives.
  parallelChunks(n, resolveThreads(options.threads, n / 64 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t q = b; q < e; ++q) {
      Rng rng(seed, static_cast<uint64_t>(options.firstTriple + q));
      const float* fu = final + static_cast<int64_t>(users[q]) * dim;
      for (int32_t k = 0; k < groups; ++k) {
        int32_t best = -1;
        float bestScore = 0;
        for (int32_t c = 0; c < cand; ++c) {
          const int32_t item = sampler.draw(users[q], rng);
          const float s = prefixDot(fu, final + (static_cast<int64_t>(nUsers) + item) * dim, widths[k]);
          if (best < 0 || s > bestScore) best = item, bestScore = s;  // strict: ties keep the first drawn
        }
        negatives[q * groups + k] = best;
      }
    }
  });
}

}  // namespace rf
