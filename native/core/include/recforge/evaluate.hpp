// Full-ranking top-K evaluation: every evaluated user is scored against every item, masked items
// are excluded, and ranking metrics are computed at each cutoff (ALGORITHMS.md section 2).
// Scores are produced in cache-sized tiles and fed straight into a per-user bounded top-K, so the
// users x items score matrix never exists in memory.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/job.hpp"

namespace rf {

enum class Metric : int { Precision = 0, Recall, Ndcg, HitRate, Map, Mrr };
inline constexpr int kMetricCount = 6;
// Stable lower-case names ("precision", "recall", "ndcg", "hitrate", "map", "mrr").
const char* metricName(Metric m);

// A dense row-major float32 matrix owned by someone else.
struct MatrixView {
  const float* data = nullptr;
  int32_t rows = 0;
  int32_t cols = 0;
};

// What to evaluate against. Users are the rows of `truth`; users with an empty truth row are
// skipped. Items in `mask` or `extraMask` (e.g. train, and validation when testing) are never
// recommended, and neither is any item i with excludedItems[i] != 0 (when given: nItems flags, the
// same for every user, e.g. items with no train interaction). Cutoffs must be distinct and in
// [1, nItems].
struct EvalSpec {
  const Csr* truth = nullptr;      // required: relevant items per user
  const Csr* mask = nullptr;       // optional
  const Csr* extraMask = nullptr;  // optional
  std::vector<int32_t> ks;
  int threads = 0;  // 0 = all cores
  const uint8_t* excludedItems = nullptr;  // optional, nItems flags
};

struct EvalResult {
  std::vector<int32_t> users;  // evaluated user ids, ascending
  std::vector<int32_t> ks;     // the cutoffs, in the order given
  // perUser[metric][k index][position in `users`]
  std::vector<std::vector<std::vector<float>>> perUser;
  std::vector<std::vector<double>> mean;  // mean[metric][k index], unweighted over `users`

  const std::vector<float>& values(Metric m, size_t kIndex) const { return perUser[int(m)][kIndex]; }
  double meanOf(Metric m, size_t kIndex) const { return mean[int(m)][kIndex]; }
};

// The source of scores for the evaluator. Higher is better; ties rank the lower item id first.
// A NaN score ranks like -inf.
class Scorer {
 public:
  virtual ~Scorer() = default;
  virtual int32_t nItems() const = 0;
  // out[r * ld + j] = score(users[r], itemBegin + j) for r < nu, j < ni. The evaluator only asks
  // for tiles with itemBegin a multiple of kScoreTileItems and nu <= kScoreBlockUsers. Called from
  // several threads at once; a score must depend only on (user, item), never on the tile.
  virtual void score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const = 0;
};
inline constexpr int kScoreBlockUsers = 48;   // users per work item (a multiple of every kernel's row block)
inline constexpr int kScoreTileItems = 512;  // items per tile: the block's scores stay in L2

// The generic path: any scorer, same masking, top-K and metrics.
EvalResult evaluateScores(const Scorer& scorer, const EvalSpec& spec, const JobControl& ctl = {});

// Inner-product recommender: score(u, i) = <users[u], items[i]>. Throws E_SHAPE when the rows
// disagree with truth/masks or the dims differ, E_NONFINITE for NaN/Inf embeddings.
EvalResult evaluateEmbeddings(const MatrixView& users, const MatrixView& items, const EvalSpec& spec,
                              const JobControl& ctl = {});

// Every prefix width in one pass (nested "Matryoshka" embeddings): result l ranks items by
// <users[u][:dims[l]], items[i][:dims[l]]>. Each block of users x tile of items is scored once,
// level l's scores extending level l-1's by the columns [dims[l-1], dims[l]), so the cost is one
// evaluation at dims.back() plus one top-K per level. Result l is bit-identical to
// evaluateEmbeddings on the tables truncated to dims[l] columns (same summation order).
// E_INVALID_ARG for dims that are empty, not strictly increasing or outside [1, dim]; otherwise
// the errors of evaluateEmbeddings.
std::vector<EvalResult> evaluateEmbeddingPrefixes(const MatrixView& users, const MatrixView& items,
                                                  const std::vector<int32_t>& dims, const EvalSpec& spec,
                                                  const JobControl& ctl = {});

// Checks prefix widths: non-empty, strictly increasing, each in [1, dim]. E_INVALID_ARG naming
// `what` otherwise.
void validatePrefixDims(const std::vector<int32_t>& dims, int32_t dim, const char* what);

// Baselines through the same path. Popularity: score(u, i) = train degree of item i.
// Random: a seeded uniform score per (user, item), independent of threads and tiling.
EvalResult evaluatePopularity(const Csr& train, const EvalSpec& spec, const JobControl& ctl = {});
EvalResult evaluateRandom(uint64_t seed, int32_t nItems, const EvalSpec& spec, const JobControl& ctl = {});

// Checks the CSR invariants the evaluator relies on (offsets, ascending unique ids in [0, cols)),
// and that its shape is rows x cols. `what` names the argument in the message.
void validateCsr(const Csr& a, int32_t rows, int32_t cols, const char* what);

}  // namespace rf
