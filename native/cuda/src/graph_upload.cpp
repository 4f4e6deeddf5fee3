// A_hat as one CSR over global rows (users 0..M-1 then items M..M+N-1), built on the host from the
// core's two CSR directions and copied to the device once per model.
#include <vector>

#include "recforge/cuda/propagation.hpp"

namespace rf::cuda {

DeviceGraph DeviceGraph::upload(const BipartiteGraph& g) {
  const int32_t M = g.nUsers(), N = g.nItems();
  const int64_t nnz = g.nnz();
  std::vector<int64_t> offsets(static_cast<size_t>(M) + N + 1);
  std::vector<int32_t> cols(2 * nnz);
  std::vector<float> weights(2 * nnz);
  for (int32_t u = 0; u <= M; ++u) offsets[u] = g.userItems.indptr[u];
  for (int32_t i = 1; i <= N; ++i) offsets[M + i] = nnz + g.itemUsers.indptr[i];
  for (int64_t e = 0; e < nnz; ++e) {
    cols[e] = M + g.userItems.indices[e];
    weights[e] = g.userNorm[e];
    cols[nnz + e] = g.itemUsers.indices[e];
    weights[nnz + e] = g.itemNorm[e];
  }
  DeviceGraph d;
  d.users = M, d.items = N;
  d.offsets.upload(offsets, "graph offsets");
  d.cols.upload(cols, "graph columns");
  d.weights.upload(weights, "graph weights");
  return d;
}

void PropagationScratch::ensure(int64_t floats) {
  if (static_cast<int64_t>(a.size()) != floats) {
    a.resize(floats, "propagation layer");
    b.resize(floats, "propagation layer");
    sum.resize(floats, "propagation layer sum");
  }
}

}  // namespace rf::cuda
