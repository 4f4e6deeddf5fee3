// LightGCN / MF-BPR training on the GPU: the CPU LightGcnTrainer's objective and epoch plan, with
// the model, the optimizer state and every per-step computation on the device.
//
// Per step (all rows, dense): final = propagation forward of E0; BPR + L2 loss and dL/dfinal on the
// batch (deterministic, see bpr.cu); dE0 = propagation backward; dense Adam (or SGD) fused with
// the L2 gradient. Epochs are planned on the host by the core's planEpoch (the same seeded triples
// the CPU trainer draws, so both backends follow the same trajectory up to float rounding), and
// the next epoch's plan is drawn while the device trains the current one.
//
// Matryoshka objective (TrainOptions::matryoshka, MRL4Rec): per step the host draws the batch's
// candidates with rf::cuda::drawMatryoshkaCandidates from the CPU trainer's sampler stream
// (epoch e, first triple = the batch's offset in the epoch plan; step()/gradient() use stream
// 2^62 + stepsDone(), triple 0), so the candidates are the CPU's; the device runs a full forward
// (every final row: candidates are scored on it; for layers = 0 a copy of E0), picks each group's
// hardest candidate (selectMatryoshkaNegatives), takes the nested loss and its gradient
// (matryoshkaLossGrad, on all rows with the identity row map) and then the BPR path's backward and
// Adam/SGD. The plan's own negatives are ignored, as on the CPU. The negatives equal the CPU's
// whenever no two candidates' scores are within float rounding; a Matryoshka step waits for the
// device once (its loss comes back), and the host draws the next batch's candidates while the
// device runs the previous backward and update.
//
// Supported: optimizer kAdam (dense) and kSgd, every EpochKind and NegativeKind of the planner,
// the Matryoshka objective (at most kMaxMatryoshkaLevels levels). Not supported here
// (E_INVALID_ARG): kLazyAdam.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "recforge/job.hpp"
#include "recforge/lightgcn.hpp"

namespace rf::cuda {

struct CudaTrainTimes {
  double plan = 0;    // host: epoch sampling not hidden behind device work (seconds)
  double device = 0;  // wall time of the epoch's device work incl. uploads (Matryoshka: and host draws)
  int64_t steps = 0;
  // With setProfiling(true) only (each phase is then bracketed by events, which serializes the
  // pipeline a little): device seconds per phase, summed over steps.
  double forward = 0, loss = 0, backward = 0, update = 0;
  // Matryoshka objective only: host seconds spent drawing candidates (always measured), and with
  // setProfiling(true) the device seconds of their upload + negative selection (`forward` is then
  // the full forward the candidates are scored on, `loss` the slots + nested loss).
  double draw = 0, sample = 0;
};

class DeviceTimer;

class LightGcnTrainer {
 public:
  // Uploads the graph, the model's table and zero moments. The model and graph must outlive it.
  LightGcnTrainer(const BipartiteGraph& graph, LightGcnModel& model, const TrainOptions& options);
  ~LightGcnTrainer();
  LightGcnTrainer(const LightGcnTrainer&) = delete;
  LightGcnTrainer& operator=(const LightGcnTrainer&) = delete;

  // One optimizer step on host triples (ids checked: E_OUT_OF_RANGE); returns its loss.
  BprLoss step(const BprTriple* triples, int64_t n);
  // Loss and full dL/dE0 ((users + items) x dim, host) of a batch, without updating.
  BprLoss gradient(const BprTriple* triples, int64_t n, float* gradEgo);
  // Trains epoch `epoch` (the CPU trainer's plan for it); returns the mean batch loss.
  // Checks ctl for cancellation between batches (the device finishes the batch in flight).
  double trainEpoch(int64_t epoch, const JobControl& ctl = {});

  // Copies the device table into model.ego (the host copy is stale until then).
  void downloadModel();
  // Copies model.ego (and, when given, Adam moments) to the device: after a checkpoint restore.
  void uploadModel();
  void downloadMoments(std::vector<float>& m, std::vector<float>& v) const;
  void uploadMoments(const std::vector<float>& m, const std::vector<float>& v);
  // Final embeddings of every row on the device ((users + items) x dim), recomputed by this call;
  // valid until the next step. For evaluation without a copy.
  const float* finalEmbeddingsOnDevice();
  std::vector<float> finalEmbeddings();

  int64_t stepsDone() const { return steps_; }
  void setStepsDone(int64_t steps) { steps_ = steps; }
  // Matryoshka objective: the negatives the last step chose (negativesPerTriple per triple, item
  // ids, downloaded by this call; empty before the first step), as rf::LightGcnTrainer's.
  std::vector<int32_t> lastNegatives() const;
  const CudaTrainTimes& times() const { return times_; }
  void resetTimes() { times_ = {}; }
  void setProfiling(bool on) { profiling_ = on; }

 private:
  struct State;
  void runStep(const int32_t* deviceTriples, int64_t n, bool update, double* epochSum);
  // A Matryoshka step on host triples (their negatives unused) with sampler stream (epoch, first).
  BprLoss runMatryoshkaStep(const BprTriple* triples, int64_t n, uint64_t streamEpoch, int64_t streamFirst,
                            bool update);
  // dE0 = backward of s_->gradFinal (gradRows: its non-zero rows), then the update (or, without
  // `update`, dE0 += the L2 part). timer: profiling, or null.
  void backwardAndUpdate(bool update, const uint8_t* gradRows, DeviceTimer* timer);
  void validate(const BprTriple* triples, int64_t n) const;

  const BipartiteGraph& graph_;
  LightGcnModel& model_;
  TrainOptions opt_;
  std::unique_ptr<State> s_;
  int64_t steps_ = 0;
  bool profiling_ = false;
  CudaTrainTimes times_;
};

}  // namespace rf::cuda
