// Clustered embedding tables (CEL, ALGORITHMS.md Part B 3): every entity i of one side (users or
// items) uses the shared row of its cluster, e_i = W[a(i)] (+ delta_i, an optional per-entity
// residual), so the table holds C rows instead of n. Gradients flow back by scatter-add: the
// cluster row receives the sum of its members' gradients, in ascending entity order (so results
// do not depend on threads). The assignment is discrete and changes only through the cluster
// steps (cel_split.hpp, cel_reassign.hpp).
#pragma once
#include <cstdint>
#include <vector>

namespace rf {

// How the assignment starts. kFull: one cluster per entity (the plain table); kHashed: the hashing
// trick (seeded uniform bucket per entity); kFrequency: the `clusters - 1` entities with the most
// train interactions keep their own rows, the rest share the last one; kSingle: everything in
// cluster 0 (CEL's top-down start: splits grow the table up to `capacity`); kHotTail: the `hot`
// entities with the most train interactions keep own rows 0..hot-1, pinned (never split, never
// moved, never joined), and the rest start in row `hot` (CEL's start seeded by frequency: splits
// and reassignment work in the tail only; hot is clamped to capacity - 1).
enum class ClusterInit { kFull, kHashed, kFrequency, kSingle, kHotTail };

// A cluster budget: a cluster count (> 0) or a compression ratio of the table (>= 1: C =
// max(1, floor(entities / ratio))). Exactly one of the two is set.
struct ClusterBudget {
  int32_t clusters = 0;
  double ratio = 0;
};

// The cluster count a budget gives for `entities` rows. E_INVALID_ARG for 0 or negative clusters,
// more clusters than entities, a ratio < 1 or NaN, or both / neither set.
int32_t resolveClusterCount(const ClusterBudget& budget, int32_t entities);

struct ClusteredTable {
  int32_t entities = 0;
  int32_t dim = 0;
  int32_t capacity = 0;            // the budget: centers has capacity x dim values
  std::vector<int32_t> assign;     // entity -> cluster in [0, capacity)
  std::vector<float> centers;      // capacity x dim (rows nobody uses are kept, reusable by splits)
  std::vector<float> residual;     // empty, or entities x dim
  int32_t pinned = 0;              // clusters [0, pinned) are fixed singletons (kHotTail)
  // Empty, or one scalar per entity: the last coordinate of e_i is bias[i] instead of the row's
  // (a per-entity score offset when the other side's last coordinate is held at 1; see
  // SideEmbedding::bias).
  std::vector<float> bias;
  uint64_t seed = 0;               // create's seed (kHashed: the buckets are hashBucket of the ids)

  // Assignment by `init`; center c starts as initRows row c (initRows: >= capacity rows x dim,
  // e.g. the first rows of a seeded plain table). `degree` (entities values) is needed for
  // kFrequency and kHotTail only; ties go to the lower id. E_INVALID_ARG for capacity outside
  // [1, entities] or a negative `hot`.
  static ClusteredTable create(int32_t entities, int32_t dim, int32_t capacity, ClusterInit init, const float* initRows,
                               bool residual, uint64_t seed, const int64_t* degree = nullptr, int32_t hot = 0);

  // The hashing trick's bucket of entity `id` under this table's seed (what kHashed assigns; also
  // defined for ids past `entities`, e.g. a new entity's).
  int32_t hashBucket(int64_t id) const;
  // Clusters a new entity may join by fit: rows with at least one member that are not pinned, ascending.
  std::vector<int32_t> joinableClusters() const;
  // Clusters with at least one member.
  int32_t usedClusters() const;
  // Members per cluster (capacity values).
  std::vector<int32_t> clusterSizes() const;
  // Float values the table stores (centers + residual + bias), and its bytes with the int32 assignment.
  int64_t parameterCount() const;
  int64_t stateBytes() const;
  // E_SHAPE / E_OUT_OF_RANGE when the arrays disagree or an assignment is outside [0, capacity)
  // (or a pinned cluster does not hold exactly one entity).
  void validate() const;
};

// out (entities x dim) = W[a(i)] (+ delta_i) for every entity; with a bias, out[i][dim-1] = bias[i].
void gatherAll(const ClusteredTable& t, float* out, int threads = 0);

// Scatter of per-entity gradients. rows: ascending entity ids (n of them, no duplicates); G is
// indexed by entity (entities x dim; only the listed rows are read). Each touched cluster gets a
// compact slot, in first touch order: touched[s] is the cluster of slot s, slot[c] its slot (-1
// before; the caller resets the touched entries to -1 afterwards), and gradSlots row s the sum of
// its members' rows in ascending entity order (the first member's row copied, later ones added,
// so one member per cluster reproduces G bit for bit). With a residual, gradResidual row q (for
// rows[q]) = G row + residualLambda * delta.
void scatterGradients(const ClusteredTable& t, const int32_t* rows, int64_t n, const float* G, float* gradSlots,
                      std::vector<int32_t>& touched, int32_t* slot, float* gradResidual = nullptr,
                      float residualLambda = 0.0f);

}  // namespace rf
