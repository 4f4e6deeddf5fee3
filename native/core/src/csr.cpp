#include "recforge/csr.hpp"

#include <algorithm>
#include <cmath>


namespace rf {

bool Csr::containsSorted(const int32_t* b, const int32_t* e, int32_t c) { return std::binary_search(b, e, c); }

namespace {

// Sorts each row and drops repeated columns in place, then compacts the index array.
void sortAndDedupRows(Csr& a) {
  int64_t write = 0;
  int64_t begin = a.indptr[0];
  for (int32_t r = 0; r < a.rows; ++r) {
    const int64_t end = a.indptr[r + 1];
    int32_t* first = a.indices.data() + begin;
    int32_t* last = a.indices.data() + end;
    std::sort(first, last);
    int32_t* uniqueEnd = std::unique(first, last);
    a.indptr[r] = write;
    for (int32_t* p = first; p != uniqueEnd; ++p) a.indices[write++] = *p;
    begin = end;
  }
  a.indptr[a.rows] = write;
  a.indices.resize(write);
  a.indices.shrink_to_fit();
}

}  // namespace

Csr buildCsr(const int32_t* rowIds, const int32_t* colIds, int64_t n, int32_t rows, int32_t cols) {
  Csr a;
  a.rows = rows;
  a.cols = cols;
  a.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (int64_t k = 0; k < n; ++k) ++a.indptr[rowIds[k] + 1];
  for (int32_t r = 0; r < rows; ++r) a.indptr[r + 1] += a.indptr[r];
  a.indices.resize(n);
  std::vector<int64_t> cursor(a.indptr.begin(), a.indptr.end() - 1);
  for (int64_t k = 0; k < n; ++k) a.indices[cursor[rowIds[k]]++] = colIds[k];
  sortAndDedupRows(a);
  return a;
}

Csr transpose(const Csr& a) {
  Csr t;
  t.rows = a.cols;
  t.cols = a.rows;
  t.indptr.assign(static_cast<size_t>(a.cols) + 1, 0);
  for (int32_t c : a.indices) ++t.indptr[c + 1];
  for (int32_t r = 0; r < t.rows; ++r) t.indptr[r + 1] += t.indptr[r];
  t.indices.resize(a.indices.size());
  std::vector<int64_t> cursor(t.indptr.begin(), t.indptr.end() - 1);
  for (int32_t r = 0; r < a.rows; ++r)
    for (int64_t k = a.indptr[r]; k < a.indptr[r + 1]; ++k) t.indices[cursor[a.indices[k]]++] = r;
  return t;
}

BipartiteGraph buildGraph(const EdgeView& edges, const JobControl& ctl) {
  validateEdges(edges, "edges");
  BipartiteGraph g;
  g.userItems = buildCsr(edges.users, edges.items, edges.size, edges.nUsers, edges.nItems);
  ctl.checkCancelled();
  g.itemUsers = transpose(g.userItems);
  ctl.checkCancelled();
  const Csr& ui = g.userItems;
  const Csr& iu = g.itemUsers;
  // One formula for both directions so A_hat[u,i] and A_hat[i,u] are bit-identical (the
  // backward pass relies on A_hat being exactly symmetric). Empty rows never reach 1/sqrt(0).
  auto norm = [](int32_t du, int32_t di) {
    return static_cast<float>(1.0 / std::sqrt(static_cast<double>(du) * static_cast<double>(di)));
  };
  g.userNorm.resize(ui.nnz());
  for (int32_t u = 0; u < ui.rows; ++u)
    for (int64_t k = ui.indptr[u]; k < ui.indptr[u + 1]; ++k) g.userNorm[k] = norm(ui.degree(u), iu.degree(ui.indices[k]));
  g.itemNorm.resize(iu.nnz());
  for (int32_t i = 0; i < iu.rows; ++i)
    for (int64_t k = iu.indptr[i]; k < iu.indptr[i + 1]; ++k) g.itemNorm[k] = norm(ui.degree(iu.indices[k]), iu.degree(i));
  ctl.report(1.0);
  return g;
}

}  // namespace rf
