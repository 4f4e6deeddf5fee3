// Top-k retrieval for serving inner-product embeddings, at full width, on a prefix of the
// coordinates (nested "Matryoshka" embeddings, whose first d columns are a model on their own),
// or coarse-to-fine: shortlist on a cheap prefix, rerank the shortlist at full width.
#pragma once
#include <cstdint>

#include "recforge/csr.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/job.hpp"

namespace rf {

struct RetrievalSpec {
  int32_t k = 10;  // items per query, >= 1; rows with fewer candidates are padded with -1 / -inf
  int32_t dim = 0;  // prefix width of the ranking (or shortlisting) score, in [1, width]; 0 = full width
  // 0: rank every item by the dim-prefix score. > 0 (and >= k): keep the best `shortlist` items
  // by the dim-prefix score, then rank those by the full-width score.
  int32_t shortlist = 0;
  const Csr* exclude = nullptr;  // optional, users.rows x items.rows: items never returned (e.g. train)
  int threads = 0;               // 0 = all cores
};

// For each query q (a row of `users`), writes its top min(k, candidates) items best first to
// outItems[q * k ..] and their scores (the dim-prefix score, or the full-width score after a
// rerank) to outScores[q * k ..]. Order: higher score first, ties to the lower item id, NaN like
// -inf (the evaluator's ranking). A full-width score here is bit-identical to the evaluator's.
// Errors: E_SHAPE (widths differ, exclude's shape), E_INVALID_ARG (k < 1, dim outside [0, width],
// shortlist < 0 or in [1, k)), E_OUT_OF_RANGE (a query id outside [0, users.rows)), E_ABORTED.
void retrieveTopK(const MatrixView& users, const MatrixView& items, const int32_t* queries, int64_t n,
                  const RetrievalSpec& spec, int32_t* outItems, float* outScores, const JobControl& ctl = {});

// The checks retrieveTopK makes on its options (so a binding can refuse them synchronously).
void validateRetrieval(const RetrievalSpec& spec, int32_t width);

}  // namespace rf
