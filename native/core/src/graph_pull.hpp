// The one gather kernel of LightGCN propagation: output row r = sum over r's neighbours c of
// A_hat[r, c] * src[c], pulled through the CSR direction that has r as a row (users read item rows
// through userItems/userNorm, items read user rows through itemUsers/itemNorm). Internal header.
#pragma once
#include <cstdint>

#include "recforge/csr.hpp"

namespace rf::detail {

struct PullSpec {
  const BipartiteGraph* graph = nullptr;
  const float* src = nullptr;     // (M+N) x dim, global rows
  int32_t dim = 0;
  // Optional mask: when level is set, neighbours c with level[c] > maxLevel are skipped (their
  // src rows are not valid, and are known to be zero in the exact product).
  const int8_t* level = nullptr;
  int32_t maxLevel = 0;
};

// Edges into rows from a small source set, grouped by destination row: the entries of row r are
// [offsets[r], offsets[r+1]), each a source row of `src` (compact, slot-indexed) and its weight,
// in the order r's CSR row lists them. Pulling through these lists gives the same bits as a
// masked pullRows that admits only that set.
struct ListSpec {
  const int64_t* offsets = nullptr;  // rows + 1
  const int32_t* slots = nullptr;
  const float* weights = nullptr;
  const float* src = nullptr;  // slots x dim
  int32_t dim = 0;
};
void pullLists(const ListSpec& spec, const int32_t* rows, int64_t n, float* dst, bool scatter);

// x[k] = x[k] / divisor for k in [0, n) (IEEE division: the same bits at every vector width; the
// cloned kernel just does it 16 lanes at a time where it can).
void divideAll(float* x, int64_t n, float divisor);

// For q in [0, n): writes the pulled row of global row rows[q] to dst + (scatter ? rows[q] : q) * dim.
// Each row is summed in CSR order from +0, so the bits never depend on the caller's threading.
void pullRows(const PullSpec& spec, const int32_t* rows, int64_t n, float* dst, bool scatter);

}  // namespace rf::detail
