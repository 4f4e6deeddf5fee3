// Interact2Vec training on the GPU: epochs of batched, deterministic SGNS (sgnsBatchStep) on the
// device-resident tables U (users x dim) and V (items x dim). Host-only header.
//
// What it shares with the CPU trainer's SGD path (rf::Interact2VecTrainer, I2vOptimizer::kSgd):
// the kept interactions (repeated pairs once; the same subsampling keep rule and rounds, kOnce
// or kPerEpoch), the epoch's order (the CPU's seeded Fisher-Yates shuffle of epoch e, stream
// kI2vShuffleStream), the negative distribution (frequency^alpha over the kept counts, a negative
// never equal to its positive), the tabulated sigmoid and loss, and the linear learning-rate
// decay lr0 * max(minLrRatio, 1 - done / (epochs * n + 1)) with done = epoch * n + examples
// before this one.
//
// What differs: the update schedule. The CPU runs word2vec's Hogwild SGD: one interaction at a
// time, each seeing the updates of the ones before it (and racing with other threads). Here the
// epoch is cut into consecutive batches of batchSize examples and each batch is ONE synchronous
// step: every example's gradient is taken on the tables as they were before the batch, the
// per-row sums are formed in a fixed order and applied at once (interact2vec.hpp), at the rate of
// the batch's first example. Negatives are drawn on the device with the counter-based alias
// sampler (sampling.hpp): the same distribution as the CPU's, other numbers (stream
// (seed, hash3(kI2vGpuNegativeStream, epoch, 0)), example index = position in the epoch).
// So the result is a deterministic mini-batch schedule: bitwise the same on every run for a seed
// (whatever the host thread count), close to the CPU's in quality but never in bits. A row seen c
// times in a batch gets c updates computed from one snapshot, so batchSize should stay small next
// to the number of interactions (the default suits datasets of ~10^5 interactions and more).
//
// Not supported (E_INVALID_ARG): optimizer kAdam (the CPU's mini-batch Adam path) and the
// item-item objective (itemItemWeight > 0). options.threads is not used (the host work per epoch
// is the shuffle, done on one thread while the device trains the previous epoch).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "recforge/cuda/interact2vec.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/job.hpp"

namespace rf::cuda {

inline constexpr uint64_t kI2vShuffleStream = 0x4932565348554646ull;      // "I2VSHUFF": the CPU SGD path's
inline constexpr uint64_t kI2vGpuNegativeStream = 0x4932564750554E47ull;  // "I2VGPUNG"

struct CudaInteract2VecOptions {
  int32_t batchSize = 8192;                       // examples per synchronous step
  SgnsSigmoid sigmoid = SgnsSigmoid::kTabulated;  // kTabulated: the CPU's (word2vec's) table
};

class Interact2VecTrainer {
 public:
  // train: (user, item) pairs (repeated pairs count once). Errors as rf::Interact2VecTrainer
  // (E_OUT_OF_RANGE / E_SHAPE / E_EMPTY / E_INVALID_ARG), E_INVALID_ARG for what is not supported
  // here or batchSize < 1, then E_NO_DEVICE / E_DEVICE_OOM. Uploads the model's tables; the model
  // must outlive the trainer (its host tables are stale until downloadModel()).
  Interact2VecTrainer(const EdgeView& train, Interact2VecModel& model, const Interact2VecOptions& options,
                      const CudaInteract2VecOptions& gpu = {});
  ~Interact2VecTrainer();
  Interact2VecTrainer(const Interact2VecTrainer&) = delete;
  Interact2VecTrainer& operator=(const Interact2VecTrainer&) = delete;

  // Trains the next epoch. Stats: loss = summed tabulated (or exact) SGNS loss of every example
  // on its batch's snapshot / kept; kept; lastLr = the last batch's rate; steps = batches; reg 0.
  // Cancellation is checked between batches (E_ABORTED with the batches before applied).
  I2vEpochStats trainEpoch(const JobControl& ctl = {});

  void downloadModel();  // device tables -> model.users / model.items
  void uploadModel();    // model.users / model.items -> device (e.g. after a checkpoint restore)
  // The device tables (users x dim, items x dim), for evaluation without a copy.
  const float* usersOnDevice() const;
  const float* itemsOnDevice() const;

  int64_t epochsDone() const { return epoch_; }
  const Csr& userItems() const { return userItems_; }

 private:
  struct State;
  struct EpochPairs;
  EpochPairs planEpoch(int64_t epoch) const;

  Interact2VecModel& model_;
  Interact2VecOptions options_;
  CudaInteract2VecOptions gpu_;
  Csr userItems_;
  std::vector<double> keep_;
  std::vector<int32_t> keptUsers_, keptItems_;  // kOnce: the kept interactions, in user order
  std::unique_ptr<State> s_;
  int64_t epoch_ = 0;
};

}  // namespace rf::cuda
