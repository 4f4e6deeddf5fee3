// A training-free embedding: random Gaussian user vectors G pushed through the normalized graph,
// V = Â_iu G (items) and U = Â_ui V (users), so <U_u, V_i> approximates the normalized
// two-hop co-occurrence between u's items and i (a random-projection item-based CF). The demo
// uses it as the "trivial embedding" next to the popularity baseline.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/job.hpp"

namespace rf {

struct EmbeddingPair {
  std::vector<float> users;  // nUsers x dim
  std::vector<float> items;  // nItems x dim
  int32_t dim = 0;
};

EmbeddingPair projectionEmbeddings(const BipartiteGraph& g, int32_t dim, uint64_t seed, int threads, const JobControl& ctl = {});

}  // namespace rf
