// Sparse (CSR) x dense row-major products, the building block of every graph embedding here.
#pragma once
#include <cstdint>

#include "recforge/csr.hpp"

namespace rf {

// Y[r, :] = scale_r * sum_{k in row r} w_k * X[indices[k], :] for every row r of `a`, where
// w_k = weights[k] (or 1 when weights is null) and scale_r = 1/deg(r) when meanRows (0 for an
// empty row), else 1. X has a.cols rows of width d; Y has a.rows rows. Rows are split across
// threads; each row is summed in CSR order by one thread, so the result is deterministic.
void spmm(const Csr& a, const float* weights, const float* X, int32_t d, float* Y, bool meanRows, int threads);

}  // namespace rf
