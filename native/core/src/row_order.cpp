#include "recforge/row_order.hpp"

#include <algorithm>
#include <cstring>

#include "recforge/parallel.hpp"

namespace rf {

RowOrder breadthFirstOrder(const BipartiteGraph& g) {
  const int32_t m = g.nUsers();
  const int64_t rows = static_cast<int64_t>(m) + g.nItems();
  auto degree = [&](int64_t r) {
    return r < m ? g.userItems.degree(static_cast<int32_t>(r)) : g.itemUsers.degree(static_cast<int32_t>(r - m));
  };
  // Seeds by ascending degree (ties by id), neighbours in CSR order.
  std::vector<int32_t> seeds(rows);
  for (int64_t r = 0; r < rows; ++r) seeds[r] = static_cast<int32_t>(r);
  std::stable_sort(seeds.begin(), seeds.end(), [&](int32_t a, int32_t b) { return degree(a) < degree(b); });
  std::vector<char> seen(rows, 0);
  std::vector<int32_t> visit;
  visit.reserve(rows);
  for (int32_t s : seeds) {
    if (seen[s]) continue;
    seen[s] = 1;
    size_t head = visit.size();
    visit.push_back(s);
    while (head < visit.size()) {
      const int64_t r = visit[head++];
      const bool isUser = r < m;
      const Csr& a = isUser ? g.userItems : g.itemUsers;
      const int64_t row = isUser ? r : r - m, base = isUser ? m : 0;
      for (int64_t k = a.indptr[row]; k < a.indptr[row + 1]; ++k) {
        const int32_t c = static_cast<int32_t>(base + a.indices[k]);
        if (!seen[c]) seen[c] = 1, visit.push_back(c);
      }
    }
  }
  RowOrder o;
  o.toOrig.resize(rows);
  o.toInternal.resize(rows);
  int64_t nextUser = 0, nextItem = m;
  for (int32_t r : visit) o.toOrig[r < m ? nextUser++ : nextItem++] = r;
  for (int64_t r = 0; r < rows; ++r) o.toInternal[o.toOrig[r]] = static_cast<int32_t>(r);
  auto relabel = [&](const Csr& a, const std::vector<float>& w, int64_t rowBase, int64_t colBase, Csr& out,
                     std::vector<float>& outW) {
    out.rows = a.rows;
    out.cols = a.cols;
    out.indptr.assign(static_cast<size_t>(a.rows) + 1, 0);
    out.indices.resize(a.indices.size());
    outW.resize(w.size());
    for (int32_t r = 0; r < a.rows; ++r) {
      const int64_t src = o.toOrig[rowBase + r] - rowBase;
      out.indptr[r + 1] = out.indptr[r] + (a.indptr[src + 1] - a.indptr[src]);
    }
    for (int32_t r = 0; r < a.rows; ++r) {
      const int64_t src = o.toOrig[rowBase + r] - rowBase;
      int64_t at = out.indptr[r];
      for (int64_t k = a.indptr[src]; k < a.indptr[src + 1]; ++k, ++at) {
        out.indices[at] = static_cast<int32_t>(o.toInternal[colBase + a.indices[k]] - colBase);
        outW[at] = w[k];
      }
    }
  };
  relabel(g.userItems, g.userNorm, 0, m, o.graph.userItems, o.graph.userNorm);
  relabel(g.itemUsers, g.itemNorm, m, 0, o.graph.itemUsers, o.graph.itemNorm);
  return o;
}

void permuteRows(const float* src, const int32_t* map, int64_t rows, int32_t dim, float* dst, int threads) {
  parallelChunks(rows, resolveThreads(threads, rows / 4096 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r)
      std::memcpy(dst + r * dim, src + static_cast<int64_t>(map[r]) * dim, sizeof(float) * dim);
  });
}

}  // namespace rf
