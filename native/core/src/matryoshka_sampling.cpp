#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "recforge/error.hpp"
#include "recforge/matryoshka.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"
#include "recforge/simd.hpp"

namespace rf {

int32_t negativesPerTriple(MatryoshkaMode mode, const MatryoshkaLevels& levels) {
  return mode == MatryoshkaMode::kMns ? static_cast<int32_t>(levels.dims.size()) : 1;
}

namespace {

// The candidates of one triple, drawn group by group, with the cache lines each will be scored on
// requested early: scoring is a random row access per candidate, so drawing triple q + 1 while
// scoring triple q overlaps those memory latencies instead of paying them one by one.
struct Candidates {
  std::vector<int32_t> items;
  void draw(int32_t user, Rng& rng, const NegativeSampler& sampler, const float* itemRows, int32_t dim,
            const int32_t* widths, int32_t groups, int32_t perGroup) {
    items.resize(static_cast<size_t>(groups) * perGroup);
    for (int32_t k = 0; k < groups; ++k) {
      const int32_t lines = (widths[k] * static_cast<int32_t>(sizeof(float)) + 63) / 64;
      for (int32_t c = 0; c < perGroup; ++c) {
        const int32_t item = sampler.draw(user, rng);
        items[k * perGroup + c] = item;
        const char* row = reinterpret_cast<const char*>(itemRows + static_cast<int64_t>(item) * dim);
        for (int32_t l = 0; l < lines; ++l) __builtin_prefetch(row + 64 * l);
      }
    }
  }
};

struct SampleArgs {
  const int32_t* users;
  const NegativeSampler& sampler;
  const float* userRows;
  const float* itemRows;
  int32_t dim;
  const int32_t* widths;
  int32_t groups, perGroup;
  uint64_t seed;
  int64_t firstTriple;
  int32_t* negatives;
};

// Triples [b, e): each group's highest prefix score (strict >: ties keep the first drawn).
RF_HOT_CLONES void sampleRange(const SampleArgs& a, int64_t b, int64_t e) {
  Candidates cur, next;
  auto drawFor = [&](int64_t q, Candidates& out) {
    Rng rng(a.seed, static_cast<uint64_t>(a.firstTriple + q));
    out.draw(a.users[q], rng, a.sampler, a.itemRows, a.dim, a.widths, a.groups, a.perGroup);
  };
  if (b < e) drawFor(b, cur);
  for (int64_t q = b; q < e; ++q) {
    if (q + 1 < e) drawFor(q + 1, next);
    const float* fu = a.userRows + static_cast<int64_t>(a.users[q]) * a.dim;
    for (int32_t k = 0; k < a.groups; ++k) {
      const int32_t* group = cur.items.data() + static_cast<int64_t>(k) * a.perGroup;
      int32_t best = group[0];
      float bestScore = simd::dotPrefix(fu, a.itemRows + static_cast<int64_t>(best) * a.dim, a.widths[k]);
      for (int32_t c = 1; c < a.perGroup; ++c) {
        const float s = simd::dotPrefix(fu, a.itemRows + static_cast<int64_t>(group[c]) * a.dim, a.widths[k]);
        if (s > bestScore) best = group[c], bestScore = s;
      }
      a.negatives[q * a.groups + k] = best;
    }
    std::swap(cur, next);
  }
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
  const SampleArgs args{users,  sampler, final, final + static_cast<int64_t>(nUsers) * dim, dim, widths, groups, cand,
                        hash3(options.seed, options.epoch, kMatryoshkaStreamTag), options.firstTriple, negatives};
  // One stream per triple (not per chunk): the draws depend on the triple alone, so any thread
  // count, and any batching of the same epoch order, picks the same negatives. Blocks are claimed
  // dynamically: on a shared machine a descheduled worker then delays one block, not half the batch.
  constexpr int64_t kBlock = 128;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  parallelTasks(blocks, resolveThreads(options.threads, n / 64 + 1),
                [&](int64_t t, int) { sampleRange(args, t * kBlock, std::min(n, (t + 1) * kBlock)); });
}

}  // namespace rf
