// What the Interact2Vec epoch driver hands to its SGD and Adam kernels (core-internal).
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/cel_trainer.hpp"
#include "recforge/csr.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/interact2vec_kernels.hpp"
#include "recforge/job.hpp"
#include "interact2vec_sgns.hpp"

namespace rf {

struct I2vPair {
  int32_t user;
  int32_t item;
};

// One Hogwild SGD epoch over `pairs` (already shuffled), cut into blocks of kSgdBlockPairs that
// workers claim one at a time (a worker slowed down by a busy core then takes fewer blocks
// instead of holding back the whole epoch).
inline constexpr int64_t kSgdBlockPairs = 8192;
struct I2vSgdEpoch {
  const I2vPair* pairs = nullptr;
  int64_t n = 0;
  const Csr* history = nullptr;  // each user's train items, for the item-item objective
  const FrequencyNegatives* negatives = nullptr;
  // The user and item tables: plain (W the table) or, with clustered tables, their cluster rows
  // reached through the assignments (then `shared` is set and the shared-row kernel runs).
  detail::SharedRows U, V;
  bool shared = false;
  double residualLambda = 0;  // shared: L2 on residual rows, per update (the decay is lr x this)
  int32_t dim = 0;
  int32_t K = 0;
  float itemItemWeight = 0;
  // Linear decay: lr = lr0 * max(minRatio, 1 - (doneBefore + done) / plannedTotal).
  double lr0 = 0, minRatio = 0, doneBefore = 0, plannedTotal = 1;
  uint64_t seed = 0, epoch = 0;
};

// A worker's buffers (the user row's gradient accumulator and the targets of one update).
struct I2vSgdScratch {
  std::vector<float> acc, in;  // in: the input entity's gathered row (shared tables)
  std::vector<int32_t> targets;
};

// Trains block `block` with its own random stream (seed, epoch, block); `doneAtStart` is how
// many interactions of the epoch count as done when it starts (word2vec's shared counter; with
// one worker exactly the block's offset, which gives word2vec's schedule). Returns the summed loss.
double trainSgdBlock(const I2vSgdEpoch& e, int64_t block, int64_t doneAtStart, I2vSgdScratch& scratch);
// The same through shared rows (e.shared: clustered tables, see detail::SharedRows).
double trainSharedSgdBlock(const I2vSgdEpoch& e, int64_t block, int64_t doneAtStart, I2vSgdScratch& scratch);

// The rate after `done` interactions of the epoch.
inline double sgdLearningRate(const I2vSgdEpoch& e, double done) {
  const double lr = e.lr0 * (1.0 - (e.doneBefore + done) / e.plannedTotal);
  return lr > e.lr0 * e.minRatio ? lr : e.lr0 * e.minRatio;
}

// Batch rows grouped by the table row they touch, and the summed gradient of each group:
// grad[slot] = sum over the group's batch rows r (in batch order) of coef[r] * other[otherIds[r]].
struct RowGradients {
  std::vector<int32_t> slotOf;  // per table row: its slot, -1 when the batch does not touch it
  std::vector<int32_t> rowOf;   // slot -> table row
  std::vector<int64_t> start;   // slot -> first entry in members (slots + 1 offsets)
  std::vector<int32_t> members; // batch rows grouped by slot, ascending inside a group
  std::vector<float> grad;      // slots x dim

  void reset(int64_t tableRows) { slotOf.assign(static_cast<size_t>(tableRows), -1); }
  // Groups batch rows by ids[r]. slotOf must be all -1 (reset() or clear()).
  void group(const int32_t* ids, int64_t n);
  void accumulate(const int32_t* otherIds, const float* other, const float* coef, int32_t dim, int threads);
  // Puts slotOf back to all -1 in O(slots).
  void clear();
};

struct I2vAdamState {
  std::vector<float> mU, vU, mV, vV;
  int64_t step = 0;
  RowGradients users, items;
  std::vector<float> coef;
  std::vector<int32_t> rowUser, rowItem;  // this epoch's rows
  std::vector<float> rowLabel;
};

// The reference's row stream for one epoch: users in ascending order, each user's kept positives,
// then K negatives for each of them in the same order (a negative that cannot avoid the
// positive is left out). User u's negatives come from stream (seed, epoch, u): the same rows for
// any thread count. With `shuffle`, the rows are then permuted by a seeded Fisher-Yates shuffle
// (stream (seed, epoch)).
void planAdamRows(const std::vector<int32_t>& keptUsers, const std::vector<int32_t>& keptItems, int32_t nUsers,
                  const FrequencyNegatives& negatives, int32_t K, uint64_t seed, uint64_t epoch, int threads,
                  bool shuffle, I2vAdamState& st);

// One side's optimizer state and workspaces under clustered tables (interact2vec_cel.cpp).
struct I2vCelSide {
  ClusteredTable* t = nullptr;
  bool cel = false;                 // kClustered: cluster steps, and a gradient window
  // The window is filled only while the table has free rows (splits need it; with every row used
  // a split round does nothing), refreshed after each cluster step.
  bool collecting = false;
  std::vector<float> window;        // per-entity gradient (or SGD step) sums since the last split
  std::vector<float> m, v, mr, vr;  // Adam moments of the centers and of the residual
  std::vector<float> staging, gradSlots, gradRes;
  std::vector<int32_t> rows, touched, slot, resSlot;
};

// The trainer's CEL part (interact2vec_cel.cpp).
struct Interact2VecTrainer::Cel {
  Interact2VecTrainer& tr;
  CelModel& model;
  CelSchedule schedule;
  CelCounters counters;
  I2vCelSide side[2];
  Csr itemUsers;
  int64_t steps = 0;  // SGD blocks or Adam batches trained

  Cel(Interact2VecTrainer& trainer, CelModel& cel, const CelSchedule& s);
  bool clustered() const { return side[0].cel || side[1].cel; }
  bool online() const { return clustered() && schedule.online; }
  // model.users / model.items = the gathered views.
  void materialize();
  // The SGD kernels' view of the tables (shared rows).
  void sgdTables(I2vSgdEpoch& e);
  // One Adam step: per side, the batch's row gradients (grouped by entity) are scattered into
  // their clusters (and residual gradients), Keras's Adam updates the cluster rows (and
  // residuals) with the L2 term on them, the window takes the rows, and the views are gathered.
  void adamStep(I2vAdamState& st, const KerasAdam& adam, int threads);
  // `n` training steps were just done: runs the online cluster steps that fall due.
  void stepsDone(int64_t n);
  // After an epoch: the offline schedule's cluster steps, and the views.
  void epochDone();
  void clusterSteps(bool splitDue, bool reassignDue);
  // Sets each side's `collecting`.
  void refreshWindows();
  void reassign(int k);
  // ||parameters||^2 of both tables (cluster rows and residuals), for the reported L2 term.
  double squaredNorm() const;
};

}  // namespace rf
