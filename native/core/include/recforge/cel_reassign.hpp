// CEL's reassignment step (ALGORITHMS.md Part B 3.1): move each entity to the cluster whose shared
// vector gives the lowest loss on the entity's own interactions, among a bounded candidate set, so
// one round costs O(candidates x interactions x dim), linear in the data.
//
// The entity's own data enters as K linear terms of a softplus loss in its candidate vector v:
//   loss(v) = sum_k softplus(alpha_k - scale * <c_k, v>)
// which covers BPR on dot products: for an item i with user u and a fixed negative j,
// c = z_u, alpha = <z_u, z_j> - <z_u, r_i>; for a user u with item i and negative j, c = z_i - z_j,
// alpha = -<c, r_u> (r: the entity's final embedding minus scale x its layer-0 row, scale: the
// weight of the layer-0 row in the final embedding, 1 for MF; v includes the entity's residual). See cel_trainer.cpp for the builder.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "recforge/cel_table.hpp"
#include "recforge/csr.hpp"

namespace rf {

// loss(v) above, in double.
double ownLoss(const float* contexts, const double* alpha, int64_t k, int32_t dim, double scale, const float* v);

// Fills the own data of `entity` (contexts: k x dim, alpha: k); returns k. Called concurrently
// from worker threads, with per-worker vectors.
using OwnDataFn = std::function<int64_t(int32_t entity, std::vector<float>& contexts, std::vector<double>& alpha)>;

struct ReassignOptions {
  int32_t candidates = 8;  // current cluster + up to candidates - 1 others
  double scale = 1.0;
  uint64_t seed = 0;
  uint64_t round = 0;
  int threads = 0;
  // Damping: move only when the best candidate's loss is below (1 - minGain) x the loss in the
  // current cluster (0: any strict improvement moves).
  double minGain = 0;
};

// Candidate clusters of `entity`: its own first, then the clusters of up to candidates - 1
// two-hop neighbours (entity -> partner -> entity of the same side, drawn by a hash of seed,
// round, entity and draw), without duplicates and without pinned clusters (t.pinned). own: entity
// -> partners, back: partner -> entities.
std::vector<int32_t> reassignCandidates(const ClusteredTable& t, const Csr& own, const Csr& back, int32_t entity,
                                        const ReassignOptions& o);

// One round over every entity (entities with no own data and pinned entities stay): each moves to
// the candidate with the strictly lowest loss (ties keep the earlier candidate, the current
// cluster first) when that loss clears the minGain damping. Moves are
// decided on the assignment before the round and applied together, so the result does not depend
// on threads. Returns the number of entities moved.
int64_t reassignRound(ClusteredTable& t, const Csr& own, const Csr& back, const OwnDataFn& data, const ReassignOptions& o);

}  // namespace rf
