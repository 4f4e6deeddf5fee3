// Item-based k-nearest-neighbour recommendation from an item embedding table (ALGORITHMS.md Part
// B 2.3, the Interact2Vec authors' "Implicit KNN" and "UIWS"): every item keeps its k most
// cosine-similar items; a user's knn score for item j is the mean over the user's history H_u of
// sim(i, j), where sim(i, j) is 0 unless j is among i's neighbours. The blend weighs that
// against the user-item cosine: (wUser cos(U_u, V_j) + wItem knn(u, j)) / (wUser + wItem).
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/job.hpp"

namespace rf {

// Top-k neighbour lists: row i holds i's neighbours, sorted by neighbour id (the order the
// scorer consumes them in), with their cosine similarities.
struct ItemNeighbours {
  Csr lists;                // items x items
  std::vector<float> sims;  // one per entry of lists.indices
};

// Each item's k most cosine-similar other items (ties to the lower id), from a rows x dim
// table. E_INVALID_ARG for k < 1; k is capped at items - 1.
ItemNeighbours itemNeighbours(const MatrixView& items, int32_t k, int threads = 0, const JobControl& ctl = {});

// The knn / blend score as an evaluator Scorer. history: users x items (each user's H_u);
// unitUsers / unitItems: unit-row tables (similarity.hpp unitRows), needed when wUser > 0.
// Weights finite, >= 0, not both 0 (E_INVALID_ARG). Keeps references to its arguments.
class KnnBlendScorer : public Scorer {
 public:
  KnnBlendScorer(const ItemNeighbours& neighbours, const Csr& history, const MatrixView& unitUsers,
                 const MatrixView& unitItems, double wUser, double wItem);
  int32_t nItems() const override { return nb_.lists.rows; }
  void score(const int32_t* users, int nu, int32_t itemBegin, int ni, float* out, int64_t ld) const override;

 private:
  const ItemNeighbours& nb_;
  const Csr& history_;
  MatrixView users_, items_;
  float wUser_, wItem_;
};

// Serving with any scorer: each query's top-k items (higher score first, ties to the lower id,
// NaN like -inf), `exclude` rows (indexed by query id) left out, padded with -1 / -inf. Query ids
// must be valid for the scorer (callers check them).
void topKOfScorer(const Scorer& scorer, const int32_t* queries, int64_t n, int32_t k, const Csr* exclude,
                  int32_t* outItems, float* outScores, int threads = 0, const JobControl& ctl = {});

}  // namespace rf
