// Clustered embedding tables (CEL) under LightGCN / MF-BPR training. The layer-0 table of the
// model (LightGcnModel::ego) stays what every other part reads (propagation, evaluation,
// recommendation); here it is a materialized view, ego_i = W[a(i)] (+ delta_i), of a clustered
// table per side. Each step the LightGCN trainer computes dL/dE0 row by row (gradientRows), the
// rows are scattered into the cluster rows (and residuals), the optimizer updates W, and the view
// is gathered again. A side of kind kFull is the identity table (one cluster per entity): that
// run is bit-identical to the plain LightGcnTrainer. See ALGORITHMS.md Part B 3 and docs/cel.md.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "recforge/cel_reassign.hpp"
#include "recforge/cel_table.hpp"
#include "recforge/lightgcn.hpp"

namespace rf {

enum class EmbeddingKind {
  kFull,       // the plain table (one row per entity)
  kClustered,  // CEL: starts as one cluster, grows by gradient splits up to the budget, reassigns
  kHashed,     // the hashing trick: fixed seeded bucket per entity
  kFrequency,  // the most interacted entities keep own rows, the rest share one
};

struct SideEmbedding {
  EmbeddingKind kind = EmbeddingKind::kFull;
  ClusterBudget budget;   // ignored for kFull
  bool residual = false;  // e_i = W[a(i)] + delta_i (kClustered / kHashed / kFrequency)
  // kClustered: the share of the budget, in [0, 1], given to the most interacted entities as
  // pinned own rows (floor(hot x C), at most C - 1); CEL clusters the rest starting from one row.
  // 0: the paper's top-down start from one cluster.
  double hot = 0;
  // A per-entity scalar score offset for a shared table (MF-BPR only: layers == 0, dim >= 2, one
  // side at most): the last coordinate of this side's rows is the entity's own bias b_i (cluster
  // rows keep 0 there), and the other side's last coordinate is held at 1, so
  // score(u, i) = <u, W[a(i)]> over dim - 1 coordinates + b_i. Separates members of a cluster
  // (which otherwise score identically) for 4 bytes per entity.
  bool bias = false;
};

// The clustered tables of one model: [0] users, [1] items.
struct CelModel {
  std::array<SideEmbedding, 2> spec;
  std::array<ClusteredTable, 2> table;

  // Tables over a freshly created model: centers start as the model's first `capacity` rows of
  // that side, frequency ranks by train degree, hashing is seeded by `seed`. Then model.ego is
  // gathered. E_INVALID_ARG for a bad budget (see resolveClusterCount).
  static CelModel create(const BipartiteGraph& graph, LightGcnModel& model, const SideEmbedding& users,
                         const SideEmbedding& items, uint64_t seed);
  // The tables alone, for any model with a user and an item table (LightGCN, Interact2Vec): side
  // s has entities[s] rows, its centers start as the first `capacity` rows of rows[s] (entities x
  // dim), degree[s] (entities values: train interactions) ranks the frequency and hot starts.
  // Budgets and residuals are checked as in create(); no bias (create() adds it for MF).
  static CelModel build(int32_t dim, const std::array<int32_t, 2>& entities, const std::array<const float*, 2>& rows,
                        const std::array<const int64_t*, 2>& degree, const SideEmbedding& users,
                        const SideEmbedding& items, uint64_t seed);
  // model.ego = the gathered view of both tables.
  void materialize(LightGcnModel& model, int threads = 0) const;
  // users / items (entities x dim each) = the gathered views, after validate() and a check that
  // the tables have `entities` rows of width `dim` (E_SHAPE).
  void gather(float* users, float* items, int32_t dim, const std::array<int32_t, 2>& entities, int threads = 0) const;
  // Bytes of the model state: per side the float rows it stores (centers + residual) and, for the
  // kinds that need it, the int32 assignment (not for kFull: implicit identity; not for kHashed:
  // recomputed from the seed).
  int64_t stateBytes(int side) const;
  // The cluster a new entity of `side` (id `id`, e.g. the side's row count) gets by its kind's
  // own rule, without looking at its data: kHashed the bucket of its id, kFrequency the last row
  // (the shared tail: a new entity has no train interactions, so it ranks last). -1 for kFull and
  // kClustered (CEL places entities by loss: see fold_in.hpp).
  int32_t ruleCluster(int side, int64_t id) const;
};

struct CelSchedule {
  // true: cluster steps interleave with training steps (CEL-Lite style): a split round every
  // splitEvery steps until the budget is used, a reassignment round every reassignEvery steps.
  // false: one split round and one reassignment round after each epoch.
  bool online = true;
  int32_t splitEvery = 10;
  int32_t reassignEvery = 50;  // 0: never
  int32_t candidates = 8;      // reassignment candidates per entity (current cluster included)
  int powerIterations = 20;
  int32_t minMembers = 2;
  double residualLambda = 1e-4;  // L2 towards zero on a residual row, per occurrence in a batch
  // Stop reassigning after this many epochs (0: never stop).
  int32_t reassignEpochs = 0;
  // Reassignment damping (ReassignOptions::minGain): the relative loss drop a move needs.
  double reassignMinGain = 0;
};

struct CelCounters {
  int64_t splits = 0, splitRounds = 0, moves = 0, reassignRounds = 0;
};

// Everything of a CelTrainer besides the tables (CelModel) that a run needs to continue bit for
// bit: the step count (Adam's bias correction and the cluster schedule), the counters (the split
// and reassignment rounds seed their draws by round number), and per side the optimizer moments
// and CEL's gradient window since the last split round. The sampler is seeded by (seed, epoch)
// and the cluster steps by (seed, round): no RNG position to keep.
struct CelSideState {
  std::vector<float> m, v;    // Adam moments of the cluster rows (empty for SGD)
  std::vector<float> mr, vr;  // of the residual (empty without one, or SGD)
  std::vector<float> mb, vb;  // of the bias (empty without one, or SGD)
  std::vector<float> window;  // kClustered: entities x dim gradient sums; empty otherwise
};
struct CelTrainerState {
  int64_t steps = 0;
  CelCounters counters;
  std::array<CelSideState, 2> sides;
};

// E_INVALID_ARG when a schedule field is out of range.
void validateCelSchedule(const CelSchedule& schedule);

// The cluster steps of one side, shared by every trainer with clustered tables (CelTrainer,
// Interact2VecTrainer). celSplitStep: a split round on the per-entity gradient window when rows
// are free (new rows copy the parent's rows in `extra`, e.g. Adam moments), then the window is
// reset; returns true when the assignment may have changed. celReassignStep: one reassignment
// round with the entity's own loss `data` (ReassignOptions from the schedule; `scale` as there).
// `seed` is the run's seed; `side` 0 users, 1 items.
bool celSplitStep(ClusteredTable& table, std::vector<float>& window, const CelSchedule& schedule, uint64_t seed, int side,
                  CelCounters& counters, const std::vector<float*>& extra = {});
void celReassignStep(ClusteredTable& table, const Csr& own, const Csr& back, const OwnDataFn& data,
                     const CelSchedule& schedule, uint64_t seed, int side, double scale, int threads,
                     CelCounters& counters);
// Whether a reassignment due in `epoch` (0-based) runs under the schedule's reassignEpochs.
inline bool celReassignAllowed(const CelSchedule& s, int64_t epoch) { return s.reassignEpochs == 0 || epoch < s.reassignEpochs; }
// Training steps from `steps` (done) to the next online cluster step (split or reassignment), or
// -1 when the schedule has none.
int64_t celStepsToNextClusterStep(const CelSchedule& schedule, int64_t steps);
// window rows (entities x dim) += G rows of `rows` (G indexed by entity).
void celAddToWindow(float* window, const int32_t* rows, int64_t n, const float* G, int32_t dim);

class CelTrainer {
 public:
  // Same contract as LightGcnTrainer (graph, model and cel outlive the trainer). options.optimizer
  // applies to the cluster rows and residuals; the Matryoshka objective works unchanged.
  CelTrainer(const BipartiteGraph& graph, LightGcnModel& model, CelModel& cel, const TrainOptions& options,
             const CelSchedule& schedule);
  ~CelTrainer();

  double trainEpoch(int64_t epoch, const JobControl& ctl = {});
  int64_t stepsDone() const { return steps_; }
  const CelCounters& counters() const { return counters_; }
  // The trainer's state (see CelTrainerState), and its restore. restore checks everything first
  // (E_SHAPE: a vector whose size is not this trainer's, E_INVALID_ARG: negative counts,
  // E_NONFINITE: NaN / Inf) and changes nothing when it fails. The tables are restored separately
  // (CelModel), before or after.
  CelTrainerState state() const;
  void restore(CelTrainerState s);

 private:
  struct Side;
  BprLoss step(const BprTriple* t, int64_t n, int64_t epoch, int64_t first);
  void clusterSteps(bool splitDue, bool reassignDue);
  void reassign(int side);

  const BipartiteGraph& graph_;
  LightGcnModel& model_;
  CelModel& cel_;
  TrainOptions opt_;
  CelSchedule schedule_;
  std::unique_ptr<LightGcnTrainer> inner_;
  std::vector<std::unique_ptr<Side>> sides_;
  std::vector<float> gradEgo_;
  std::vector<uint8_t> rowMark_;
  int64_t steps_ = 0;
  int64_t epoch_ = 0;
  CelCounters counters_;
};

}  // namespace rf
