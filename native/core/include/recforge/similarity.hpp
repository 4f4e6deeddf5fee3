// Helpers that turn inner-product retrieval (retrieval.hpp) into cosine retrieval and into
// nearest neighbours within one table.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/csr.hpp"

namespace rf {

// The rows of a rows x dim table scaled to unit L2 norm (a zero row stays zero), so inner
// products of the result are cosine similarities. Same bits for any thread count.
std::vector<float> unitRows(const float* table, int32_t rows, int32_t dim, int threads = 0);

// The n x n identity pattern: as a retrieval `exclude`, a query row never returns itself
// (nearest neighbours of an item among items, of a user among users).
Csr selfExclusion(int32_t n);

}  // namespace rf
