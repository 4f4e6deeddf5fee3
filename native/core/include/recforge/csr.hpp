// Compressed sparse rows with sorted column indices per row, and the bipartite user-item graph
// with LightGCN's symmetric normalization.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/interactions.hpp"
#include "recforge/job.hpp"

namespace rf {

struct Csr {
  int32_t rows = 0;
  int32_t cols = 0;
  std::vector<int64_t> indptr;   // rows + 1 offsets
  std::vector<int32_t> indices;  // column ids, ascending within each row, no duplicates

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
  int32_t degree(int32_t r) const { return static_cast<int32_t>(indptr[r + 1] - indptr[r]); }
  const int32_t* rowBegin(int32_t r) const { return indices.data() + indptr[r]; }
  const int32_t* rowEnd(int32_t r) const { return indices.data() + indptr[r + 1]; }
  // Binary search within row r (rows are sorted).
  // Rows are sorted: binary search, but short rows (most users' in sparse data) are scanned
  // without branches, which is faster than a search's unpredictable jumps (samplers call this
  // for every candidate they draw).
  bool contains(int32_t r, int32_t c) const {
    const int32_t* b = rowBegin(r);
    const int32_t* e = rowEnd(r);
    if (e - b > kLinearScanMax) return containsSorted(b, e, c);
    bool found = false;
    for (; b != e; ++b) found |= *b == c;
    return found;
  }
  static constexpr int64_t kLinearScanMax = 32;
  static bool containsSorted(const int32_t* b, const int32_t* e, int32_t c);
};

// Builds a CSR of `rows` x `cols` from (row, col) pairs by counting sort: O(nnz + rows) time and
// exactly one index array of memory. Duplicate pairs are collapsed. Ids must be validated first.
Csr buildCsr(const int32_t* rowIds, const int32_t* colIds, int64_t n, int32_t rows, int32_t cols);

// Transpose in O(nnz); the result's rows are sorted because the input's rows are visited in order.
Csr transpose(const Csr& a);

struct BipartiteGraph {
  Csr userItems;                // M x N: train items of each user
  Csr itemUsers;                // N x M: train users of each item
  std::vector<float> userNorm;  // per edge of userItems: 1/sqrt(deg(u) deg(i))
  std::vector<float> itemNorm;  // per edge of itemUsers: the same values in transposed order

  int32_t nUsers() const { return userItems.rows; }
  int32_t nItems() const { return userItems.cols; }
  int64_t nnz() const { return userItems.nnz(); }
};

// Builds both CSR directions and the normalization. Degree-0 nodes have no edges, so no weight
// is ever 1/sqrt(0): isolated users/items simply have empty rows.
BipartiteGraph buildGraph(const EdgeView& edges, const JobControl& ctl = {});

}  // namespace rf
