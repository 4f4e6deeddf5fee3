#include "recforge/item_knn.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "eval_topk.hpp"
#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/retrieval.hpp"
#include "recforge/similarity.hpp"
#include "recforge/simd.hpp"

namespace rf {

namespace {
// out[j] = w * <a, rows[j]> for n consecutive rows of width d (the blend's cosine part).
RF_HOT_CLONES void weightedDots(const float* a, const float* rows, int n, int32_t d, float w, float* out) {
  for (int j = 0; j < n; ++j) out[j] = w * simd::dotPrefix(a, rows + static_cast<int64_t>(j) * d, d);
}
}  // namespace

ItemNeighbours itemNeighbours(const MatrixView& items, int32_t k, int threads, const JobControl& ctl) {
  if (k < 1) fail(code::kInvalidArgument, "item neighbours: k must be >= 1");
  const int32_t n = items.rows;
  ItemNeighbours nb;
  nb.lists.rows = nb.lists.cols = n;
  nb.lists.indptr.assign(static_cast<size_t>(n) + 1, 0);
  k = std::min(k, std::max(n - 1, 0));
  if (k == 0) return nb;
  // Cosine = inner product of unit rows; retrieval ranks each item against all, itself excluded.
  const std::vector<float> unit = unitRows(items.data, n, items.cols, threads);
  const Csr self = selfExclusion(n);
  std::vector<int32_t> queries(static_cast<size_t>(n)), ids(static_cast<size_t>(n) * k);
  std::vector<float> sims(ids.size());
  for (int32_t i = 0; i < n; ++i) queries[i] = i;
  RetrievalSpec spec;
  spec.k = k;
  spec.exclude = &self;
  spec.threads = threads;
  const MatrixView u{unit.data(), n, items.cols};
  retrieveTopK(u, u, queries.data(), n, spec, ids.data(), sims.data(), ctl);
  // Re-sort each list by neighbour id for the scorer's range lookups.
  std::vector<std::pair<int32_t, float>> row;
  for (int32_t i = 0; i < n; ++i) {
    row.clear();
    for (int32_t r = 0; r < k; ++r)
      if (ids[static_cast<int64_t>(i) * k + r] >= 0)
        row.emplace_back(ids[static_cast<int64_t>(i) * k + r], sims[static_cast<int64_t>(i) * k + r]);
    std::sort(row.begin(), row.end());
    for (const auto& e : row) nb.lists.indices.push_back(e.first), nb.sims.push_back(e.second);
    nb.lists.indptr[i + 1] = static_cast<int64_t>(nb.lists.indices.size());
  }
  return nb;
}

KnnBlendScorer::KnnBlendScorer(const ItemNeighbours& neighbours, const Csr& history, const MatrixView& unitUsers,
                               const MatrixView& unitItems, double wUser, double wItem)
    : nb_(neighbours), history_(history), users_(unitUsers), items_(unitItems) {
  if (!std::isfinite(wUser) || !std::isfinite(wItem) || wUser < 0 || wItem < 0 || !(wUser + wItem > 0))
    fail(code::kInvalidArgument, "knn blend weights must be finite, >= 0 and not both 0");
  if (history.cols != nb_.lists.rows) fail(code::kShape, "knn: history and neighbour lists disagree on items");
  if (wUser > 0 && (users_.rows != history.rows || items_.rows != history.cols || users_.cols != items_.cols))
    fail(code::kShape, "knn blend: unit tables disagree with the history");
  wUser_ = static_cast<float>(wUser / (wUser + wItem));
  wItem_ = static_cast<float>(wItem / (wUser + wItem));
}

void KnnBlendScorer::score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const {
  const int32_t itemEnd = itemBegin + ni;
  for (int r = 0; r < nu; ++r) {
    float* row = out + r * ld;
    const int32_t u = users[r];
    if (wUser_ > 0) {
      weightedDots(users_.data + static_cast<int64_t>(u) * users_.cols, items_.data + static_cast<int64_t>(itemBegin) * items_.cols,
                   ni, users_.cols, wUser_, row);
    } else {
      std::fill(row, row + ni, 0.0f);
    }
    const int32_t deg = history_.degree(u);
    if (deg == 0) continue;
    // Mean over the history of each neighbour list's entries that fall in this tile.
    const float w = wItem_ / static_cast<float>(deg);
    for (const int32_t* h = history_.rowBegin(u); h != history_.rowEnd(u); ++h) {
      const int32_t* b = nb_.lists.rowBegin(*h);
      const int32_t* e = nb_.lists.rowEnd(*h);
      const int32_t* p = std::lower_bound(b, e, itemBegin);
      for (; p != e && *p < itemEnd; ++p) row[*p - itemBegin] += w * nb_.sims[p - nb_.lists.indices.data()];
    }
  }
}

void topKOfScorer(const Scorer& scorer, const int32_t* queries, int64_t n, int32_t k, const Csr* exclude,
                  int32_t* outItems, float* outScores, int threads, const JobControl& ctl) {
  if (k < 1) fail(code::kInvalidArgument, "top-k: k must be >= 1");
  const int32_t items = scorer.nItems();
  parallelChunks(n, resolveThreads(threads, n), [&](int64_t q0, int64_t q1, int) {
    std::vector<float> row(static_cast<size_t>(items));
    std::vector<eval::Candidate> cand;
    for (int64_t q = q0; q < q1; ++q) {
      if (ctl.isCancelled()) return;
      for (int32_t b = 0; b < items; b += kScoreTileItems)
        scorer.score(queries + q, 1, b, std::min(kScoreTileItems, items - b), row.data() + b, 0);
      cand.clear();
      eval::RowCursor skip(exclude, queries[q]);
      for (int32_t j = 0; j < items; ++j) {
        if (skip.contains(j)) continue;
        const float s = std::isnan(row[j]) ? -std::numeric_limits<float>::infinity() : row[j];
        cand.push_back({s, j});
      }
      const size_t keep = std::min(cand.size(), static_cast<size_t>(k));
      std::partial_sort(cand.begin(), cand.begin() + keep, cand.end(), eval::Better{});
      for (int32_t r = 0; r < k; ++r) {
        const bool has = static_cast<size_t>(r) < keep;
        outItems[q * k + r] = has ? cand[r].item : -1;
        outScores[q * k + r] = has ? cand[r].score : -std::numeric_limits<float>::infinity();
      }
    }
  });
  ctl.checkCancelled();
}

}  // namespace rf
