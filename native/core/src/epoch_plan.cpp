#include "recforge/epoch_plan.hpp"

#include <algorithm>

#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {

// Stream ids: each random decision has its own stream, keyed by epoch (and batch / block).
enum Stream : uint64_t { kTfUsers = 11, kTorchUsers, kStratShuffle, kTriples, kPairShuffle };

constexpr int64_t kTripleBlock = 1024;  // triples per (positive, negative) random stream

std::vector<int32_t> usersWithItems(const Csr& ui) {
  std::vector<int32_t> out;
  for (int32_t u = 0; u < ui.rows; ++u)
    if (ui.degree(u) > 0) out.push_back(u);
  return out;
}

// Given triples whose user (and, with !drawPositives, positive) is set, draws the rest.
void fillItems(std::vector<BprTriple>& t, const NegativeSampler& neg, const Csr& ui, bool drawPositives, uint64_t seed,
               int64_t epoch, int threads, const JobControl& ctl) {
  const int64_t n = static_cast<int64_t>(t.size());
  const int64_t blocks = (n + kTripleBlock - 1) / kTripleBlock;
  parallelChunks(blocks, resolveThreads(threads, blocks), [&](int64_t b0, int64_t b1, int) {
    for (int64_t b = b0; b < b1; ++b) {
      ctl.checkCancelled();
      Rng rng(seed, hash3(kTriples, static_cast<uint64_t>(epoch), static_cast<uint64_t>(b)));
      for (int64_t k = b * kTripleBlock; k < std::min(n, (b + 1) * kTripleBlock); ++k) {
        const int32_t u = t[k].user;
        if (drawPositives) t[k].pos = ui.rowBegin(u)[rng.below(static_cast<uint64_t>(ui.degree(u)))];
        t[k].neg = neg.draw(u, rng);
      }
    }
  });
}

void cutBatches(EpochPlan& p, int64_t batchSize) {
  const int64_t n = static_cast<int64_t>(p.triples.size());
  p.batchStart.clear();
  for (int64_t s = 0; s < n; s += batchSize) p.batchStart.push_back(s);
  p.batchStart.push_back(n);
}

}  // namespace

EpochPlan planEpoch(const NegativeSampler& negatives, const PositiveSet& positives, EpochKind kind, int32_t batchSize,
                    uint64_t seed, int64_t epoch, int threads, const JobControl& ctl) {
  if (batchSize < 1) fail(code::kInvalidArgument, "batch size must be >= 1");
  const Csr& ui = positives.userItems();
  const int64_t nTrain = ui.nnz();
  if (nTrain == 0) fail(code::kEmpty, "no train interactions to sample from");
  const uint64_t ep = static_cast<uint64_t>(epoch);
  EpochPlan plan;
  auto& t = plan.triples;
  switch (kind) {
    case EpochKind::kTfDistinctUsers: {
      std::vector<int32_t> pool = usersWithItems(ui);
      const int64_t nBatches = nTrain / batchSize + 1;
      const int64_t take = std::min<int64_t>(batchSize, static_cast<int64_t>(pool.size()));
      t.reserve(nBatches * take);
      for (int64_t b = 0; b < nBatches; ++b) {
        // Partial Fisher-Yates: the first `take` slots become a uniform sample without replacement
        // whatever order the pool is left in by the previous batch.
        Rng rng(seed, hash3(kTfUsers, ep, static_cast<uint64_t>(b)));
        plan.batchStart.push_back(static_cast<int64_t>(t.size()));
        for (int64_t k = 0; k < take; ++k) {
          const int64_t j = k + static_cast<int64_t>(rng.below(pool.size() - k));
          std::swap(pool[k], pool[j]);
          t.push_back({pool[k], 0, 0});
        }
      }
      plan.batchStart.push_back(static_cast<int64_t>(t.size()));
      break;
    }
    case EpochKind::kTorchUniformUsers: {
      Rng rng(seed, hash3(kTorchUsers, ep, 0));
      t.reserve(nTrain);
      for (int64_t k = 0; k < nTrain; ++k) {
        const int32_t u = static_cast<int32_t>(rng.below(static_cast<uint64_t>(ui.rows)));
        if (ui.degree(u) > 0) t.push_back({u, 0, 0});
      }
      cutBatches(plan, batchSize);
      break;
    }
    case EpochKind::kTorchStratified: {
      const int64_t perUser = nTrain / std::max(1, ui.rows);
      for (int32_t u = 0; u < ui.rows; ++u)
        if (ui.degree(u) > 0)
          for (int64_t k = 0; k < perUser; ++k) t.push_back({u, 0, 0});
      Rng rng(seed, hash3(kStratShuffle, ep, 0));
      for (int64_t k = static_cast<int64_t>(t.size()) - 1; k > 0; --k) std::swap(t[k], t[rng.below(k + 1)]);
      cutBatches(plan, batchSize);
      break;
    }
    case EpochKind::kShuffledPairs: {
      t.reserve(nTrain);
      for (int32_t u = 0; u < ui.rows; ++u)
        for (const int32_t* i = ui.rowBegin(u); i != ui.rowEnd(u); ++i) t.push_back({u, *i, 0});
      Rng rng(seed, hash3(kPairShuffle, ep, 0));
      for (int64_t k = static_cast<int64_t>(t.size()) - 1; k > 0; --k) std::swap(t[k], t[rng.below(k + 1)]);
      cutBatches(plan, batchSize);
      break;
    }
  }
  ctl.checkCancelled();
  fillItems(t, negatives, ui, kind != EpochKind::kShuffledPairs, seed, epoch, threads, ctl);
  return plan;
}

void dropPartialLastBatch(EpochPlan& plan, int32_t batchSize) {
  const int64_t b = plan.batches();
  if (b > 1 && plan.batchStart[b] - plan.batchStart[b - 1] < batchSize) {
    plan.batchStart.pop_back();
    plan.triples.resize(plan.batchStart.back());
  }
}

}  // namespace rf
