// Fold-in: the embedding of a user who was not in training, from the items they interacted
// with, every trained table frozen (nothing of the model changes).
//
// LightGCN with K layers. Give the new user u its distinct items S (s = |S|) as edges. Under the
// model's propagation its layer l+1 is e_u^(l+1) = sum_{i in S} e_i^(l) / sqrt(s (deg_i + 1))
// (deg_i: the item's train degree, + 1 for the new edge), and its final embedding the layer mean
//   f_u = ( e_u^(0) + sum_{i in S} P_i / sqrt(s (deg_i + 1)) ) / (K + 1),   P_i = sum_{l<K} e_i^(l).
// The approximation: the item layers e_i^(l) are those of the trained graph. Exactly, the new
// edges would also raise deg_i (re-weighting every other edge of those items) and feed u's own
// layers back into the items' layers >= 2 (and from there into everyone else's); both effects are
// O(1/deg_i) per item and are dropped, so no existing embedding moves. e_u^(0), the layer-0 row
// training would have learnt, is 0 unless fitted (below).
//
// MF (K = 0): f_u = e_u^(0), which must be fitted.
//
// Fitting e = e_u^(0): `steps` gradient steps, each with a backtracking (Armijo) line search, on
//   L(e) = sum_l w_l mean_{i in S, j in N} softplus(<f[:d_l], v_j[:d_l]> - <f[:d_l], v_i[:d_l]>) + reg/2 |e|^2
// with f = (e + c) / (K + 1) (c the propagated sum above, 0 for MF), v the frozen final item
// embeddings, d_l the nested widths of a Matryoshka model (just the full width otherwise) with
// equal weights w_l = 1/levels, and N a pool of `negatives` items not in S drawn once, uniformly
// without replacement from (seed) (all of them when there are fewer). That is the BPR objective
// the models are trained with, restricted to the new user's row and made deterministic: L is
// convex in e, every accepted step decreases it, and the same input gives the same bits.
//
// Interact2Vec (objective kSgns, layers = 0, f = e): its skip-gram-with-negative-sampling BCE,
//   L(e) = mean_{i in S} softplus(-<e, v_i>) + K sum_{j in N} w_j softplus(<e, v_j>) / sum_{j in N} w_j + reg/2 |e|^2
// with K the model's negatives per positive and w_j its sampling weight (count_j^alpha): the
// expectation over the model's negative distribution, estimated on the same seeded uniform pool
// (importance weights). e starts at U(-initRange, initRange) (seeded; 0 when initRange = 0), the
// model's user init. Same descent and line search; L is convex in e too.
//
// Shared user rows (a clustered / hashed / frequency user table, cel_table.hpp): the new user
// joins a cluster instead of getting a free row. Among the candidate clusters c (ascending ids),
// it takes the one whose row W[c] gives the lowest L(W[c]) (the data part: the reg term is taken
// relative to the chosen row, below, so it is 0 there), ties to the lower id. Exact: every
// candidate's scores are computed (C x (s + |N|) prefix dots), a lower bound by Jensen
// (mean softplus(z) >= softplus(mean z), per level) orders them, and the exact L is evaluated in
// that order until the next bound exceeds the best exact L (every skipped candidate is provably
// worse). With a residual, e = W[c] + delta, delta fitted by `steps` steps of the same descent on
// L(W[c] + delta) + reg/2 |delta|^2 (delta starts at 0); without one, steps are not taken and e =
// W[c]. The final embedding is (e + c_prop) / (K + 1) as above.
//
// A user side held at 1 in its last coordinate (the item side has a per-item bias,
// cel_trainer.hpp SideEmbedding::bias): that coordinate of e is 1 and not fitted, as in training.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/evaluate.hpp"

namespace rf {

// What fold-in reads from a trained model (all borrowed).
// The user side's shared rows (see above).
struct FoldInClusters {
  MatrixView rows;                  // the cluster table W, C x dim (layer-0 rows)
  std::vector<int32_t> candidates;  // clusters the user may join: ascending, distinct, in [0, C), at least one
  bool residual = false;            // fit a residual on the chosen row (spec.steps steps)
};

struct FoldInModel {
  MatrixView items;          // final item embeddings, items x dim
  MatrixView itemLayerSum;   // P_i (LightGcnModel::finalEmbeddings' itemLayerSum); rows = 0 for MF
  const Csr* itemUsers = nullptr;  // train users of each item (its degree), needed when layers > 0
  int32_t layers = 0;        // K
  const FoldInClusters* userClusters = nullptr;  // a shared user table; nullptr: a free row
  bool userLastIsOne = false;  // the user's last coordinate is held at 1 (an item-side bias)
};

enum class FoldInObjective {
  kBpr,   // pairwise softplus(s_j - s_i) (LightGCN, MF, MRL)
  kSgns,  // pointwise sigmoid BCE against weighted negatives (Interact2Vec); needs layers = 0, one level
};

struct FoldInSpec {
  FoldInObjective objective = FoldInObjective::kBpr;
  int32_t steps = 0;          // gradient steps on e_u^(0), >= 0 (0 keeps it at 0: needs layers > 0)
  int32_t negatives = 500;    // size of the negative pool, >= 1
  double reg = 0.01;          // L2 weight on e_u^(0), finite and >= 0
  std::vector<int32_t> levels;  // nested widths, strictly increasing in [1, dim]; empty = {dim}
  uint64_t seed = 0;
  // kSgns only:
  double negativeMass = 1;                // K, finite and > 0
  const double* negativeWeights = nullptr;  // items.rows weights >= 0 (finite); nullptr = uniform
  double initRange = 0;                   // start of e ~ U(-initRange, initRange), finite and >= 0
};

struct FoldInResult {
  std::vector<float> embedding;  // f_u, dim floats: scores are <f_u, v_j> as for a trained user
  double loss = 0;               // L at the returned e (0 when steps = 0)
  int32_t steps = 0;             // steps taken (fewer than asked once no step decreases L)
  int32_t cluster = -1;          // the cluster joined (shared user rows), else -1
  int64_t clustersEvaluated = 0; // candidates whose exact L was computed (the rest were bounded out)
};

// `items`: the user's items, ascending and distinct, in [0, items.rows). Errors: E_INVALID_ARG
// (no items, negative steps, steps = 0 for MF with a free row, bad negatives / reg / levels, items
// not sorted, no or unsorted cluster candidates, clusters with the SGNS objective),
// E_OUT_OF_RANGE (an item id, a candidate), E_SHAPE (tables that do not match).
FoldInResult foldInUser(const FoldInModel& model, const int32_t* items, int64_t n, const FoldInSpec& spec);

}  // namespace rf
