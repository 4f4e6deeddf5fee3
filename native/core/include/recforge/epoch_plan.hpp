// What one BPR epoch is: the (user, positive, negative) triples and their mini-batches, for the
// three definitions of the LightGCN reference code (ALGORITHMS.md Part A 1.5). Positives are
// uniform over the user's train items; negatives come from a NegativeSampler.
//
// Deterministic: the result depends only on (data, seed, epoch), not on `threads` (user draws are
// sequential per batch; positives/negatives use one random stream per block of triples).
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/bpr.hpp"
#include "recforge/job.hpp"
#include "recforge/negative_sampler.hpp"

namespace rf {

enum class EpochKind {
  // TF (paper code): floor(n_train / B) + 1 batches, each of B distinct users drawn uniformly
  // without replacement from the users that have train items (all of them if fewer than B).
  kTfDistinctUsers,
  // PyTorch, Python sampler: n_train users drawn uniformly with replacement from all M users,
  // users without train items skipped, cut into batches of B (the last one partial). The
  // reference then shuffles the triples; they are i.i.d., so the shuffle changes nothing in
  // distribution and is not done.
  kTorchUniformUsers,
  // PyTorch, C++ extension: every user with train items gets floor(n_train / M) triples; all
  // triples shuffled, then cut into batches of B.
  kTorchStratified,
  // MRL4Rec reference (a PyTorch DataLoader over the train pairs): every train (user, positive)
  // pair exactly once, in a seeded shuffled order, cut into batches of B; one uniform negative
  // each (objectives with their own negatives, like Matryoshka sampling, ignore it).
  kShuffledPairs,
};

struct EpochPlan {
  std::vector<BprTriple> triples;
  std::vector<int64_t> batchStart;  // batches() + 1 offsets into triples
  int64_t batches() const { return static_cast<int64_t>(batchStart.size()) - 1; }
};

EpochPlan planEpoch(const NegativeSampler& negatives, const PositiveSet& positives, EpochKind kind, int32_t batchSize,
                    uint64_t seed, int64_t epoch, int threads, const JobControl& ctl = {});

// One epoch of incremental training (a model's partialFit): every new pair (users[q], items[q])
// once, plus round(replay * n) pairs drawn uniformly from all train pairs of `positives` (the new
// ones included) so the rest of the model keeps being fitted while the new rows move; each
// triple with a negative from `negatives`, all shuffled, in batches of `batchSize`. Seeded by
// (seed, epoch). E_OUT_OF_RANGE for a pair outside the matrix, E_INVALID_ARG for a bad replay or
// batchSize.
EpochPlan planIncremental(const NegativeSampler& negatives, const PositiveSet& positives, const int32_t* users,
                          const int32_t* items, int64_t n, double replay, int32_t batchSize, uint64_t seed,
                          int64_t epoch);

// Removes a last batch shorter than `batchSize` (DataLoader's drop_last), unless it is the only
// batch: an epoch with no step at all would silently train nothing on a small dataset.
void dropPartialLastBatch(EpochPlan& plan, int32_t batchSize);

}  // namespace rf
