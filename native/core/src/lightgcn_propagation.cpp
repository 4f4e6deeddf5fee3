#include "recforge/lightgcn_propagation.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "graph_pull.hpp"
#include "recforge/error.hpp"
#include "recforge/parallel.hpp"

namespace rf {

namespace {

constexpr int8_t kFar = 127;      // not within the hops computed so far
constexpr int64_t kBlockRows = 256;  // rows per scheduled task: 64 KiB of output at dim 64

// Adds the seconds since the last lap to `slot` (the phase breakdown, PropagationTimes).
struct Lap {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
  void operator()(double& slot) {
    const auto now = std::chrono::steady_clock::now();
    slot += std::chrono::duration<double>(now - at).count();
    at = now;
  }
};

// Runs fn(rows, n, worker) over consecutive blocks of `rows` with dynamic scheduling (row degrees
// vary a lot). Results are per row, so they do not depend on which worker ran a block.
template <class Fn>
void forBlocks(const std::vector<int32_t>& rows, int threads, Fn&& fn, int64_t blockRows = kBlockRows) {
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t blocks = (n + blockRows - 1) / blockRows;
  if (blocks == 0) return;
  parallelTasks(blocks, resolveThreads(threads, blocks), [&](int64_t b, int worker) {
    const int64_t begin = b * blockRows;
    fn(rows.data() + begin, std::min(blockRows, n - begin), worker);
  });
}

// Rows per task for the batch rows' last layer: a few thousand rows, among them the most popular
// items (thousands of edges each), so 256-row blocks left one thread finishing a heavy block alone.
constexpr int64_t kTopBlockRows = 16;

}  // namespace

LightGcnPropagation::LightGcnPropagation(const BipartiteGraph& g, int32_t dim, int32_t layers, int threads,
                                         const int32_t* neighbourRank)
    : g_(g), rank_(neighbourRank), rows_(static_cast<int64_t>(g.nUsers()) + g.nItems()), dim_(dim), layers_(layers),
      threads_(threads) {
  if (dim < 1) fail(code::kInvalidArgument, "dim must be >= 1");
  if (layers < 0 || layers > 64) fail(code::kInvalidArgument, "layers must be in [0, 64]");
  if (g.userNorm.size() != g.userItems.indices.size() || g.itemNorm.size() != g.itemUsers.indices.size())
    fail(code::kShape, "graph normalization does not match its edges");
  threads_ = resolveThreads(threads, 1 << 30);
  const size_t table = static_cast<size_t>(rows_) * dim;
  layer_.resize(std::max(0, layers - 1));
  for (auto& l : layer_) l.resize(table);
  if (layers > 0) h0_.resize(table);
  level_.assign(rows_, kFar);
}

void LightGcnPropagation::computeLevels(const int32_t* set, int64_t n, int32_t maxHop) {
  if (set) {  // a new set: restart from hop 0
    allLevelZero_ = n == rows_;  // sorted + unique + n == rows: every row
    std::fill(level_.begin(), level_.end(), allLevelZero_ ? 0 : kFar);
    for (int64_t q = 0; q < n; ++q) level_[set[q]] = 0;
    setRows_.assign(set, set + n);
    levelsComputed_ = 0;
    withinDone_.assign(withinDone_.size(), 0);  // the lists keep their capacity
    setEdgesValid_ = false;
    if (!allLevelZero_ && layers_ >= 2) {
      buildSetEdges();  // also marks hop 1
      levelsComputed_ = 1;
    }
  }
  if (allLevelZero_) {
    levelsComputed_ = std::max(levelsComputed_, maxHop);
    return;
  }
  const int32_t m = g_.nUsers();
  for (int32_t hop = levelsComputed_ + 1; hop <= maxHop; ++hop) {
    // Users read only item levels and items only user levels, so the two passes never race, and
    // a row marked `hop` in the first pass is not mistaken for a hop-1 row in the second.
    auto expand = [&](int64_t first, int64_t count) {
      const int64_t chunks = resolveThreads(threads_, count);
      parallelChunks(count, static_cast<int>(chunks), [&](int64_t b, int64_t e, int) {
        for (int64_t r = first + b; r < first + e; ++r) {
          if (level_[r] != kFar) continue;
          const bool isUser = r < m;
          const Csr& a = isUser ? g_.userItems : g_.itemUsers;
          const int64_t row = isUser ? r : r - m, base = isUser ? m : 0;
          for (int64_t k = a.indptr[row]; k < a.indptr[row + 1]; ++k)
            if (level_[base + a.indices[k]] < hop) {
              level_[r] = static_cast<int8_t>(hop);
              break;
            }
        }
      });
    };
    expand(0, m);
    expand(m, g_.nItems());
    levelsComputed_ = hop;
  }
}

// The edges leaving the set, grouped by destination (counting sort). Sources are visited in
// ascending neighbour-rank order, which is the order every CSR row lists its neighbours in, so
// each destination's entries come out in CSR order. Every destination is within 1 hop.
//
// Parallel counting sort: the rank-ordered sources are cut into `parts` contiguous pieces of about
// equal edge counts (most edges come from the batch's popular items, so a split by side would leave
// one thread with nearly all of them). Each part counts its edges per destination in its own
// array; a pass over the rows turns the counts into per-part cursors (part p's entries of row r
// follow those of parts < p, i.e. of lower-ranked sources), and each part fills its own entries.
// The layout is exactly the sequential one, whatever the number of parts.
void LightGcnPropagation::buildSetEdges() {
  const int32_t m = g_.nUsers();
  const int64_t n = static_cast<int64_t>(setRows_.size());
  setOrder_.resize(n);
  if (rank_) {  // the set is sorted by row id; CSR rows by rank (users still before items)
    // Ranks are a permutation of [0, rows): a rank-indexed table (kept at -1 between calls)
    // orders the set in one pass over the rows instead of a sort.
    if (static_cast<int64_t>(byRank_.size()) != rows_) byRank_.assign(rows_, -1);
    int32_t* at = byRank_.data();
    for (int64_t q = 0; q < n; ++q) at[rank_[setRows_[q]]] = static_cast<int32_t>(q);
    int64_t p = 0;
    for (int64_t k = 0; k < rows_ && p < n; ++k)
      if (at[k] >= 0) setOrder_[p++] = at[k], at[k] = -1;
  } else {
    for (int64_t q = 0; q < n; ++q) setOrder_[q] = static_cast<int32_t>(q);
  }
  // Raw pointers in locals: the level stores are char stores, which may alias anything, so
  // member vectors would be re-read from `this` after every one of them.
  const int32_t* rowsOfSet = setRows_.data();
  const int32_t* order = setOrder_.data();
  const int64_t* uiPtr = g_.userItems.indptr.data();
  const int64_t* iuPtr = g_.itemUsers.indptr.data();
  const int32_t* uiIdx = g_.userItems.indices.data();
  const int32_t* iuIdx = g_.itemUsers.indices.data();
  const float* uiW = g_.userNorm.data();
  const float* iuW = g_.itemNorm.data();
  // Source p of the rank order: its CSR range and the offset of its neighbours' global rows.
  auto source = [&](int64_t p, int64_t& b, int64_t& e) -> int64_t {
    const int32_t r = rowsOfSet[order[p]];
    if (r < m) {
      b = uiPtr[r], e = uiPtr[r + 1];
      return m;
    }
    b = iuPtr[r - m], e = iuPtr[r - m + 1];
    return 0;
  };
  // Parts of about equal edge counts (an edge prefix over the rank order).
  const int parts = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({threads_, n, 64})));
  partStart_.assign(parts + 1, n);
  partStart_[0] = 0;
  {
    int64_t total = 0;
    for (int64_t p = 0; p < n; ++p) {
      int64_t b, e;
      source(p, b, e);
      total += e - b;
    }
    int64_t acc = 0;
    int next = 1;
    for (int64_t p = 0; p < n && next < parts; ++p) {
      while (next < parts && acc * parts >= total * next) partStart_[next++] = p;
      int64_t b, e;
      source(p, b, e);
      acc += e - b;
    }
  }
  const int64_t* start = partStart_.data();
  if (partCursor_.size() < static_cast<size_t>(parts)) partCursor_.resize(parts);
  auto eachPart = [&](auto&& fn) {
    parallelChunks(parts, parts, [&](int64_t p0, int64_t p1, int) {
      for (int64_t part = p0; part < p1; ++part) fn(static_cast<int>(part));
    });
  };
  eachPart([&](int part) {
    std::vector<int64_t>& cnt = partCursor_[part];
    cnt.assign(rows_, 0);
    int64_t* c = cnt.data();
    for (int64_t p = start[part]; p < start[part + 1]; ++p) {
      int64_t b, e;
      const int64_t base = source(p, b, e);
      const int32_t* idx = base == m ? uiIdx : iuIdx;
      for (int64_t k = b; k < e; ++k) ++c[base + idx[k]];
    }
  });
  setOff_.resize(rows_ + 1);
  int64_t* off = setOff_.data();
  int8_t* level = level_.data();
  int64_t* cur[64];
  const int used = parts;
  for (int part = 0; part < used; ++part) cur[part] = partCursor_[part].data();
  off[0] = 0;
  for (int64_t r = 0; r < rows_; ++r) {
    int64_t at = off[r];
    for (int part = 0; part < used; ++part) {
      const int64_t k = cur[part][r];
      cur[part][r] = at;
      at += k;
    }
    off[r + 1] = at;
    if (at != off[r] && level[r] == kFar) level[r] = 1;
  }
  setSlot_.resize(off[rows_]);
  setWeight_.resize(off[rows_]);
  int32_t* slot = setSlot_.data();
  float* weight = setWeight_.data();
  eachPart([&](int part) {
    int64_t* c = partCursor_[part].data();
    for (int64_t p = start[part]; p < start[part + 1]; ++p) {
      int64_t b, e;
      const int64_t base = source(p, b, e);
      const int32_t* idx = base == m ? uiIdx : iuIdx;
      const float* w = base == m ? uiW : iuW;
      const int32_t q = order[p];
      for (int64_t k = b; k < e; ++k) {
        const int64_t at = c[base + idx[k]]++;
        slot[at] = q;
        weight[at] = w[k];
      }
    }
  });
  setEdgesValid_ = true;
}

const std::vector<int32_t>& LightGcnPropagation::rowsWithin(int32_t hop) {
  if (hop > levelsComputed_) fail(code::kInternal, "hop levels not computed");
  if (within_.size() <= static_cast<size_t>(hop)) within_.resize(hop + 1), withinDone_.resize(hop + 1, 0);
  auto& list = within_[hop];
  if (!withinDone_[hop]) {
    withinDone_[hop] = 1;
    list.resize(rows_);
    int64_t count = 0;
    const int8_t* level = level_.data();
    for (int64_t r = 0; r < rows_; ++r) {
      list[count] = static_cast<int32_t>(r);
      count += level[r] <= hop;
    }
    list.resize(count);
    if (hopSizes_.size() <= static_cast<size_t>(hop)) hopSizes_.resize(hop + 1);
    hopSizes_[hop] = count;
  }
  return list;
}

const int8_t* LightGcnPropagation::maskUpTo(int32_t hop) {
  // A mask that admits every row only costs a load and a branch per edge: drop it.
  return static_cast<int64_t>(rowsWithin(hop).size()) == rows_ ? nullptr : level_.data();
}

// For a backward source table valid within `hop` hops: either the mask for a masked pull, or
// (when most rows are valid) nullptr after zeroing the other rows, so the pull needs no per-edge
// level test. A zero source adds w * (+0) to a sum that never is -0: the same bits as skipping it.
const int8_t* LightGcnPropagation::maskOrZero(float* table, int32_t hop) {
  const int8_t* mask = maskUpTo(hop);
  if (!mask || 2 * static_cast<int64_t>(rowsWithin(hop).size()) < rows_) return mask;
  const int64_t d = dim_;
  parallelChunks(rows_, resolveThreads(threads_, rows_ / 4096 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r)
      if (level_[r] > hop) std::fill(table + r * d, table + (r + 1) * d, 0.0f);
  });
  return nullptr;
}

void LightGcnPropagation::pull(const std::vector<int32_t>& rows, const float* src, int32_t maskHop, float* dst) {
  detail::PullSpec spec{&g_, src, dim_, maskHop >= 0 ? level_.data() : nullptr, maskHop};
  forBlocks(rows, threads_, [&](const int32_t* r, int64_t n, int) { detail::pullRows(spec, r, n, dst, true); });
}

void LightGcnPropagation::forward(const float* ego, float* final) {
  const std::vector<int32_t>& all = allRowList();
  forwardRows(ego, all.data(), rows_, final);
}

void LightGcnPropagation::forwardRows(const float* ego, const int32_t* set, int64_t n, float* final) {
  for (int64_t q = 0; q < n; ++q)
    if (set[q] < 0 || set[q] >= rows_ || (q > 0 && set[q] <= set[q - 1]))
      fail(code::kInvalidArgument, "row set must be sorted, unique and within [0, rows) (row " + std::to_string(q) + ")");
  hopSizes_.clear();
  Lap lap;
  computeLevels(set, n, std::max(0, layers_ - 1));
  for (int32_t k = 1; k < layers_; ++k) rowsWithin(k);
  lap(times_.levels);
  times_.forwardHop.resize(std::max(1, layers_));
  const int64_t d = dim_;
  const int32_t K = layers_;
  // Layer k is needed on rows within K-k hops of the set; their neighbours are within K-k+1 hops,
  // where layer k-1 was computed, so no mask is needed here.
  for (int32_t k = 1; k < K; ++k) {
    pull(rowsWithin(K - k), k == 1 ? ego : layer_[k - 2].data(), -1, layer_[k - 1].data());
    lap(times_.forwardHop[k - 1]);
  }
  const std::vector<int32_t>& top = rowsWithin(0);  // == the set
  detail::PullSpec spec{&g_, K <= 1 ? ego : layer_[K - 2].data(), dim_, nullptr, 0};
  const float layersPlusOne = static_cast<float>(K + 1);
  if (meanScratch_.size() < static_cast<size_t>(threads_)) meanScratch_.resize(threads_);
  forBlocks(top, threads_, [&](const int32_t* rows, int64_t cnt, int worker) {
    float* out = final + (rows - top.data()) * d;
    if (K == 0) {
      for (int64_t q = 0; q < cnt; ++q) std::copy(ego + rows[q] * d, ego + (rows[q] + 1) * d, out + q * d);
      return;
    }
    detail::pullRows(spec, rows, cnt, out, false);
    // Layer mean in a fixed order: ((E0 + E1) + ...) + EK, divided (as a mean is) by K+1. The
    // partial sum runs over whole rows (layer by layer) so every loop is a plain vector loop.
    std::vector<float>& sum = meanScratch_[worker];
    sum.resize(d);
    float* s = sum.data();
    for (int64_t q = 0; q < cnt; ++q) {
      float* y = out + q * d;
      const int64_t at = static_cast<int64_t>(rows[q]) * d;
      std::copy(ego + at, ego + at + d, s);
      for (int32_t k = 1; k < K; ++k) {
        const float* l = layer_[k - 1].data() + at;
        for (int64_t j = 0; j < d; ++j) s[j] += l[j];
      }
      for (int64_t j = 0; j < d; ++j) y[j] = (s[j] + y[j]) / layersPlusOne;
    }
  }, kTopBlockRows);
  lap(times_.forwardHop[std::max(0, K - 1)]);
}

void LightGcnPropagation::backwardRows(const float* grad, bool allRows, const GradSink& sink) {
  if (levelsComputed_ < 0) fail(code::kInternal, "backwardRows needs a forwardRows first");
  const int32_t K = layers_;
  const int64_t d = dim_;
  Lap lap;
  if (!allRows) computeLevels(nullptr, 0, K);
  times_.backwardHop.resize(std::max(1, K));
  const std::vector<int32_t>& set = setRows_;
  const std::vector<int32_t>& target = allRows ? allRowList() : rowsWithin(K);
  if (scratch_.size() < static_cast<size_t>(threads_)) scratch_.resize(threads_);
  for (auto& buf : scratch_)
    if (buf.size() < static_cast<size_t>(kBlockRows * d)) buf.resize(kBlockRows * d);
  if (K == 0) {  // dE0 = G on the set, zero elsewhere
    const int8_t* level = level_.data();
    // Positions of set rows in `grad`, found by binary search (the set is sorted).
    forBlocks(target, threads_, [&](const int32_t* rows, int64_t cnt, int worker) {
      float* g = scratch_[worker].data();
      for (int64_t q = 0; q < cnt; ++q) {
        if (level[rows[q]] == 0) {
          const int64_t at = std::lower_bound(set.begin(), set.end(), rows[q]) - set.begin();
          std::copy(grad + at * d, grad + (at + 1) * d, g + q * d);
        } else {
          std::fill(g + q * d, g + (q + 1) * d, 0.0f);
        }
      }
      sink(rows, cnt, g, worker);
    });
    return;
  }
  // Horner form of the mean: T_0 = G, T_k = G + A_hat T_{k-1}, dE0 = T_K / (K+1). G is zero off
  // the set, so "G +" only touches set rows, and T_k is non-zero within k hops only. One product
  // per layer and no running-sum table (the plain sum H_0 + ... + H_K read and wrote one more
  // table per hop).
  float* h0 = h0_.data();
  for (size_t q = 0; q < set.size(); ++q)
    std::copy(grad + q * d, grad + (q + 1) * d, h0 + static_cast<int64_t>(set[q]) * d);
  const int8_t* level = level_.data();
  // y = G_r + y on set rows (elsewhere G_r = +0 and y is never -0, so skipping the add is exact).
  auto addG = [&](int32_t r, float* y) {
    if (level[r] != 0) return;
    const float* gr = h0 + static_cast<int64_t>(r) * d;
    for (int64_t j = 0; j < d; ++j) y[j] = gr[j] + y[j];
  };
  for (int32_t k = 1; k < K; ++k) {
    // T_k is non-zero within k hops; its sources (T_{k-1}) are valid within k-1 hops only. The
    // first hop reads the set only: through the set's edge lists rather than a masked pull that
    // would visit every edge of the 1-hop rows to find the few into the set.
    detail::PullSpec spec{&g_, k == 1 ? h0 : layer_[k - 2].data(), dim_, nullptr, k - 1};
    if (k >= 2) spec.level = maskOrZero(layer_[k - 2].data(), k - 1);
    else spec.level = maskUpTo(0);
    const bool lists = k == 1 && setEdgesValid_;
    detail::ListSpec list{setOff_.data(), setSlot_.data(), setWeight_.data(), grad, dim_};
    float* tk = layer_[k - 1].data();
    forBlocks(rowsWithin(k), threads_, [&](const int32_t* rows, int64_t cnt, int) {
      if (lists)
        detail::pullLists(list, rows, cnt, tk, true);
      else
        detail::pullRows(spec, rows, cnt, tk, true);
      for (int64_t q = 0; q < cnt; ++q) addG(rows[q], tk + static_cast<int64_t>(rows[q]) * d);
    });
    lap(times_.backwardHop[k - 1]);
  }
  detail::PullSpec spec{&g_, K == 1 ? h0 : layer_[K - 2].data(), dim_, nullptr, K - 1};
  spec.level = K >= 2 ? maskOrZero(layer_[K - 2].data(), K - 1) : maskUpTo(0);
  const float layersPlusOne = static_cast<float>(K + 1);
  forBlocks(target, threads_, [&](const int32_t* rows, int64_t cnt, int worker) {
    float* g = scratch_[worker].data();
    detail::pullRows(spec, rows, cnt, g, false);
    for (int64_t q = 0; q < cnt; ++q) addG(rows[q], g + q * d);
    detail::divideAll(g, cnt * d, layersPlusOne);
    sink(rows, cnt, g, worker);
  });
  lap(times_.backwardHop[K - 1]);
}

void LightGcnPropagation::backward(const float* grad, float* dE0) {
  const std::vector<int32_t>& all = allRowList();
  computeLevels(all.data(), rows_, layers_);
  const int64_t d = dim_;
  backwardRows(grad, true, [&](const int32_t* r, int64_t n, float* g, int) {
    for (int64_t q = 0; q < n; ++q) std::copy(g + q * d, g + (q + 1) * d, dE0 + static_cast<int64_t>(r[q]) * d);
  });
}

const std::vector<int32_t>& LightGcnPropagation::allRowList() {
  if (static_cast<int64_t>(allRows_.size()) != rows_) {
    allRows_.resize(rows_);
    for (int64_t r = 0; r < rows_; ++r) allRows_[r] = static_cast<int32_t>(r);
  }
  return allRows_;
}

}  // namespace rf
