#include "recforge/projection.hpp"

#include <cmath>

#include "recforge/error.hpp"
#include "recforge/rng.hpp"
#include "recforge/spmm.hpp"

namespace rf {

EmbeddingPair projectionEmbeddings(const BipartiteGraph& g, int32_t dim, uint64_t seed, int threads, const JobControl& ctl) {
  if (dim < 1 || dim > 4096) fail(code::kInvalidArgument, "dim must be in [1, 4096]");
  EmbeddingPair out;
  out.dim = dim;
  std::vector<float> G(static_cast<size_t>(g.nUsers()) * dim);
  Rng rng(seed, 0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));  // E<G_u, G_v> = [u == v]
  for (auto& x : G) x = static_cast<float>(rng.normal() * scale);
  ctl.checkCancelled();
  out.items.resize(static_cast<size_t>(g.nItems()) * dim);
  spmm(g.itemUsers, g.itemNorm.data(), G.data(), dim, out.items.data(), false, threads);
  ctl.checkCancelled();
  out.users.resize(static_cast<size_t>(g.nUsers()) * dim);
  spmm(g.userItems, g.userNorm.data(), out.items.data(), dim, out.users.data(), false, threads);
  ctl.report(1.0);
  return out;
}

}  // namespace rf
