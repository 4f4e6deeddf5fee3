// The gradient half of the GPU nested BPR (matryoshka_grad.cu), called by matryoshkaLossGrad.
#pragma once
#include <cstdint>

#include "matryoshka_terms.cuh"

namespace rf::cuda::detail {

// dGradFinal (rows x dim) and dRegCoef (rows) from the per-triple coefficients dCoef (n x T).
// sortedKeys / sortedOrder: the n * stride slots grouped by row (groupByKey on dSlots, keyLimit rows).
void launchMatryoshkaGrad(int64_t n, const int32_t* dSlots, int64_t rows, const float* dFinal, int32_t dim,
                          const TermParams& terms, const float* dCoef, const uint32_t* sortedKeys,
                          const int32_t* sortedOrder, float regScale, float* dGradFinal, float* dRegCoef);

}  // namespace rf::cuda::detail
