// planIncremental: the epochs of a model's partialFit (see epoch_plan.hpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "recforge/epoch_plan.hpp"
#include "recforge/error.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {
enum Stream : uint64_t { kIncremental = 31 };
}  // namespace

EpochPlan planIncremental(const NegativeSampler& negatives, const PositiveSet& positives, const int32_t* users,
                          const int32_t* items, int64_t n, double replay, int32_t batchSize, uint64_t seed,
                          int64_t epoch) {
  const Csr& ui = positives.userItems();
  if (batchSize < 1) fail(code::kInvalidArgument, "batchSize must be >= 1");
  if (!std::isfinite(replay) || replay < 0 || replay > 1e6) fail(code::kInvalidArgument, "replay must be in [0, 1e6]");
  for (int64_t q = 0; q < n; ++q)
    if (users[q] < 0 || users[q] >= ui.rows || items[q] < 0 || items[q] >= ui.cols)
      fail(code::kOutOfRange, "pair " + std::to_string(q) + " (" + std::to_string(users[q]) + ", " +
                                  std::to_string(items[q]) + ") is outside " + std::to_string(ui.rows) + " x " +
                                  std::to_string(ui.cols));
  const int64_t old = ui.nnz() > 0 ? static_cast<int64_t>(std::llround(replay * static_cast<double>(n))) : 0;
  Rng rng(seed, hash3(kIncremental, static_cast<uint64_t>(epoch), 0));
  EpochPlan plan;
  plan.triples.reserve(n + old);
  for (int64_t q = 0; q < n; ++q) plan.triples.push_back({users[q], items[q], 0});
  for (int64_t q = 0; q < old; ++q) {
    const auto e = static_cast<int64_t>(rng.below(static_cast<uint64_t>(ui.nnz())));
    const auto u = static_cast<int32_t>(std::upper_bound(ui.indptr.begin(), ui.indptr.end(), e) - ui.indptr.begin() - 1);
    plan.triples.push_back({u, ui.indices[e], 0});
  }
  for (BprTriple& t : plan.triples) t.neg = negatives.draw(t.user, rng);
  for (int64_t q = static_cast<int64_t>(plan.triples.size()) - 1; q > 0; --q)
    std::swap(plan.triples[q], plan.triples[rng.below(static_cast<uint64_t>(q + 1))]);
  const int64_t total = static_cast<int64_t>(plan.triples.size());
  for (int64_t b = 0; b < total; b += batchSize) plan.batchStart.push_back(b);
  plan.batchStart.push_back(total);
  return plan;
}

}  // namespace rf
