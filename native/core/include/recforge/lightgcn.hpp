// LightGCN (and MF-BPR as its K = 0 case) training in the core: the model (layer-0 table), one
// training step (forward on the batch's hop neighbourhood, BPR + L2, sparse backward fused with
// the optimizer) and the epoch driver. See ALGORITHMS.md Part A.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "recforge/bpr.hpp"
#include "recforge/csr.hpp"
#include "recforge/epoch_plan.hpp"
#include "recforge/job.hpp"
#include "recforge/lightgcn_propagation.hpp"
#include "recforge/matryoshka.hpp"
#include "recforge/negative_sampler.hpp"
#include "recforge/optimizer.hpp"

namespace rf {

struct RowOrder;

enum class InitKind {
  kNormal,         // N(0, initStd^2) (the LightGCN codes)
  kXavierUniform,  // U(-b, b), b = sqrt(6 / (rows + dim)) per table (users, items): MRL4Rec's code
};

struct LightGcnConfig {
  int32_t users = 0;
  int32_t items = 0;
  int32_t dim = 64;
  int32_t layers = 3;    // K; 0 = MF-BPR
  double initStd = 0.1;  // N(0, std^2): 0.1 as the PyTorch port, 0.01 as the TF code
  InitKind init = InitKind::kNormal;  // initStd is used by kNormal only
  uint64_t seed = 0;
};

struct LightGcnModel {
  LightGcnConfig config;
  std::vector<float> ego;  // E0: (users + items) x dim, users first

  // Seeded initial table (config.init); identical for any thread count.
  static LightGcnModel create(const LightGcnConfig& config, int threads = 0);
  int64_t rows() const { return static_cast<int64_t>(config.users) + config.items; }
  // A copy grown to `users` users and `items` items (at least the current counts): existing rows
  // keep their values; each new row is drawn from the model's init (N(0, initStd^2), or
  // Xavier-uniform with the grown table's bound) from its own stream (seed, generation, row of
  // the grown table), so growing is deterministic. E_INVALID_ARG for counts that shrink.
  LightGcnModel grown(int32_t users, int32_t items, uint64_t generation) const;
  // Final (propagated, layer-averaged) embeddings of every row. With `itemLayerSum`, also the
  // sum of the item rows' layers 0..K-1 (items x dim; empty for K = 0), what fold-in propagates
  // to a new user (fold_in.hpp).
  std::vector<float> finalEmbeddings(const BipartiteGraph& graph, int threads = 0,
                                     std::vector<float>* itemLayerSum = nullptr) const;
};

enum class OptimizerKind {
  kAdam,      // dense, every row every step (torch.optim.Adam on the whole table)
  kLazyAdam,  // only rows whose gradient can be non-zero (K-hop neighbourhood of the batch)
  kSgd,       // only rows whose gradient can be non-zero (rows outside have g = 0 exactly)
};

struct TrainOptions {
  EpochKind sampler = EpochKind::kTfDistinctUsers;
  NegativeKind negatives = NegativeKind::kUniform;
  double negativeAlpha = 0.0;  // popularity exponent for NegativeKind::kPopularity
  int32_t batchSize = 2048;
  double lambda = 1e-4;
  // L2 divisor: false = the batch's length (PyTorch), true = batchSize (TF; differs only on a
  // partial last batch).
  bool regByConfiguredBatch = false;
  // Skip a last batch shorter than batchSize (the MRL4Rec reference's DataLoader drop_last).
  bool dropLastPartial = false;
  // When set, the Matryoshka (MRL4Rec) objective replaces plain BPR: each triple's negative from
  // the epoch plan is ignored, and every step draws its own negatives per level on the current
  // final embeddings (sampleMatryoshkaNegatives) and takes the nested loss (matryoshkaLossGrad).
  // With layers > 0 candidate scoring needs every final row, so each step runs a full forward.
  std::optional<MatryoshkaObjective> matryoshka;
  OptimizerKind optimizer = OptimizerKind::kAdam;
  AdamOptions adam;  // adam.lr is the learning rate for SGD too
  int threads = 0;
  uint64_t seed = 0;
  // Performance only (results are bit-identical either way): while training, keep the tables in
  // a cache-friendly internal row order (breadth-first over the graph; not with `matryoshka`,
  // whose candidate sampling works on the original ids). The caller's tables are
  // permuted in when step()/gradient()/trainEpoch() starts and back before it returns (or
  // throws), so between calls everything is in the original order.
  bool localityOrder = true;
};

// Holds the optimizer state and workspaces of one training run; the model and graph must outlive
// it. Same (model, options) and the same calls give bit-identical embeddings, whatever `threads`
// (on one machine: ISA clones may round differently). With options.localityOrder, model.ego and
// the Adam moments are held in an internal row order while a call runs (progress callbacks of
// trainEpoch included) and are back in the original order when it returns.
// Wall-clock seconds spent in each phase of training (accumulated over steps and epochs; for the
// benchmark's breakdown). backward includes the fused optimizer update.
struct TrainPhaseTimes {
  double plan = 0;      // epoch sampling (trainEpoch only)
  double sample = 0;    // Matryoshka negatives: full forward (layers > 0), candidates, scoring
  double map = 0;       // batch -> unique rows
  double forward = 0;   // propagation of the batch rows
  double loss = 0;      // BPR + L2 and dL/dfinal
  double backward = 0;  // backward propagation + L2 gradient + optimizer (dense Adam's sweep included)
  int64_t steps = 0;
};

class LightGcnTrainer {
 public:
  LightGcnTrainer(const BipartiteGraph& graph, LightGcnModel& model, const TrainOptions& options);
  ~LightGcnTrainer();

  // One optimizer step on a batch of triples; returns its loss (before the update). With
  // localityOrder every call permutes the tables in and out (O(table) each way): trainEpoch does
  // that once per epoch, so prefer it for throughput.
  BprLoss step(const BprTriple* triples, int64_t n);
  // Loss and full dL/dE0 ((users + items) x dim) of a batch without updating anything (tests,
  // diagnostics). Same kernels as step().
  BprLoss gradient(const BprTriple* triples, int64_t n, float* gradEgo);
  // Samples epoch `epoch` (seeded by options.seed and epoch) and trains on all its batches.
  // Returns the mean of the batch losses (what both reference codes print). Checks `ctl` for
  // cancellation between batches and reports progress per batch.
  double trainEpoch(int64_t epoch, const JobControl& ctl = {});
  // Trains the batches of a ready-made plan (e.g. planIncremental's) as trainEpoch trains its own;
  // `stream` keys the Matryoshka negatives as an epoch number does. Returns the mean batch loss.
  double trainPlan(const EpochPlan& plan, uint64_t stream, const JobControl& ctl = {});
  // The sampler of this run's negatives (over the graph's train pairs), its batch size and seed.
  const NegativeSampler& negativeSampler() const { return *negatives_; }
  int32_t batchSize() const { return opt_.batchSize; }
  uint64_t seed() const { return opt_.seed; }

  // For trainers that own the parameters behind the layer-0 table (the clustered tables of
  // cel_trainer.hpp): the batches of epoch `epoch` as trainEpoch samples them, and the loss and
  // dL/dE0 of one batch (triples [first, first + n) of that epoch's plan, which seeds the
  // Matryoshka negatives) handed row by row to `sink` (original row ids, users first; rows whose
  // gradient is exactly zero may be left out; called concurrently from worker threads, each row
  // once). Updates nothing.
  using RowGradSink = std::function<void(const int32_t* rows, int64_t n, const float* grad, int worker)>;
  EpochPlan planOf(int64_t epoch, const JobControl& ctl = {}) const;
  BprLoss gradientRows(const BprTriple* triples, int64_t n, int64_t epoch, int64_t first, const RowGradSink& sink);

  int64_t stepsDone() const { return steps_; }
  // Matryoshka objective: the negatives the last step()/gradient() chose, negativesPerTriple per
  // triple (item ids; for tests and diagnostics).
  const std::vector<int32_t>& lastNegatives() const { return mrlNeg_; }
  // Works in the trainer's internal row numbering (see TrainOptions::localityOrder).
  const LightGcnPropagation& propagation() const { return *prop_; }
  LightGcnPropagation& propagation() { return *prop_; }
  const TrainPhaseTimes& phaseTimes() const { return times_; }
  void resetPhaseTimes() { times_ = {}; }

 private:
  struct InternalScope;
  BprLoss forwardBackward(const BprTriple* triples, int64_t n, bool allRows, const LightGcnPropagation::GradSink& sink);
  void chooseMatryoshkaNegatives(const BprTriple* triples, int64_t n);
  BprLoss lossOfBatch(const BprTriple* triples, int64_t n);
  void mapBatch(const BprTriple* triples, int64_t n);
  BprLoss stepInternal(const BprTriple* triples, int64_t n);
  const BprTriple* toInternal(const BprTriple* triples, int64_t n);
  void permuteTables(bool toInternalOrder);

  const BipartiteGraph& graph_;
  LightGcnModel& model_;
  TrainOptions opt_;
  std::unique_ptr<RowOrder> order_;  // localityOrder: the internal numbering and graph
  std::vector<float> spare_;                 // permutation buffer
  std::vector<BprTriple> mapped_;            // the current batch in internal ids
  std::unique_ptr<LightGcnPropagation> prop_;
  std::unique_ptr<PositiveSet> positives_;
  std::unique_ptr<NegativeSampler> negatives_;
  std::vector<float> m_, v_;           // Adam moments (allocated for Adam kinds only)
  std::vector<uint8_t> reached_;       // dense Adam: rows the current step's backward reached
  std::vector<float> regCoef_;         // per global row: L2 gradient factor of the current batch
  std::vector<float> final_, gradFinal_, slotCoef_;
  BprBatch batch_;
  // Matryoshka objective: its checked levels, the batch's users / positives / chosen negatives,
  // every final row (layers > 0), and the sampler stream of the next batch (epoch, first triple).
  MatryoshkaLevels levels_;
  std::vector<int32_t> mrlUsers_, mrlPos_, mrlNeg_;
  std::vector<float> finalAll_;
  uint64_t streamEpoch_ = 0;
  int64_t streamFirst_ = 0;
  int64_t steps_ = 0;
  TrainPhaseTimes times_;

 public:
  // Checkpoint access (used by the addon to save and restore a run bit-for-bit): the Adam
  // moments, (users + items) x dim each, empty for SGD; and the step count behind bias correction.
  std::vector<float>& adamFirstMoment() { return m_; }
  std::vector<float>& adamSecondMoment() { return v_; }
  void setStepsDone(int64_t steps) { steps_ = steps; }
};

}  // namespace rf
