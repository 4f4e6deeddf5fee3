// The evaluation driver: blocks of users are scored tile by tile, each tile row goes straight into
// that user's bounded top-K, and metrics are computed from the final ranked lists. Only one
// block x tile of scores exists at a time per worker.
#include "recforge/evaluate.hpp"

#include <algorithm>
#include <atomic>
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

// Offers one user's tile row (items itemBegin..itemBegin+n-1) to its top-K. Once the heap is
// full, 64-score chunks whose maximum cannot beat the threshold are skipped with a few vector
// ops; that is the common case after the first tiles, so selection costs far less than scoring.
RF_HOT_CLONES void offerRow(TopK& top, const float* row, int n, int32_t itemBegin) {
  int j = 0;
  for (; j < n && !top.full(); ++j) top.offer(row[j], itemBegin + j);
  for (; j + 64 <= n; j += 64) {
    const float thr = top.threshold();
    simd::f32x8 m = simd::splat8(thr);  // start from thr so NaN scores can never poison the max
    for (int c = 0; c < 64; c += simd::kLanes) m = simd::maxKeep(simd::load8(row + j + c), m);
    if (simd::hmax8(m) > thr)
      for (int t = 0; t < 64; ++t) top.offer(row[j + t], itemBegin + j + t);
  }
  for (; j < n; ++j) top.offer(row[j], itemBegin + j);
}

// Per-worker scratch, allocated once per call.
struct Workspace {
  std::vector<float> scores;     // kScoreBlockUsers x kScoreTileItems
  std::vector<Candidate> heaps;  // kScoreBlockUsers x maxK
  TopK tops[kScoreBlockUsers];
};

EvalResult run(const Scorer& scorer, const EvalSpec& spec, const JobControl& ctl) {
  const Csr& truth = *spec.truth;
  const int32_t nItems = scorer.nItems();
  EvalResult res;
  res.ks = spec.ks;
  for (int32_t u = 0; u < truth.rows; ++u)
    if (truth.degree(u) > 0) res.users.push_back(u);
  if (res.users.empty()) fail(code::kEmpty, "evaluate: no user has a relevant item");

  const int64_t nEval = static_cast<int64_t>(res.users.size());
  const int32_t maxK = *std::max_element(spec.ks.begin(), spec.ks.end());
  const MetricCalculator calc(spec.ks);
  const int slots = calc.slots();
  std::vector<float> flat(static_cast<size_t>(nEval) * slots);  // [user][metric][k]

  const int64_t nBlocks = (nEval + kScoreBlockUsers - 1) / kScoreBlockUsers;
  const int workers = resolveThreads(spec.threads, nBlocks);
  std::vector<Workspace> spaces(workers);
  for (auto& ws : spaces) {
    ws.scores.resize(static_cast<size_t>(kScoreBlockUsers) * kScoreTileItems);
    ws.heaps.resize(static_cast<size_t>(kScoreBlockUsers) * maxK);
  }
  std::atomic<int64_t> blocksDone{0};

  parallelTasks(nBlocks, workers, [&](int64_t block, int worker) {
    ctl.checkCancelled();
    Workspace& ws = spaces[worker];
    const int64_t begin = block * kScoreBlockUsers;
    const int nu = static_cast<int>(std::min<int64_t>(kScoreBlockUsers, nEval - begin));
    const int32_t* ids = res.users.data() + begin;
    for (int r = 0; r < nu; ++r)
      ws.tops[r].reset(ws.heaps.data() + static_cast<int64_t>(r) * maxK, maxK, RowCursor(spec.mask, ids[r]),
                       RowCursor(spec.extraMask, ids[r]));
    for (int32_t i0 = 0; i0 < nItems; i0 += kScoreTileItems) {
      ctl.checkCancelled();
      const int ni = std::min(kScoreTileItems, nItems - i0);
      scorer.score(ids, nu, i0, ni, ws.scores.data(), kScoreTileItems);
      for (int r = 0; r < nu; ++r) offerRow(ws.tops[r], ws.scores.data() + r * kScoreTileItems, ni, i0);
    }
    for (int r = 0; r < nu; ++r) {
      const int len = ws.tops[r].finish();
      calc.compute(ws.tops[r].ranked(), len, truth.rowBegin(ids[r]), truth.rowEnd(ids[r]),
                   flat.data() + (begin + r) * slots);
    }
    ctl.report(static_cast<double>(++blocksDone) / nBlocks);
  });

  // Transpose to [metric][k][user]; means are summed in user order, so they do not depend on threads.
  const size_t nk = spec.ks.size();
  res.perUser.assign(kMetricCount, std::vector<std::vector<float>>(nk, std::vector<float>(nEval)));
  res.mean.assign(kMetricCount, std::vector<double>(nk, 0.0));
  for (int m = 0; m < kMetricCount; ++m)
    for (size_t k = 0; k < nk; ++k) {
      auto& dst = res.perUser[m][k];
      double sum = 0;
      for (int64_t u = 0; u < nEval; ++u) sum += dst[u] = flat[u * slots + m * nk + k];
      res.mean[m][k] = sum / static_cast<double>(nEval);
    }
  return res;
}

}  // namespace
}  // namespace eval

EvalResult evaluateScores(const Scorer& scorer, const EvalSpec& spec, const JobControl& ctl) {
  eval::validateSpec(spec, scorer.nItems());
  return eval::run(scorer, spec, ctl);
}

EvalResult evaluateEmbeddings(const MatrixView& users, const MatrixView& items, const EvalSpec& spec,
                              const JobControl& ctl) {
  if (users.cols != items.cols)
    fail(code::kShape, "evaluate: user dim " + std::to_string(users.cols) + " != item dim " +
                           std::to_string(items.cols));
  if (spec.truth && users.rows != spec.truth->rows)
    fail(code::kShape, "evaluate: " + std::to_string(users.rows) + " user rows for " +
                           std::to_string(spec.truth->rows) + " users");
  eval::validateSpec(spec, items.rows);
  eval::validateEmbeddings(users, "user embeddings");
  eval::validateEmbeddings(items, "item embeddings");
  const eval::DotScorer scorer(users, items, spec.threads);
  return eval::run(scorer, spec, ctl);
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
