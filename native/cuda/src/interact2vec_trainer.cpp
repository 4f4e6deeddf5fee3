// The GPU Interact2Vec trainer (interact2vec_trainer.hpp): host-side epoch planning (subsampling,
// the CPU's shuffle) overlapped with device epochs of target filling + batched SGNS steps.
#include "recforge/cuda/interact2vec_trainer.hpp"

#include <algorithm>
#include <climits>
#include <future>
#include <string>
#include <utility>

#include "recforge/cuda/sampling.hpp"
#include "recforge/cuda/workspace.hpp"
#include "recforge/interact2vec_kernels.hpp"
#include "recforge/rng.hpp"

namespace rf::cuda {

namespace {
constexpr uint64_t kOnceRound = ~0ull;  // the CPU's subsampling round of kOnce
void invalid(const std::string& what) { fail(code::kInvalidArgument, "interact2vec (CUDA): " + what); }
}  // namespace

// One epoch's examples in training order; counts: the kept count per item (kPerEpoch only).
struct Interact2VecTrainer::EpochPairs {
  std::vector<int32_t> users, items;
  std::vector<int64_t> counts;
};

struct Interact2VecTrainer::State {
  DeviceBuffer<float> U, V;
  DeviceBuffer<int32_t> users, items, targets;  // the epoch's examples; one batch's targets
  DeviceFrequencyNegatives negatives;
  SgnsWorkspace ws;
  // The next epoch's plan, drawn on a host thread while the device trains.
  int64_t pendingEpoch = -1;
  std::future<EpochPairs> pending;
};

Interact2VecTrainer::Interact2VecTrainer(const EdgeView& train, Interact2VecModel& model,
                                         const Interact2VecOptions& options, const CudaInteract2VecOptions& gpu)
    : model_(model), options_(options), gpu_(gpu), s_(std::make_unique<State>()) {
  validateInteract2VecOptions(options);
  if (options.optimizer != I2vOptimizer::kSgd) invalid("only the SGD optimizer runs on the GPU (not adam)");
  if (options.itemItemWeight != 0) invalid("the item-item objective (itemItemWeight > 0) is not supported");
  if (gpu.batchSize < 1) invalid("batchSize must be >= 1");
  if (static_cast<int64_t>(gpu.batchSize) * (options.negatives + 1) >= INT32_MAX)
    invalid("batchSize * (negatives + 1) must be below 2^31");
  // The CPU trainer's data: deduplicated CSR, keep probabilities from the item shares.
  Interact2VecTrainingData data = prepareInteract2VecTraining(train, model, options.subsample);
  userItems_ = std::move(data.userItems);
  keep_ = std::move(data.keep);
  requireDevice();
  s_->U.upload(model.users, "interact2vec user table");
  s_->V.upload(model.items, "interact2vec item table");
  if (options.subsampleMode == I2vSubsample::kOnce) {
    std::vector<int64_t> kept(static_cast<size_t>(model.config.items), 0);
    for (int32_t u = 0; u < userItems_.rows; ++u)
      for (int64_t q = userItems_.indptr[u]; q < userItems_.indptr[u + 1]; ++q) {
        const int32_t i = userItems_.indices[q];
        if (!keepInteraction(options.seed, kOnceRound, q, keep_[i])) continue;
        keptUsers_.push_back(u);
        keptItems_.push_back(i);
        ++kept[i];
      }
    if (keptUsers_.empty()) fail(code::kEmpty, "interact2vec: subsampling kept no interaction (raise subsample)");
    s_->negatives = uploadFrequencyNegatives(FrequencyNegatives(kept, options.alpha));
  }
}

Interact2VecTrainer::~Interact2VecTrainer() {
  if (s_ && s_->pending.valid()) s_->pending.wait();
}

// Pure function of the epoch and the trainer's constant data (runs on a host thread).
Interact2VecTrainer::EpochPairs Interact2VecTrainer::planEpoch(int64_t epoch) const {
  EpochPairs p;
  if (options_.subsampleMode == I2vSubsample::kPerEpoch) {
    p.counts.assign(keep_.size(), 0);
    for (int32_t u = 0; u < userItems_.rows; ++u)
      for (int64_t q = userItems_.indptr[u]; q < userItems_.indptr[u + 1]; ++q) {
        const int32_t i = userItems_.indices[q];
        if (!keepInteraction(options_.seed, static_cast<uint64_t>(epoch), q, keep_[i])) continue;
        p.users.push_back(u);
        p.items.push_back(i);
        ++p.counts[i];
      }
    if (p.users.empty()) fail(code::kEmpty, "interact2vec: subsampling kept no interaction (raise subsample)");
  } else {
    p.users = keptUsers_;
    p.items = keptItems_;
  }
  // The CPU SGD path's shuffle of this epoch (interact2vec_trainer.cpp), applied to both arrays.
  const int64_t n = static_cast<int64_t>(p.users.size());
  Rng rng(options_.seed, hash3(kI2vShuffleStream, static_cast<uint64_t>(epoch), 0));
  for (int64_t k = n - 1; k > 0; --k) {
    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(k) + 1));
    std::swap(p.users[k], p.users[j]);
    std::swap(p.items[k], p.items[j]);
  }
  return p;
}

I2vEpochStats Interact2VecTrainer::trainEpoch(const JobControl& ctl) {
  ctl.checkCancelled();
  State& s = *s_;
  EpochPairs p;
  if (s.pendingEpoch == epoch_ && s.pending.valid()) {
    p = s.pending.get();
  } else {
    if (s.pending.valid()) s.pending.wait();
    p = planEpoch(epoch_);
  }
  s.pendingEpoch = -1;
  if (options_.subsampleMode == I2vSubsample::kPerEpoch)
    s.negatives = uploadFrequencyNegatives(FrequencyNegatives(p.counts, options_.alpha));
  const int64_t n = static_cast<int64_t>(p.users.size());
  const int32_t K = options_.negatives, width = K + 1, dim = model_.config.dim;
  ensureSize(s.users, static_cast<size_t>(n), "interact2vec epoch users");
  ensureSize(s.items, static_cast<size_t>(n), "interact2vec epoch items");
  ensureSize(s.targets, static_cast<size_t>(gpu_.batchSize) * width, "interact2vec targets");
  copyToDevice(s.users.data(), p.users.data(), static_cast<size_t>(n) * sizeof(int32_t));
  copyToDevice(s.items.data(), p.items.data(), static_cast<size_t>(n) * sizeof(int32_t));
  // Plan the next epoch on the host while the device works through this one.
  s.pending = std::async(std::launch::async, [this, e = epoch_ + 1] { return planEpoch(e); });
  s.pendingEpoch = epoch_ + 1;

  const double lr0 = options_.lr, floorLr = options_.lr * options_.minLrRatio;
  const double doneBefore = static_cast<double>(epoch_) * n;
  const double plannedTotal = static_cast<double>(options_.epochs) * n + 1;  // word2vec's iter * T + 1
  const uint64_t stream = hash3(kI2vGpuNegativeStream, static_cast<uint64_t>(epoch_), 0);
  SgnsStep step;
  step.sigmoid = gpu_.sigmoid;
  I2vEpochStats stats;
  double loss = 0;
  const int64_t batches = (n + gpu_.batchSize - 1) / gpu_.batchSize;
  for (int64_t b = 0; b < batches; ++b) {
    if (b > 0) ctl.checkCancelled();
    const int64_t begin = b * gpu_.batchSize, len = std::min<int64_t>(gpu_.batchSize, n - begin);
    const double lr = lr0 * (1.0 - (doneBefore + static_cast<double>(begin)) / plannedTotal);
    step.lr = static_cast<float>(lr > floorLr ? lr : floorLr);
    fillSgnsTargets(s.negatives, s.items.data() + begin, nullptr, len, K, options_.seed, stream,
                    static_cast<uint64_t>(begin), s.targets.data());
    SgnsBatch batch;
    batch.inputs = s.users.data() + begin;
    batch.targets = s.targets.data();
    batch.lr = nullptr;
    batch.examples = len;
    batch.width = width;
    loss += sgnsBatchStep(s.U.data(), model_.config.users, s.V.data(), model_.config.items, dim, batch, step, s.ws);
    stats.lastLr = step.lr;
    ctl.report(static_cast<double>(b + 1) / static_cast<double>(batches));
  }
  stats.loss = n > 0 ? loss / static_cast<double>(n) : 0.0;
  stats.kept = n;
  stats.steps = batches;
  ++epoch_;
  return stats;
}

void Interact2VecTrainer::downloadModel() {
  s_->U.download(model_.users.data());
  s_->V.download(model_.items.data());
}

void Interact2VecTrainer::uploadModel() {
  if (model_.users.size() != s_->U.size() || model_.items.size() != s_->V.size())
    fail(code::kShape, "interact2vec: model tables changed shape");
  s_->U.upload(model_.users, "interact2vec user table");
  s_->V.upload(model_.items, "interact2vec item table");
}

const float* Interact2VecTrainer::usersOnDevice() const { return s_->U.data(); }
const float* Interact2VecTrainer::itemsOnDevice() const { return s_->V.data(); }

}  // namespace rf::cuda
