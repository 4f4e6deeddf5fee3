// The Interact2Vec epoch driver: checks options and data, subsamples, builds the negative
// sampler from the kept counts, and runs one epoch of the chosen optimizer.
#include <atomic>
#include <cmath>
#include <string>
#include <utility>

#include "interact2vec_internal.hpp"
#include "recforge/error.hpp"
#include "recforge/parallel.hpp"

namespace rf {

namespace {
constexpr uint64_t kShuffleStream = 0x4932565348554646ull;  // "I2VSHUFF"
constexpr uint64_t kOnceRound = ~0ull;                      // subsampling round of kOnce
constexpr int32_t kMaxNegatives = 1000;

void invalid(const std::string& what) { fail(code::kInvalidArgument, "interact2vec: " + what); }
bool finite(double x) { return std::isfinite(x); }
}  // namespace

void validateInteract2VecOptions(const Interact2VecOptions& o) {
  if (o.epochs < 1) invalid("epochs must be >= 1");
  if (o.negatives < 1 || o.negatives > kMaxNegatives) invalid("negatives must be in [1, 1000]");
  if (!finite(o.alpha)) invalid("alpha must be a finite number");
  if (!finite(o.subsample) || o.subsample < 0) invalid("subsample must be finite and >= 0 (0 = off)");
  if (!finite(o.lr) || !(o.lr > 0)) invalid("lr must be finite and > 0");
  if (!finite(o.minLrRatio) || o.minLrRatio < 0 || o.minLrRatio > 1) invalid("minLrRatio must be in [0, 1]");
  if (o.batchRows < 1) invalid("batchRows must be >= 1");
  if (!finite(o.l2) || o.l2 < 0) invalid("l2 must be finite and >= 0");
  if (!(o.adamBeta1 >= 0 && o.adamBeta1 < 1) || !(o.adamBeta2 >= 0 && o.adamBeta2 < 1))
    invalid("Adam betas must be in [0, 1)");
  if (!finite(o.adamEps) || !(o.adamEps > 0)) invalid("adamEps must be finite and > 0");
  if (!finite(o.itemItemWeight) || o.itemItemWeight < 0) invalid("itemItemWeight must be finite and >= 0");
  if (o.itemItemWeight > 0 && o.optimizer != I2vOptimizer::kSgd)
    invalid("the item-item objective (itemItemWeight > 0) is trained by the SGD optimizer only");
  if (o.threads < 0) invalid("threads must be >= 0 (0 = all cores)");
}

Interact2VecTrainingData prepareInteract2VecTraining(const EdgeView& train, const Interact2VecModel& model,
                                                     double subsample) {
  validateEdges(train, "train");
  const Interact2VecConfig& c = model.config;
  if (train.nUsers != c.users || train.nItems != c.items)
    fail(code::kShape, "interact2vec: train has " + std::to_string(train.nUsers) + " users x " +
                           std::to_string(train.nItems) + " items, the model " + std::to_string(c.users) + " x " +
                           std::to_string(c.items));
  if (model.users.size() != static_cast<size_t>(c.users) * c.dim ||
      model.items.size() != static_cast<size_t>(c.items) * c.dim)
    fail(code::kShape, "interact2vec: model tables do not match its config");
  if (train.size == 0) fail(code::kEmpty, "interact2vec: train has no interactions");
  Interact2VecTrainingData d;
  d.userItems = buildCsr(train.users, train.items, train.size, train.nUsers, train.nItems);
  // Keep probabilities from the item shares of all (deduplicated) interactions.
  std::vector<int64_t> count(static_cast<size_t>(c.items), 0);
  for (int32_t i : d.userItems.indices) ++count[i];
  d.keep.resize(count.size());
  for (size_t i = 0; i < count.size(); ++i) d.keep[i] = subsampleKeepProbability(count[i], d.userItems.nnz(), subsample);
  return d;
}

Interact2VecTrainer::Interact2VecTrainer(const EdgeView& train, Interact2VecModel& model,
                                         const Interact2VecOptions& options, CelModel* cel,
                                         const CelSchedule* schedule)
    : model_(model), options_(options) {
  validateInteract2VecOptions(options);
  Interact2VecTrainingData data = prepareInteract2VecTraining(train, model, options.subsample);
  userItems_ = std::move(data.userItems);
  keep_ = std::move(data.keep);
  if (options.optimizer == I2vOptimizer::kAdam) {
    adam_ = std::make_unique<I2vAdamState>();
    if (!cel) {  // clustered tables keep their moments per cluster row
      adam_->mU.assign(model.users.size(), 0.0f);
      adam_->vU.assign(model.users.size(), 0.0f);
      adam_->mV.assign(model.items.size(), 0.0f);
      adam_->vV.assign(model.items.size(), 0.0f);
    }
    adam_->users.reset(model.config.users);
    adam_->items.reset(model.config.items);
  }
  if (options.subsampleMode == I2vSubsample::kOnce) resample(kOnceRound);
  if (cel) cel_ = std::make_unique<Cel>(*this, *cel, schedule ? *schedule : CelSchedule{});
}

Interact2VecTrainer::~Interact2VecTrainer() = default;

void Interact2VecTrainer::resample(uint64_t round) {
  keptUsers_.clear();
  keptItems_.clear();
  std::vector<int64_t> keptCount(keep_.size(), 0);
  for (int32_t u = 0; u < userItems_.rows; ++u)
    for (int64_t q = userItems_.indptr[u]; q < userItems_.indptr[u + 1]; ++q) {
      const int32_t i = userItems_.indices[q];
      if (!keepInteraction(options_.seed, round, q, keep_[i])) continue;
      keptUsers_.push_back(u);
      keptItems_.push_back(i);
      ++keptCount[i];
    }
  if (keptUsers_.empty()) fail(code::kEmpty, "interact2vec: subsampling kept no interaction (raise subsample)");
  // Negatives follow the counts of what is trained on (the reference's f').
  negatives_ = std::make_unique<FrequencyNegatives>(keptCount, options_.alpha);
}

I2vEpochStats Interact2VecTrainer::trainEpoch(const JobControl& ctl) {
  ctl.checkCancelled();
  if (options_.subsampleMode == I2vSubsample::kPerEpoch) resample(static_cast<uint64_t>(epoch_));
  I2vEpochStats stats = options_.optimizer == I2vOptimizer::kSgd ? sgdEpoch(ctl) : adamEpoch(ctl);
  ++epoch_;
  ctl.report(1.0);
  return stats;
}

I2vEpochStats Interact2VecTrainer::sgdEpoch(const JobControl& ctl) {
  const int64_t n = static_cast<int64_t>(keptUsers_.size());
  // A fresh seeded shuffle every epoch (the reference streams users in order; shuffling is what
  // makes Hogwild SGD converge like word2vec's sentence stream).
  std::vector<I2vPair> pairs(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) pairs[k] = {keptUsers_[k], keptItems_[k]};
  Rng rng(options_.seed, hash3(kShuffleStream, static_cast<uint64_t>(epoch_), 0));
  for (int64_t k = n - 1; k > 0; --k) std::swap(pairs[k], pairs[rng.below(static_cast<uint64_t>(k) + 1)]);

  I2vSgdEpoch e;
  e.pairs = pairs.data();
  e.n = n;
  e.history = &userItems_;
  e.negatives = negatives_.get();
  e.U.W = model_.users.data();
  e.V.W = model_.items.data();
  if (cel_) cel_->sgdTables(e);
  e.dim = model_.config.dim;
  e.K = options_.negatives;
  e.itemItemWeight = static_cast<float>(options_.itemItemWeight);
  e.lr0 = options_.lr;
  e.minRatio = options_.minLrRatio;
  e.doneBefore = static_cast<double>(epoch_) * n;
  e.plannedTotal = static_cast<double>(options_.epochs) * n + 1;  // word2vec's iter * T + 1
  e.seed = options_.seed;
  e.epoch = static_cast<uint64_t>(epoch_);
  const int64_t blocks = (n + kSgdBlockPairs - 1) / kSgdBlockPairs;
  const int workers = resolveThreads(options_.threads, blocks);
  std::vector<I2vSgdScratch> scratch(static_cast<size_t>(workers));
  std::vector<double> blockLoss(static_cast<size_t>(blocks), 0.0);
  std::atomic<int64_t> done{0};
  // With clustered tables, the blocks run in segments that end where an online cluster step is due.
  for (int64_t b0 = 0; b0 < blocks;) {
    const int64_t next = cel_ && cel_->online() ? celStepsToNextClusterStep(cel_->schedule, cel_->steps) : -1;
    const int64_t b1 = next > 0 ? std::min(blocks, b0 + next) : blocks;
    parallelTasks(b1 - b0, workers, [&](int64_t k, int w) {
      if (ctl.isCancelled()) return;
      const int64_t b = b0 + k;
      const int64_t at = done.load(std::memory_order_relaxed);
      blockLoss[b] = e.shared ? trainSharedSgdBlock(e, b, at, scratch[w]) : trainSgdBlock(e, b, at, scratch[w]);
      const int64_t size = std::min(kSgdBlockPairs, n - b * kSgdBlockPairs);
      const int64_t now = done.fetch_add(size, std::memory_order_relaxed) + size;
      ctl.report(static_cast<double>(now) / static_cast<double>(n));
    });
    if (ctl.isCancelled()) break;
    if (cel_) {
      cel_->stepsDone(b1 - b0);
      cel_->sgdTables(e);  // reassignment replaces the assignment vectors
    }
    b0 = b1;
  }
  if (cel_ && ctl.isCancelled()) cel_->materialize();  // partial epoch: the views, no cluster steps
  ctl.checkCancelled();
  if (cel_) cel_->epochDone();
  I2vEpochStats s;
  for (double x : blockLoss) s.loss += x;  // block order: the same sum for the same blocks
  s.loss /= static_cast<double>(n);
  s.kept = n;
  s.lastLr = sgdLearningRate(e, static_cast<double>(n - 1));
  return s;
}

I2vEpochStats Interact2VecTrainer::adamEpoch(const JobControl& ctl) {
  I2vAdamState& st = *adam_;
  const int32_t dim = model_.config.dim;
  const int threads = options_.threads;
  planAdamRows(keptUsers_, keptItems_, model_.config.users, *negatives_, options_.negatives, options_.seed,
               static_cast<uint64_t>(epoch_), threads, options_.shuffleAdamRows, st);
  KerasAdam adam;
  adam.lr = options_.lr;
  adam.beta1 = options_.adamBeta1;
  adam.beta2 = options_.adamBeta2;
  adam.eps = options_.adamEps;
  adam.l2 = options_.l2;
  const int64_t rows = static_cast<int64_t>(st.rowUser.size());
  const int64_t batches = (rows + options_.batchRows - 1) / options_.batchRows;
  I2vEpochStats s;
  for (int64_t b = 0; b < batches; ++b) {
    ctl.checkCancelled();
    const int64_t r0 = b * options_.batchRows, len = std::min<int64_t>(options_.batchRows, rows - r0);
    const int32_t* bu = st.rowUser.data() + r0;
    const int32_t* bi = st.rowItem.data() + r0;
    st.coef.resize(static_cast<size_t>(len));
    s.loss += bceBatchCoefficients(bu, bi, st.rowLabel.data() + r0, len, model_.users.data(), model_.items.data(), dim,
                                   st.coef.data(), threads);
    // Both gradients from the tables before this step's update.
    st.users.group(bu, len);
    st.items.group(bi, len);
    st.users.accumulate(bi, model_.items.data(), st.coef.data(), dim, threads);
    st.items.accumulate(bu, model_.users.data(), st.coef.data(), dim, threads);
    ++st.step;
    if (cel_) {
      cel_->adamStep(st, adam, threads);
    } else {
      kerasAdamRows(model_.users.data(), st.mU.data(), st.vU.data(), model_.config.users, dim, st.users.slotOf.data(),
                    st.users.grad.data(), adam, st.step, threads);
      kerasAdamRows(model_.items.data(), st.mV.data(), st.vV.data(), model_.config.items, dim, st.items.slotOf.data(),
                    st.items.grad.data(), adam, st.step, threads);
    }
    st.users.clear();
    st.items.clear();
    if (cel_) cel_->stepsDone(1);
    ctl.report(static_cast<double>(b + 1) / static_cast<double>(batches));
  }
  s.loss = batches > 0 ? s.loss / static_cast<double>(batches) : 0.0;
  if (cel_) cel_->epochDone();
  double sq = 0;
  if (cel_) {
    sq = cel_->squaredNorm();
  } else {
    for (float x : model_.users) sq += static_cast<double>(x) * x;
    for (float x : model_.items) sq += static_cast<double>(x) * x;
  }
  s.reg = options_.l2 * sq;
  s.kept = static_cast<int64_t>(keptUsers_.size());
  s.lastLr = options_.lr;
  s.steps = batches;
  return s;
}

}  // namespace rf
