// LightGCN propagation over the bipartite graph: final = (1/(K+1)) sum_{k=0..K} A_hat^k E0, and its
// backward (A_hat is symmetric, so the backward of a product is another product).
//
// Rows are global: users 0..M-1, items M..M+N-1. A_hat is never materialized: a user row pulls from
// item rows through userItems/userNorm, an item row from user rows through itemUsers/itemNorm.
//
// Why row sets: a training step needs final embeddings of a few thousand batch rows S only. The
// last layer of a row needs only its neighbours' previous layer, so layer k is computed on the
// (K-k)-hop neighbourhood of S instead of on every row. The backward runs the same hops in the
// other direction: dL/dfinal is non-zero on S only, so A_hat^k G is non-zero on the k-hop
// neighbourhood, and each hop reads only rows that can be non-zero. The dense calls are the same
// code with S = every row.
//
// Determinism: every output row is summed by one thread in CSR order, so results do not depend on
// the thread count, and a row computed through forwardRows is bit-identical to the same row of
// forward(). (Clones for different ISAs may round differently: FMA vs mul+add.)
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "recforge/csr.hpp"

namespace rf {

// Wall-clock seconds per phase of forwardRows / backwardRows, accumulated (benchmark breakdown).
struct PropagationTimes {
  double levels = 0;                // hop levels, the set's edge lists and row lists (forward)
  std::vector<double> forwardHop;   // [k-1]: layer k (the last entry includes the layer mean)
  std::vector<double> backwardHop;  // [k-1]: T_k (the last entry includes the sink, e.g. Adam)
};

class LightGcnPropagation {
 public:
  // Receives dL/dE0 (propagation part) for a block of rows: grad is n x dim, row q belongs to
  // global row rows[q]. The sink may modify grad (it is scratch). `worker` is in [0, threads).
  using GradSink = std::function<void(const int32_t* rows, int64_t n, float* grad, int worker)>;

  // Keeps a reference to `g` (it must outlive this object). Allocates K (M+N) x dim buffers.
  // neighbourRank (optional, kept by reference, one per global row): the key each CSR row of `g`
  // is sorted by, when that is not the row id (a renumbered graph that keeps its original
  // neighbour order, see row_order.hpp).
  LightGcnPropagation(const BipartiteGraph& g, int32_t dim, int32_t layers, int threads,
                      const int32_t* neighbourRank = nullptr);

  int64_t rows() const { return rows_; }
  int32_t dim() const { return dim_; }
  int32_t layers() const { return layers_; }

  // final (rows() x dim) = mean over k of A_hat^k ego, for every row.
  void forward(const float* ego, float* final);
  // The same for the sorted, unique global rows `set` only: final is n x dim, row q = set[q].
  // Remembers the hop neighbourhood of `set` for backwardRows.
  void forwardRows(const float* ego, const int32_t* set, int64_t n, float* final);
  // dE0 = mean over k of A_hat^k G for every row (G, dE0: rows() x dim), computed exactly as
  // backwardRows computes it (Horner form: (G + A_hat(G + ... + A_hat G)) / (K+1)), so the two
  // agree bit for bit. Replaces the remembered row set (like forward()).
  void backward(const float* grad, float* dE0);
  // Backward of the last forwardRows: grad is n x dim, dL/dfinal on the rows of that call (zero
  // elsewhere). Hands dL/dE0 to `sink` for every row that can be non-zero (the K-hop
  // neighbourhood of the set) or, with allRows, for every row (zero rows included, e.g. for a
  // dense optimizer), in blocks; each row exactly once.
  void backwardRows(const float* grad, bool allRows, const GradSink& sink);

  // Layer k (A_hat^k ego, rows() x dim, k in [1, K-1]) as the last forward() left it: every row
  // after forward(), only the rows within K-k hops of the set after forwardRows(). The buffer is
  // reused by the next forward / backward call.
  const float* layer(int32_t k) const { return layer_[k - 1].data(); }

  // Rows within k hops of the last set, k = 0..K (sizes after forwardRows/backwardRows; for the
  // benchmark's report of how much work the sparsity saved).
  const std::vector<int64_t>& hopSizes() const { return hopSizes_; }
  const PropagationTimes& times() const { return times_; }
  void resetTimes() { times_ = {}; }

 private:
  void computeLevels(const int32_t* set, int64_t n, int32_t maxHop);
  void buildSetEdges();
  const std::vector<int32_t>& rowsWithin(int32_t hop);
  const int8_t* maskUpTo(int32_t hop);
  const int8_t* maskOrZero(float* table, int32_t hop);
  void pull(const std::vector<int32_t>& rows, const float* src, int32_t maskHop, float* dst);
  const std::vector<int32_t>& allRowList();

  const BipartiteGraph& g_;
  const int32_t* rank_;
  int64_t rows_;
  int32_t dim_, layers_;
  int threads_;
  bool allLevelZero_ = false;
  std::vector<int8_t> level_;                 // hop distance from the set, kFar beyond the last hop
  int32_t levelsComputed_ = -1;               // level_ is exact up to this hop
  std::vector<std::vector<int32_t>> within_;  // within_[k]: sorted rows with level <= k
  std::vector<char> withinDone_;              // within_[k] is up to date for the current set
  std::vector<int64_t> hopSizes_;
  PropagationTimes times_;
  std::vector<int32_t> setRows_;
  // Edges out of the set grouped by destination (buildSetEdges): entries [setOff_[r], setOff_[r+1])
  // of row r hold the set position (row of the compact gradient) and the edge weight.
  bool setEdgesValid_ = false;
  std::vector<int64_t> setOff_;
  std::vector<int64_t> partStart_;                 // buildSetEdges: first source (rank order) of each part
  std::vector<std::vector<int64_t>> partCursor_;   // buildSetEdges: per part, counts then cursors per row
  std::vector<int32_t> setSlot_, setOrder_;
  std::vector<float> setWeight_;
  std::vector<int32_t> byRank_;  // buildSetEdges: set position by neighbour rank, -1 elsewhere
  std::vector<std::vector<float>> layer_;  // E1..E_{K-1} in forward, T1..T_{K-1} in backward
  std::vector<float> h0_;                        // backward: G scattered to global rows (set rows only)
  std::vector<std::vector<float>> meanScratch_;  // per worker: one row of the forward's layer sum
  std::vector<std::vector<float>> scratch_;      // per worker: one block of dE0 rows for the sink
  std::vector<int32_t> allRows_;                 // 0..rows()-1
};

}  // namespace rf
