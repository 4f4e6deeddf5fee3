// The GPU LightGCN trainer (lightgcn_trainer.hpp): device state, the step pipeline and the epoch
// driver with host-side planning overlapped with device work.
#include "recforge/cuda/lightgcn_trainer.hpp"

#include <chrono>
#include <cmath>
#include <future>
#include <numeric>
#include <string>

#include "recforge/cuda/matryoshka.hpp"
#include "recforge/cuda/propagation.hpp"
#include "recforge/epoch_plan.hpp"
#include "recforge/negative_sampler.hpp"
#include "train_kernels.hpp"

namespace rf::cuda {

static_assert(sizeof(BprTriple) == 3 * sizeof(int32_t), "triples are uploaded as int32 x 3");

struct LightGcnTrainer::State {
  DeviceGraph graph;
  PropagationScratch scratch;
  DeviceBuffer<float> ego, m, v, final, gradFinal, dE0, regCoef;
  DeviceBuffer<int32_t> triples;
  DeviceBuffer<uint8_t> rowFlags;  // rows the current batch touches
  DeviceBuffer<double> loss, epochSum;  // loss: bpr, reg, total of the last step; epochSum: sum, count
  detail::BprWorkspace bpr;
  std::unique_ptr<PositiveSet> positives;
  std::unique_ptr<NegativeSampler> negatives;
  // The next epoch's plan, drawn on a host thread while the device trains.
  int64_t pendingEpoch = -1;
  std::future<EpochPlan> pending;
  // Matryoshka objective: checked levels, negatives per triple, the identity row map (0..rows-1),
  // the host batch [users n | positives n | candidates n x perTriple x N] and its device copy, the
  // chosen negatives, the slots and the loss workspace.
  MatryoshkaLevels levels;
  int32_t perTriple = 0;
  DeviceBuffer<int32_t> identity, mrlInput, mrlNeg, mrlSlots;
  std::vector<int32_t> hostInput;
  int64_t lastNegatives = 0;  // entries of mrlNeg the last step wrote
  MatryoshkaWorkspace mrl;
  IdCheck check;
};

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
// Sampler stream of Matryoshka candidates for step()/gradient() calls outside trainEpoch: the CPU
// trainer's (lightgcn.cpp), 2^62 + the steps done before the call.
constexpr uint64_t kDirectStepStream = uint64_t{1} << 62;
// Profiling: the device time since the last mark goes to `acc` (no-op without a timer).
void mark(DeviceTimer* timer, double& acc) {
  if (timer) acc += timer->stop(), timer->start();
}
}  // namespace

LightGcnTrainer::LightGcnTrainer(const BipartiteGraph& graph, LightGcnModel& model, const TrainOptions& o)
    : graph_(graph), model_(model), opt_(o), s_(std::make_unique<State>()) {
  const LightGcnConfig& c = model.config;
  if (c.users != graph.nUsers() || c.items != graph.nItems())
    fail(code::kShape, "model has " + std::to_string(c.users) + " users x " + std::to_string(c.items) +
                           " items but the graph has " + std::to_string(graph.nUsers()) + " x " +
                           std::to_string(graph.nItems()));
  if (static_cast<int64_t>(model.ego.size()) != model.rows() * c.dim) fail(code::kShape, "model table has the wrong size");
  if (o.batchSize < 1) fail(code::kInvalidArgument, "batchSize must be >= 1");
  if (!std::isfinite(o.lambda) || o.lambda < 0) fail(code::kInvalidArgument, "lambda must be finite and >= 0");
  if (o.matryoshka) {
    s_->levels = validateLevels(o.matryoshka->levels, c.dim);  // E_INVALID_ARG as the CPU trainer
    if (s_->levels.dims.size() > static_cast<size_t>(kMaxMatryoshkaLevels))
      fail(code::kInvalidArgument, "the CUDA trainer supports at most " + std::to_string(kMaxMatryoshkaLevels) +
                                       " Matryoshka levels");
    s_->perTriple = negativesPerTriple(o.matryoshka->mode, s_->levels);
  }
  if (o.optimizer == OptimizerKind::kLazyAdam)
    fail(code::kInvalidArgument, "the CUDA trainer supports optimizer adam (dense) and sgd, not lazy-adam");
  AdamStep::at(o.adam, 1);  // validates lr, betas, eps
  requireDevice();
  const int64_t n = model.rows() * c.dim;
  s_->graph = DeviceGraph::upload(graph);
  s_->ego.upload(model.ego, "embedding table");
  if (o.optimizer == OptimizerKind::kAdam) {
    s_->m.resize(n, "Adam first moment");
    s_->v.resize(n, "Adam second moment");
    s_->m.zero();
    s_->v.zero();
  }
  s_->final.resize(n, "final embeddings");
  s_->gradFinal.resize(n, "final-embedding gradient");
  s_->dE0.resize(n, "layer-0 gradient");
  s_->regCoef.resize(model.rows(), "L2 coefficients");
  s_->rowFlags.resize(model.rows(), "batch row flags");
  s_->loss.resize(3, "loss");
  s_->epochSum.resize(2, "epoch loss");
  s_->positives = std::make_unique<PositiveSet>(graph.userItems);
  s_->negatives = std::make_unique<NegativeSampler>(*s_->positives, o.negatives, o.negativeAlpha);
  if (o.matryoshka) {
    std::vector<int32_t> identity(static_cast<size_t>(model.rows()));
    std::iota(identity.begin(), identity.end(), 0);
    s_->identity.upload(identity, "identity row map");
  }
}

LightGcnTrainer::~LightGcnTrainer() {
  if (s_ && s_->pending.valid()) s_->pending.wait();
}

void LightGcnTrainer::validate(const BprTriple* t, int64_t n) const {
  if (n <= 0) fail(code::kEmpty, "empty batch");
  const int32_t M = model_.config.users, N = model_.config.items;
  const bool negUsed = !opt_.matryoshka;  // the Matryoshka objective ignores a triple's negative
  for (int64_t k = 0; k < n; ++k)
    if (t[k].user < 0 || t[k].user >= M || t[k].pos < 0 || t[k].pos >= N ||
        (negUsed && (t[k].neg < 0 || t[k].neg >= N)))
      fail(code::kOutOfRange, "triple " + std::to_string(k) + " (" + std::to_string(t[k].user) + ", " +
                                  std::to_string(t[k].pos) + ", " + std::to_string(t[k].neg) + ") is outside " +
                                  std::to_string(M) + " users x " + std::to_string(N) + " items");
}

void LightGcnTrainer::runStep(const int32_t* dt, int64_t n, bool update, double* epochSum) {
  const LightGcnConfig& c = model_.config;
  const int64_t rows = model_.rows();
  State& s = *s_;
  // Profiling: one event pair per phase (the phases stay on one stream, in order).
  std::unique_ptr<DeviceTimer> timer;
  if (profiling_) timer = std::make_unique<DeviceTimer>(), timer->start();
  // Only the batch rows of `final` are read, and dL/dfinal is zero off them: the last forward
  // layer runs on those rows only and the first backward product reads only them.
  detail::prepareBatch(dt, n, c.users, rows, s.rowFlags.data(), s.bpr);
  propagateForward(s.graph, s.ego.data(), s.final.data(), c.dim, c.layers, s.scratch, s.bpr.keysSorted.data(),
                   3 * n);
  mark(timer.get(), times_.forward);
  const double regDivisor = opt_.regByConfiguredBatch ? opt_.batchSize : static_cast<double>(n);
  detail::bprLossGrad(dt, n, c.users, rows, s.final.data(), s.ego.data(), c.dim, opt_.lambda, regDivisor,
                      s.gradFinal.data(), s.regCoef.data(), s.loss.data(), epochSum, s.bpr);
  mark(timer.get(), times_.loss);
  backwardAndUpdate(update, s.rowFlags.data(), timer.get());
}

void LightGcnTrainer::backwardAndUpdate(bool update, const uint8_t* gradRows, DeviceTimer* timer) {
  const LightGcnConfig& c = model_.config;
  const int64_t rows = model_.rows();
  State& s = *s_;
  propagateBackward(s.graph, s.gradFinal.data(), s.dE0.data(), c.dim, c.layers, s.scratch, gradRows);
  mark(timer, times_.backward);
  if (!update) {
    detail::addL2(s.dE0.data(), s.regCoef.data(), s.ego.data(), rows, c.dim);
    return;
  }
  if (opt_.optimizer == OptimizerKind::kSgd)
    detail::denseSgd(s.ego.data(), s.dE0.data(), s.regCoef.data(), rows, c.dim, static_cast<float>(opt_.adam.lr));
  else
    detail::denseAdam(s.ego.data(), s.m.data(), s.v.data(), s.dE0.data(), s.regCoef.data(), s.ego.data(), rows, c.dim,
                      AdamStep::at(opt_.adam, steps_ + 1));
  mark(timer, times_.update);
  ++steps_;
  ++times_.steps;
}

BprLoss LightGcnTrainer::runMatryoshkaStep(const BprTriple* t, int64_t n, uint64_t streamEpoch, int64_t streamFirst,
                                           bool update) {
  const LightGcnConfig& c = model_.config;
  const int64_t rows = model_.rows();
  State& s = *s_;
  const MatryoshkaMode mode = opt_.matryoshka->mode;
  const int32_t per = s.perTriple;
  // Host: the CPU trainer's candidates for this batch (drawn while the device may still run the
  // previous step's backward and update).
  auto clock = Clock::now();
  const int64_t candidates = n * per * s.levels.candidates;
  s.hostInput.resize(static_cast<size_t>(2 * n + candidates));
  int32_t* hUsers = s.hostInput.data();
  int32_t* hPos = hUsers + n;
  for (int64_t q = 0; q < n; ++q) hUsers[q] = t[q].user, hPos[q] = t[q].pos;
  MatryoshkaSampleOptions so;
  so.seed = opt_.seed;
  so.epoch = streamEpoch;
  so.firstTriple = streamFirst;
  so.threads = opt_.threads;
  drawMatryoshkaCandidates(hUsers, hPos, n, *s.negatives, c.users, c.items, s.levels, mode, so, hPos + n);
  times_.draw += since(clock);

  std::unique_ptr<DeviceTimer> timer;
  if (profiling_) timer = std::make_unique<DeviceTimer>(), timer->start();
  // Device: upload (ordered after the previous step's work on this thread's stream), full forward,
  // hardest candidate per group, slots, nested loss + dL/dfinal on all rows.
  ensureSize(s.mrlInput, s.hostInput.size(), "Matryoshka batch");
  copyToDevice(s.mrlInput.data(), s.hostInput.data(), s.hostInput.size() * sizeof(int32_t));
  const int32_t* dUsers = s.mrlInput.data();
  const int32_t* dPos = dUsers + n;
  const int32_t* dCandidates = dPos + n;
  propagateForward(s.graph, s.ego.data(), s.final.data(), c.dim, c.layers, s.scratch);
  mark(timer.get(), times_.forward);
  ensureSize(s.mrlNeg, static_cast<size_t>(n * per), "Matryoshka negatives");
  selectMatryoshkaNegatives(dUsers, n, dCandidates, c.users, c.items, s.final.data(), c.dim, s.levels, mode,
                            s.mrlNeg.data(), s.check);
  s.lastNegatives = n * per;
  mark(timer.get(), times_.sample);
  ensureSize(s.mrlSlots, static_cast<size_t>(n * (2 + per)), "Matryoshka slots");
  detail::matryoshkaSlots(dUsers, dPos, s.mrlNeg.data(), n, per, c.users, rows, s.mrlSlots.data(), s.rowFlags.data());
  const double regDivisor = opt_.regByConfiguredBatch ? opt_.batchSize : static_cast<double>(n);
  const MatryoshkaLoss m = matryoshkaLossGrad(n, s.mrlSlots.data(), s.identity.data(), rows, s.final.data(),
                                              s.ego.data(), rows, c.dim, s.levels, mode, opt_.lambda, regDivisor,
                                              s.gradFinal.data(), s.regCoef.data(), s.mrl);
  mark(timer.get(), times_.loss);
  backwardAndUpdate(update, s.rowFlags.data(), timer.get());
  BprLoss out;  // as the CPU trainer reports it
  out.loss = m.loss;
  out.bpr = m.rank;
  out.reg = m.reg;
  return out;
}

namespace {
BprLoss lossFrom(const DeviceBuffer<double>& d) {
  std::vector<double> h = d.toHost();
  BprLoss out;
  out.bpr = h[0], out.reg = h[1], out.loss = h[2];
  return out;
}
}  // namespace

BprLoss LightGcnTrainer::step(const BprTriple* t, int64_t n) {
  validate(t, n);
  if (opt_.matryoshka) return runMatryoshkaStep(t, n, kDirectStepStream + static_cast<uint64_t>(steps_), 0, true);
  s_->triples.upload(reinterpret_cast<const int32_t*>(t), 3 * n, "triples");
  runStep(s_->triples.data(), n, true, nullptr);
  return lossFrom(s_->loss);
}

BprLoss LightGcnTrainer::gradient(const BprTriple* t, int64_t n, float* gradEgo) {
  validate(t, n);
  if (opt_.matryoshka) {
    const BprLoss loss = runMatryoshkaStep(t, n, kDirectStepStream + static_cast<uint64_t>(steps_), 0, false);
    s_->dE0.download(gradEgo);
    return loss;
  }
  s_->triples.upload(reinterpret_cast<const int32_t*>(t), 3 * n, "triples");
  runStep(s_->triples.data(), n, false, nullptr);
  s_->dE0.download(gradEgo);
  return lossFrom(s_->loss);
}

double LightGcnTrainer::trainEpoch(int64_t epoch, const JobControl& ctl) {
  State& s = *s_;
  auto plan = [this](int64_t e) {
    EpochPlan p = planEpoch(*s_->negatives, *s_->positives, opt_.sampler, opt_.batchSize, opt_.seed, e, opt_.threads);
    if (opt_.dropLastPartial) dropPartialLastBatch(p, opt_.batchSize);
    return p;
  };
  auto clock = Clock::now();
  EpochPlan p;
  if (s.pendingEpoch == epoch && s.pending.valid()) {
    p = s.pending.get();
  } else {
    if (s.pending.valid()) s.pending.wait();
    p = plan(epoch);
  }
  s.pendingEpoch = -1;
  times_.plan += since(clock);
  ctl.checkCancelled();
  clock = Clock::now();
  const bool mrl = opt_.matryoshka.has_value();
  if (!mrl) {  // Matryoshka steps upload their own batch (users, positives, candidates)
    s.triples.upload(reinterpret_cast<const int32_t*>(p.triples.data()), 3 * p.triples.size(), "epoch triples");
    s.epochSum.zero();
  }
  // Plan the next epoch on the host while the device works through this one.
  s.pending = std::async(std::launch::async, plan, epoch + 1);
  s.pendingEpoch = epoch + 1;
  double mrlSum = 0;  // Matryoshka: batch losses come back to the host anyway
  int64_t mrlCount = 0;
  const int64_t batches = p.batches();
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t begin = p.batchStart[b], end = p.batchStart[b + 1];
    if (end == begin) continue;
    if (mrl) {
      // The CPU trainer's stream: (epoch, first triple of the batch within the epoch plan).
      mrlSum += runMatryoshkaStep(p.triples.data() + begin, end - begin, static_cast<uint64_t>(epoch), begin, true).loss;
      ++mrlCount;
    } else {
      runStep(s.triples.data() + 3 * begin, end - begin, true, s.epochSum.data());
    }
    // Launches are asynchronous: wait now and then so cancellation and progress mean something.
    if ((b + 1) % 32 == 0 || b + 1 == batches) {
      synchronize();
      ctl.report(static_cast<double>(b + 1) / batches);
      if (b + 1 < batches) ctl.checkCancelled();
    }
  }
  if (mrl) {
    synchronize();
    times_.device += since(clock);
    return mrlCount > 0 ? mrlSum / static_cast<double>(mrlCount) : 0.0;
  }
  std::vector<double> sum = s.epochSum.toHost();
  times_.device += since(clock);
  return sum[1] > 0 ? sum[0] / sum[1] : 0.0;
}

std::vector<int32_t> LightGcnTrainer::lastNegatives() const {
  std::vector<int32_t> out(static_cast<size_t>(s_->lastNegatives));
  if (!out.empty()) copyToHost(out.data(), s_->mrlNeg.data(), out.size() * sizeof(int32_t));
  return out;
}

void LightGcnTrainer::downloadModel() { s_->ego.download(model_.ego.data()); }
void LightGcnTrainer::uploadModel() { s_->ego.upload(model_.ego, "embedding table"); }

void LightGcnTrainer::downloadMoments(std::vector<float>& m, std::vector<float>& v) const {
  m = s_->m.toHost();
  v = s_->v.toHost();
}

void LightGcnTrainer::uploadMoments(const std::vector<float>& m, const std::vector<float>& v) {
  if (m.size() != s_->m.size() || v.size() != s_->v.size()) fail(code::kShape, "Adam moments have the wrong size");
  s_->m.upload(m, "Adam first moment");
  s_->v.upload(v, "Adam second moment");
}

const float* LightGcnTrainer::finalEmbeddingsOnDevice() {
  const LightGcnConfig& c = model_.config;
  propagateForward(s_->graph, s_->ego.data(), s_->final.data(), c.dim, c.layers, s_->scratch);
  return s_->final.data();
}

std::vector<float> LightGcnTrainer::finalEmbeddings() {
  finalEmbeddingsOnDevice();
  return s_->final.toHost();
}

}  // namespace rf::cuda
