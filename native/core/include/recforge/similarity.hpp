// Helpers that turn inner-product retrieval (retrieval.hpp) into cosine retrieval, and nearest
// neighbours within one table (items among items, users among users) built on them: the one
// code path behind every model's similarItems / similarUsers.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/job.hpp"

namespace rf {

// The rows of a rows x dim table scaled to unit L2 norm (a zero row stays zero), so inner
// products of the result are cosine similarities. Same bits for any thread count.
std::vector<float> unitRows(const float* table, int32_t rows, int32_t dim, int threads = 0);

// The same for the first `prefix` columns of a rows x width table: a rows x prefix table.
std::vector<float> unitPrefixRows(const float* table, int32_t rows, int32_t width, int32_t prefix, int threads = 0);

// The n x n identity pattern: as a retrieval `exclude`, a query row never returns itself
// (nearest neighbours of an item among items, of a user among users).
Csr selfExclusion(int32_t n);

struct SimilarSpec {
  int32_t k = 10;       // neighbours per query, >= 1; rows with fewer candidates are padded with -1 / -inf
  int32_t dim = 0;      // similarity on the first `dim` coordinates, in [1, width]; 0 = full width
  bool cosine = true;   // cosine of the (prefix) rows; false: their inner product
  const int32_t* deny = nullptr;  // optional rows never returned, ascending and distinct
  int64_t nDeny = 0;
  int threads = 0;      // 0 = all cores
};

// For each query row q of `table`, its k most similar other rows of the same table, best first:
// ids to outIds[q * k ..], similarities to outScores[q * k ..]. The query itself is never
// returned; order and ties as retrieveTopK (higher first, ties to the lower id).
// Errors: E_INVALID_ARG (k < 1, dim outside [0, width]), E_OUT_OF_RANGE (a query or deny id
// outside [0, rows)), E_ABORTED.
void similarRows(const MatrixView& table, const int32_t* queries, int64_t n, const SimilarSpec& spec, int32_t* outIds,
                 float* outScores, const JobControl& ctl = {});

}  // namespace rf
