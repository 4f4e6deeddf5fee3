// The evaluation driver: blocks of users are scored tile by tile, each tile row goes straight into
// that user's bounded top-K, and metrics are computed from the final ranked lists. Only one
// block x tile of scores exists at a time per worker.
#include "recforge/evaluate.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>

#include "eval_metrics.hpp"
#include "eval_scorers.hpp"
#include "eval_topk.hpp"
#include "eval_validate.hpp"
#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf {

const char* metricName(Metric m) {
  switch (m) {
    case Metric::Precision: return "precision";
    case Metric::Recall: return "recall";
    case Metric::Ndcg: return "ndcg";
    case Metric::HitRate: return "hitrate";
    case Metric::Map: return "map";
    case Metric::Mrr: return "mrr";
  }
  return "unknown";
}

namespace eval {
namespace {

// Per-worker scratch, allocated once per call: one score tile and one top-K per level and user.
struct Workspace {
  std::vector<float> scores;     // levels x kScoreBlockUsers x kScoreTileItems
  std::vector<Candidate> heaps;  // levels x kScoreBlockUsers x maxK
  std::vector<TopK> tops;        // levels x kScoreBlockUsers
};
constexpr int64_t kLevelTile = static_cast<int64_t>(kScoreBlockUsers) * kScoreTileItems;

// Fills `levels` tiles of one block of users x one item tile: tile l at out + l * kLevelTile,
// row stride kScoreTileItems.
using FillTiles = std::function<void(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out)>;

// The driver behind every entry point: one EvalResult per level, each ranked from its own tiles.
std::vector<EvalResult> run(int32_t nItems, int levels, const FillTiles& fill, const EvalSpec& spec,
                            const JobControl& ctl) {
  const Csr& truth = *spec.truth;
  const std::vector<int32_t> users = evaluatedUsers(truth);

  const int64_t nEval = static_cast<int64_t>(users.size());
  const int32_t maxK = *std::max_element(spec.ks.begin(), spec.ks.end());
  const MetricCalculator calc(spec.ks);
  const int slots = calc.slots();
  std::vector<float> flat(static_cast<size_t>(levels) * nEval * slots);  // [level][user][metric][k]

  const int64_t nBlocks = (nEval + kScoreBlockUsers - 1) / kScoreBlockUsers;
  const int workers = resolveThreads(spec.threads, nBlocks);
  std::vector<Workspace> spaces(workers);
  for (auto& ws : spaces) {
    ws.scores.resize(static_cast<size_t>(levels) * kLevelTile);
    ws.heaps.resize(static_cast<size_t>(levels) * kScoreBlockUsers * maxK);
    ws.tops.resize(static_cast<size_t>(levels) * kScoreBlockUsers);
  }
  std::atomic<int64_t> blocksDone{0};

  parallelTasks(nBlocks, workers, [&](int64_t block, int worker) {
    ctl.checkCancelled();
    Workspace& ws = spaces[worker];
    const int64_t begin = block * kScoreBlockUsers;
    const int nu = static_cast<int>(std::min<int64_t>(kScoreBlockUsers, nEval - begin));
    const int32_t* ids = users.data() + begin;
    for (int l = 0; l < levels; ++l)
      for (int r = 0; r < nu; ++r) {
        const int64_t slot = static_cast<int64_t>(l) * kScoreBlockUsers + r;
        ws.tops[slot].reset(ws.heaps.data() + slot * maxK, maxK, RowCursor(spec.mask, ids[r]),
                            RowCursor(spec.extraMask, ids[r]), spec.excludedItems);
      }
    for (int32_t i0 = 0; i0 < nItems; i0 += kScoreTileItems) {
      ctl.checkCancelled();
      const int ni = std::min(kScoreTileItems, nItems - i0);
      fill(ids, nu, i0, ni, ws.scores.data());
      for (int l = 0; l < levels; ++l)
        for (int r = 0; r < nu; ++r)
          offerRow(ws.tops[l * kScoreBlockUsers + r], ws.scores.data() + l * kLevelTile + r * kScoreTileItems, ni, i0);
    }
    for (int l = 0; l < levels; ++l)
      for (int r = 0; r < nu; ++r) {
        TopK& top = ws.tops[l * kScoreBlockUsers + r];
        const int len = top.finish();
        calc.compute(top.ranked(), len, truth.rowBegin(ids[r]), truth.rowEnd(ids[r]),
                     flat.data() + ((l * nEval) + begin + r) * slots);
      }
    ctl.report(static_cast<double>(++blocksDone) / nBlocks);
  });

  std::vector<EvalResult> out(levels);
  for (int l = 0; l < levels; ++l)
    out[l] = collectResult(users, spec.ks, flat.data() + static_cast<int64_t>(l) * nEval * slots);
  return out;
}

EvalResult run(const Scorer& scorer, const EvalSpec& spec, const JobControl& ctl) {
  auto fill = [&](const int32_t* ids, int nu, int32_t i0, int ni, float* out) {
    scorer.score(ids, nu, i0, ni, out, kScoreTileItems);
  };
  return std::move(run(scorer.nItems(), 1, fill, spec, ctl)[0]);
}

}  // namespace
}  // namespace eval

EvalResult evaluateScores(const Scorer& scorer, const EvalSpec& spec, const JobControl& ctl) {
  eval::validateSpec(spec, scorer.nItems());
  return eval::run(scorer, spec, ctl);
}

EvalResult evaluateEmbeddings(const MatrixView& users, const MatrixView& items, const EvalSpec& spec,
                              const JobControl& ctl) {
  eval::validateTables(users, items, spec);
  const eval::DotScorer scorer(users, items, spec.threads);
  return eval::run(scorer, spec, ctl);
}

std::vector<EvalResult> evaluateEmbeddingPrefixes(const MatrixView& users, const MatrixView& items,
                                                  const std::vector<int32_t>& dims, const EvalSpec& spec,
                                                  const JobControl& ctl) {
  eval::validateTables(users, items, spec);
  validatePrefixDims(dims, users.cols, "dims");
  // Only the columns up to the widest prefix are packed and read.
  const eval::DotScorer scorer(users, items, spec.threads, dims.back());
  const int levels = static_cast<int>(dims.size());
  auto fill = [&](const int32_t* ids, int nu, int32_t i0, int ni, float* out) {
    scorer.scorePrefixes(ids, nu, i0, ni, dims.data(), levels, out, kScoreTileItems, eval::kLevelTile);
  };
  return eval::run(items.rows, levels, fill, spec, ctl);
}

EvalResult evaluatePopularity(const Csr& train, const EvalSpec& spec, const JobControl& ctl) {
  if (spec.truth) validateCsr(train, train.rows, spec.truth->cols, "train");
  const eval::ItemScoreScorer scorer(eval::itemDegrees(train));
  return evaluateScores(scorer, spec, ctl);
}

EvalResult evaluateRandom(uint64_t seed, int32_t nItems, const EvalSpec& spec, const JobControl& ctl) {
  if (nItems < 0) fail(code::kInvalidArgument, "evaluate: nItems must be >= 0");
  const eval::RandomScorer scorer(seed, nItems);
  return evaluateScores(scorer, spec, ctl);
}

}  // namespace rf
