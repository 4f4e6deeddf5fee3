// BPR loss with its gradient, for one mini-batch of (user, positive, negative) triples:
//   L = (1/B) sum softplus(s_uj - s_ui) + lambda/(2 B) sum (||e0_u||^2 + ||e0_i||^2 + ||e0_j||^2)
// where s are inner products of final (propagated) embeddings and e0 are layer-0 rows, each
// occurrence counted. B is `regDivisor` for the L2 term (the batch length by default; TF divides
// by the configured batch size, which differs only on a partial last batch).
#pragma once
#include <cstdint>
#include <vector>

namespace rf {

struct BprTriple {
  int32_t user;
  int32_t pos;  // item id (0-based within items, not a global row)
  int32_t neg;  // item id
};

// A batch mapped onto the unique global rows it touches (users u, items M + i).
struct BprBatch {
  std::vector<int32_t> rows;   // sorted, unique
  std::vector<int32_t> slots;  // 3 per triple: positions in `rows` of u, i, j
  // Scratch of mapBprBatch: one entry per global row, -1 between calls (empty until needed).
  std::vector<int32_t> positionOf;
};

// Validates ids (E_OUT_OF_RANGE) and fills `out`. O(B log B), or O(B + users + items) through a
// row-indexed table when the batch is not tiny next to the table (the same result either way).
void mapBprBatch(const BprTriple* triples, int64_t n, int32_t users, int32_t items, BprBatch& out);

// The shared second half of batch mapping: out.slots holds global rows (ids checked, each
// < total); fills out.rows with them sorted and unique and turns each slot into its position there.
void numberBatchRows(int64_t total, BprBatch& out);

struct BprLoss {
  double loss = 0;  // bpr + reg
  double bpr = 0;   // mean softplus
  double reg = 0;   // lambda/(2B) * sum of squared layer-0 norms
};

// final: rows.size() x dim, the final embeddings of batch.rows (row q = batch.rows[q]).
// ego: the whole layer-0 table ((M+N) x dim, global rows).
// Writes gradFinal (rows.size() x dim) = dL/dfinal on those rows, and regCoef (rows.size()) such
// that the L2 part of dL/dE0 at row batch.rows[q] is regCoef[q] * ego[row] (= lambda * count / B).
// Deterministic whatever `threads`: every gradient row is summed by one thread in triple order.
BprLoss bprLossGrad(const BprTriple* triples, int64_t n, const BprBatch& batch, const float* final, const float* ego,
                    int32_t dim, double lambda, double regDivisor, float* gradFinal, float* regCoef, int threads);

// Numerically stable log(1 + e^x) and 1 / (1 + e^-x).
double softplus(double x);
double sigmoid(double x);

}  // namespace rf
