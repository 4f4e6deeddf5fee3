// Serving-time top-k: blocks of queries are scored tile by tile with the evaluator's packed
// micro-kernel (on the prefix columns only) and fed into bounded top-K heaps; with a shortlist the
// survivors are rescored at full width and re-ranked.
#include "recforge/retrieval.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "eval_scorers.hpp"
#include "eval_topk.hpp"
#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf {

namespace {

using eval::Candidate;

// Full-width scores of one user against a list of items, eight items per vector. Each lane runs
// acc += u[p] * v[p] for p ascending, the evaluator micro-kernel's exact operation sequence, so a
// reranked score equals the exact path's score bit for bit (and exact and coarse-to-fine results
// agree wherever the shortlist holds the exact top-k). `panel` is scratch of width * 8 floats.
RF_HOT_CLONES void rescore(const float* u, const float* items, int32_t width, Candidate* cands, int n, float* panel) {
  constexpr int kL = simd::kLanes;
  for (int g = 0; g < n; g += kL) {
    const int m = std::min(kL, n - g);
    for (int j = 0; j < kL; ++j) {
      const float* v = j < m ? items + static_cast<int64_t>(cands[g + j].item) * width : nullptr;
      for (int32_t p = 0; p < width; ++p) panel[p * kL + j] = v ? v[p] : 0.0f;
    }
    simd::f32x8 acc{};
    for (int32_t p = 0; p < width; ++p) acc += u[p] * simd::load8(panel + p * kL);
    for (int j = 0; j < m; ++j) cands[g + j].score = acc[j] != acc[j] ? -INFINITY : acc[j];
  }
}

struct Workspace {
  std::vector<float> scores;     // kScoreBlockUsers x kScoreTileItems
  std::vector<Candidate> heaps;  // kScoreBlockUsers x capacity
  std::vector<eval::TopK> tops;  // kScoreBlockUsers
  std::vector<float> panel;      // rescore scratch
};

}  // namespace

void validateRetrieval(const RetrievalSpec& spec, int32_t width) {
  if (spec.k < 1) fail(code::kInvalidArgument, "k = " + std::to_string(spec.k) + " must be >= 1");
  if (spec.dim < 0 || spec.dim > width)
    fail(code::kInvalidArgument, "dim = " + std::to_string(spec.dim) + " must be in [1, " + std::to_string(width) +
                                     "] (the embedding width)");
  if (spec.shortlist < 0 || (spec.shortlist > 0 && spec.shortlist < spec.k))
    fail(code::kInvalidArgument, "shortlist = " + std::to_string(spec.shortlist) + " must be >= k = " +
                                     std::to_string(spec.k));
  if (spec.threads < 0) fail(code::kInvalidArgument, "threads must be >= 0");
}

void retrieveTopK(const MatrixView& users, const MatrixView& items, const int32_t* queries, int64_t n,
                  const RetrievalSpec& spec, int32_t* outItems, float* outScores, const JobControl& ctl) {
  if (users.cols != items.cols)
    fail(code::kShape, "retrieve: user dim " + std::to_string(users.cols) + " != item dim " + std::to_string(items.cols));
  if (users.cols < 1) fail(code::kShape, "retrieve: embeddings must have at least one column");
  validateRetrieval(spec, users.cols);
  if (spec.exclude && (spec.exclude->rows != users.rows || spec.exclude->cols != items.rows))
    fail(code::kShape, "retrieve: exclude is " + std::to_string(spec.exclude->rows) + " x " +
                           std::to_string(spec.exclude->cols) + ", expected " + std::to_string(users.rows) + " x " +
                           std::to_string(items.rows));
  for (int64_t q = 0; q < n; ++q)
    if (queries[q] < 0 || queries[q] >= users.rows)
      fail(code::kOutOfRange, "retrieve: queries[" + std::to_string(q) + "] = " + std::to_string(queries[q]) +
                                  " is outside [0, " + std::to_string(users.rows) + ")");

  const int32_t k = spec.k, width = users.cols, nItems = items.rows;
  std::fill(outItems, outItems + n * k, -1);
  std::fill(outScores, outScores + n * k, -std::numeric_limits<float>::infinity());
  const bool rerank = spec.shortlist > 0;
  const int32_t cap = std::min(rerank ? spec.shortlist : k, nItems);
  if (n == 0 || cap == 0) return;

  // Only the prefix columns are packed: the coarse pass reads d/width of the item table.
  const eval::DotScorer scorer(users, items, spec.threads, spec.dim == 0 ? width : spec.dim);
  const int64_t nBlocks = (n + kScoreBlockUsers - 1) / kScoreBlockUsers;
  const int workers = resolveThreads(spec.threads, nBlocks);
  std::vector<Workspace> spaces(workers);
  for (auto& ws : spaces) {
    ws.scores.resize(static_cast<size_t>(kScoreBlockUsers) * kScoreTileItems);
    ws.heaps.resize(static_cast<size_t>(kScoreBlockUsers) * cap);
    ws.tops.resize(kScoreBlockUsers);
    if (rerank) ws.panel.resize(static_cast<size_t>(width) * simd::kLanes);
  }
  std::atomic<int64_t> done{0};
  parallelTasks(nBlocks, workers, [&](int64_t block, int worker) {
    ctl.checkCancelled();
    Workspace& ws = spaces[worker];
    const int64_t begin = block * kScoreBlockUsers;
    const int nu = static_cast<int>(std::min<int64_t>(kScoreBlockUsers, n - begin));
    const int32_t* ids = queries + begin;
    for (int r = 0; r < nu; ++r)
      ws.tops[r].reset(ws.heaps.data() + static_cast<int64_t>(r) * cap, cap, eval::RowCursor(spec.exclude, ids[r]),
                       eval::RowCursor());
    for (int32_t i0 = 0; i0 < nItems; i0 += kScoreTileItems) {
      const int ni = std::min(kScoreTileItems, nItems - i0);
      scorer.score(ids, nu, i0, ni, ws.scores.data(), kScoreTileItems);
      for (int r = 0; r < nu; ++r) eval::offerRow(ws.tops[r], ws.scores.data() + r * kScoreTileItems, ni, i0);
    }
    for (int r = 0; r < nu; ++r) {
      const int len = ws.tops[r].finish();
      // finish() sorted the heap in place; its storage is ours to rescore and re-rank.
      Candidate* c = ws.heaps.data() + static_cast<int64_t>(r) * cap;
      const int take = std::min<int>(len, k);
      if (rerank) {
        rescore(users.data + static_cast<int64_t>(ids[r]) * width, items.data, width, c, len, ws.panel.data());
        std::partial_sort(c, c + take, c + len, eval::Better{});
      }
      const int64_t row = (begin + r) * k;
      for (int t = 0; t < take; ++t) outItems[row + t] = c[t].item, outScores[row + t] = c[t].score;
    }
    ctl.report(static_cast<double>(++done) / nBlocks);
  });
}

}  // namespace rf
