#include "recforge/lightgcn.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "recforge/row_order.hpp"
#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {

enum Stream : uint64_t { kInit = 21, kGrow = 22 };
// Sampler stream of Matryoshka negatives for step()/gradient() calls outside trainEpoch: far
// above any epoch number, one per step.
constexpr uint64_t kDirectStepStream = uint64_t{1} << 62;
constexpr int64_t kInitBlockRows = 64;  // rows per random stream, so init ignores `threads`

using Clock = std::chrono::steady_clock;
double since(Clock::time_point& t) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - t).count();
  t = now;
  return s;
}

void checkShape(const BipartiteGraph& g, const LightGcnModel& m) {
  const auto& c = m.config;
  if (c.users != g.nUsers() || c.items != g.nItems())
    fail(code::kShape, "model has " + std::to_string(c.users) + " users x " + std::to_string(c.items) +
                           " items but the graph " + std::to_string(g.nUsers()) + " x " + std::to_string(g.nItems()));
  if (static_cast<int64_t>(m.ego.size()) != m.rows() * c.dim) fail(code::kShape, "embedding table size does not match the config");
}

}  // namespace

LightGcnModel LightGcnModel::create(const LightGcnConfig& c, int threads) {
  if (c.users < 0 || c.items < 0) fail(code::kInvalidArgument, "users and items must be >= 0");
  if (c.dim < 1) fail(code::kInvalidArgument, "dim must be >= 1");
  if (c.layers < 0 || c.layers > 64) fail(code::kInvalidArgument, "layers must be in [0, 64]");
  if (!std::isfinite(c.initStd) || c.initStd < 0) fail(code::kInvalidArgument, "initStd must be finite and >= 0");
  LightGcnModel m;
  m.config = c;
  m.ego.resize(static_cast<size_t>(m.rows()) * c.dim);
  const int64_t blocks = (m.rows() + kInitBlockRows - 1) / kInitBlockRows;
  const int64_t perBlock = kInitBlockRows * c.dim;
  const int64_t total = static_cast<int64_t>(m.ego.size());
  parallelChunks(blocks, resolveThreads(threads, blocks), [&](int64_t b0, int64_t b1, int) {
    for (int64_t b = b0; b < b1; ++b) {
      Rng rng(c.seed, hash3(kInit, static_cast<uint64_t>(b), 0));
      for (int64_t k = b * perBlock; k < std::min(total, (b + 1) * perBlock); ++k) {
        if (c.init == InitKind::kNormal) {
          m.ego[k] = static_cast<float>(c.initStd * rng.normal());
        } else {
          const double rows = k / c.dim < c.users ? c.users : c.items;  // the table this row belongs to
          const double bound = std::sqrt(6.0 / (rows + c.dim));
          m.ego[k] = static_cast<float>(bound * (2.0 * rng.uniform() - 1.0));
        }
      }
    }
  });
  return m;
}

LightGcnModel LightGcnModel::grown(int32_t users, int32_t items, uint64_t generation) const {
  const LightGcnConfig& c = config;
  if (users < c.users || items < c.items)
    fail(code::kInvalidArgument, "a model grows only: " + std::to_string(users) + " x " + std::to_string(items) +
                                     " is smaller than " + std::to_string(c.users) + " x " + std::to_string(c.items));
  LightGcnModel m;
  m.config = c;
  m.config.users = users;
  m.config.items = items;
  m.ego.resize(static_cast<size_t>(m.rows()) * c.dim);
  const int64_t d = c.dim;
  auto copyRows = [&](int64_t from, int64_t to, int64_t n) {
    std::copy(ego.begin() + from * d, ego.begin() + (from + n) * d, m.ego.begin() + to * d);
  };
  auto drawRows = [&](int64_t first, int64_t n, double tableRows) {
    const double bound = std::sqrt(6.0 / (tableRows + c.dim));
    for (int64_t r = first; r < first + n; ++r) {
      Rng rng(c.seed, hash3(kGrow, generation, static_cast<uint64_t>(r)));
      for (int64_t k = 0; k < d; ++k)
        m.ego[r * d + k] = static_cast<float>(c.init == InitKind::kNormal ? c.initStd * rng.normal()
                                                                          : bound * (2.0 * rng.uniform() - 1.0));
    }
  };
  copyRows(0, 0, c.users);
  drawRows(c.users, users - c.users, users);
  copyRows(c.users, users, c.items);
  drawRows(static_cast<int64_t>(users) + c.items, items - c.items, items);
  return m;
}

std::vector<float> LightGcnModel::finalEmbeddings(const BipartiteGraph& g, int threads,
                                                  std::vector<float>* itemLayerSum) const {
  checkShape(g, *this);
  std::vector<float> out(ego.size());
  LightGcnPropagation prop(g, config.dim, config.layers, threads);
  prop.forward(ego.data(), out.data());
  if (itemLayerSum) {
    itemLayerSum->clear();
    if (config.layers > 0) {
      const int64_t first = static_cast<int64_t>(config.users) * config.dim;
      itemLayerSum->assign(ego.begin() + first, ego.end());
      float* s = itemLayerSum->data();
      const int64_t n = static_cast<int64_t>(itemLayerSum->size());
      for (int32_t k = 1; k < config.layers; ++k) {
        const float* e = prop.layer(k) + first;
        parallelChunks(n, resolveThreads(threads, n / 4096 + 1), [&](int64_t a, int64_t b, int) {
          for (int64_t q = a; q < b; ++q) s[q] += e[q];
        });
      }
    }
  }
  return out;
}

LightGcnTrainer::LightGcnTrainer(const BipartiteGraph& g, LightGcnModel& model, const TrainOptions& o)
    : graph_(g), model_(model), opt_(o) {
  checkShape(g, model);
  if (o.batchSize < 1) fail(code::kInvalidArgument, "batchSize must be >= 1");
  if (!std::isfinite(o.lambda) || o.lambda < 0) fail(code::kInvalidArgument, "lambda must be finite and >= 0");
  AdamStep::at(o.adam, 1);  // validates lr, betas, eps
  if (o.matryoshka) levels_ = validateLevels(o.matryoshka->levels, model.config.dim);
  if (o.localityOrder && model.config.layers > 0 && !o.matryoshka) order_ = std::make_unique<RowOrder>(breadthFirstOrder(g));
  prop_ = std::make_unique<LightGcnPropagation>(order_ ? order_->graph : g, model.config.dim, model.config.layers,
                                                o.threads, order_ ? order_->toOrig.data() : nullptr);
  positives_ = std::make_unique<PositiveSet>(g.userItems);
  negatives_ = std::make_unique<NegativeSampler>(*positives_, o.negatives, o.negativeAlpha);
  if (o.optimizer != OptimizerKind::kSgd) {
    m_.assign(model.ego.size(), 0.0f);
    v_.assign(model.ego.size(), 0.0f);
  }
  if (o.optimizer == OptimizerKind::kAdam) reached_.assign(model.rows(), 0);
  regCoef_.assign(model.rows(), 0.0f);
}

LightGcnTrainer::~LightGcnTrainer() = default;

BprLoss LightGcnTrainer::forwardBackward(const BprTriple* t, int64_t n, bool allRows,
                                         const LightGcnPropagation::GradSink& sink) {
  const int32_t d = model_.config.dim;
  auto clock = Clock::now();
  if (opt_.matryoshka) {
    chooseMatryoshkaNegatives(t, n);
    times_.sample += since(clock);
  }
  mapBatch(t, n);
  const int64_t rows = static_cast<int64_t>(batch_.rows.size());
  final_.resize(rows * d);
  gradFinal_.resize(rows * d);
  slotCoef_.resize(rows);
  times_.map += since(clock);
  prop_->forwardRows(model_.ego.data(), batch_.rows.data(), rows, final_.data());
  times_.forward += since(clock);
  const BprLoss loss = lossOfBatch(t, n);
  for (int64_t q = 0; q < rows; ++q) regCoef_[batch_.rows[q]] = slotCoef_[q];
  times_.loss += since(clock);
  const float* ego = model_.ego.data();
  // The L2 part joins the propagated gradient row by row, just before the sink consumes it (and
  // before an optimizer sink overwrites that row of E0).
  prop_->backwardRows(gradFinal_.data(), allRows, [&](const int32_t* r, int64_t cnt, float* g, int worker) {
    for (int64_t q = 0; q < cnt; ++q) {
      const float c = regCoef_[r[q]];
      if (c == 0.0f) continue;
      const float* e = ego + static_cast<int64_t>(r[q]) * d;
      float* gq = g + q * d;
      for (int32_t j = 0; j < d; ++j) gq[j] += c * e[j];
    }
    sink(r, cnt, g, worker);
  });
  for (int32_t r : batch_.rows) regCoef_[r] = 0.0f;
  times_.backward += since(clock);
  ++times_.steps;
  return loss;
}

void LightGcnTrainer::chooseMatryoshkaNegatives(const BprTriple* t, int64_t n) {
  const MatryoshkaMode mode = opt_.matryoshka->mode;
  mrlUsers_.resize(n);
  mrlPos_.resize(n);
  for (int64_t q = 0; q < n; ++q) mrlUsers_[q] = t[q].user, mrlPos_[q] = t[q].pos;
  mrlNeg_.resize(n * negativesPerTriple(mode, levels_));
  const float* final = model_.ego.data();  // MF: the final embeddings are the table itself
  if (model_.config.layers > 0) {
    finalAll_.resize(model_.ego.size());
    prop_->forward(model_.ego.data(), finalAll_.data());
    final = finalAll_.data();
  }
  sampleMatryoshkaNegatives(mrlUsers_.data(), mrlPos_.data(), n, *negatives_, model_.config.users, model_.config.items,
                            final, model_.config.dim, levels_, mode, {opt_.seed, streamEpoch_, streamFirst_, opt_.threads},
                            mrlNeg_.data());
}

void LightGcnTrainer::mapBatch(const BprTriple* t, int64_t n) {
  if (opt_.matryoshka)
    mapMatryoshkaBatch(mrlUsers_.data(), mrlPos_.data(), mrlNeg_.data(), n,
                       negativesPerTriple(opt_.matryoshka->mode, levels_), model_.config.users, model_.config.items, batch_);
  else
    mapBprBatch(t, n, model_.config.users, model_.config.items, batch_);
}

BprLoss LightGcnTrainer::lossOfBatch(const BprTriple* t, int64_t n) {
  const double regDivisor = opt_.regByConfiguredBatch ? opt_.batchSize : static_cast<double>(n);
  if (!opt_.matryoshka)
    return bprLossGrad(t, n, batch_, final_.data(), model_.ego.data(), model_.config.dim, opt_.lambda, regDivisor,
                       gradFinal_.data(), slotCoef_.data(), opt_.threads);
  const MatryoshkaLoss m = matryoshkaLossGrad(n, batch_, final_.data(), model_.ego.data(), model_.config.dim, levels_,
                                              opt_.matryoshka->mode, opt_.lambda, regDivisor, gradFinal_.data(),
                                              slotCoef_.data(), opt_.threads);
  BprLoss out;
  out.loss = m.loss;
  out.bpr = m.rank;
  out.reg = m.reg;
  return out;
}

// While alive, the trainer's tables are in internal row order (no-op without localityOrder).
struct LightGcnTrainer::InternalScope {
  LightGcnTrainer& t;
  explicit InternalScope(LightGcnTrainer& trainer) : t(trainer) {
    if (t.order_) t.permuteTables(true);
  }
  ~InternalScope() {
    if (t.order_) t.permuteTables(false);
  }
  InternalScope(const InternalScope&) = delete;
  InternalScope& operator=(const InternalScope&) = delete;
};

// Permutes ego, m and v through one spare buffer; the buffers rotate, and the way back rotates
// them back, so each vector ends up owning the buffer it had before.
void LightGcnTrainer::permuteTables(bool toInternalOrder) {
  const int32_t d = model_.config.dim;
  const int64_t rows = model_.rows();
  const int32_t* map = toInternalOrder ? order_->toOrig.data() : order_->toInternal.data();
  std::vector<float>* tables[3] = {&model_.ego, &m_, &v_};
  spare_.resize(model_.ego.size());
  for (int k = 0; k < 3; ++k) {
    std::vector<float>& t = *tables[toInternalOrder ? k : 2 - k];
    if (t.size() != spare_.size()) continue;  // no moments (SGD)
    permuteRows(t.data(), map, rows, d, spare_.data(), opt_.threads);
    t.swap(spare_);
  }
}

const BprTriple* LightGcnTrainer::toInternal(const BprTriple* t, int64_t n) {
  if (!order_) return t;
  const int32_t m = model_.config.users, items = model_.config.items;
  const int32_t* in = order_->toInternal.data();
  mapped_.resize(n);
  for (int64_t k = 0; k < n; ++k) {
    BprTriple x = t[k];
    // Ids out of range stay out of range, for mapBprBatch to report.
    if (x.user >= 0 && x.user < m) x.user = in[x.user];
    if (x.pos >= 0 && x.pos < items) x.pos = in[m + x.pos] - m;
    if (x.neg >= 0 && x.neg < items) x.neg = in[m + x.neg] - m;
    mapped_[k] = x;
  }
  return mapped_.data();
}

BprLoss LightGcnTrainer::gradient(const BprTriple* t, int64_t n, float* gradEgo) {
  const int32_t d = model_.config.dim;
  InternalScope scope(*this);
  const int32_t* toOrig = order_ ? order_->toOrig.data() : nullptr;
  streamEpoch_ = kDirectStepStream + static_cast<uint64_t>(steps_);
  streamFirst_ = 0;
  return forwardBackward(toInternal(t, n), n, true, [&](const int32_t* r, int64_t cnt, float* g, int) {
    for (int64_t q = 0; q < cnt; ++q) {
      const int64_t row = toOrig ? toOrig[r[q]] : r[q];
      std::copy(g + q * d, g + (q + 1) * d, gradEgo + row * d);
    }
  });
}

BprLoss LightGcnTrainer::step(const BprTriple* t, int64_t n) {
  InternalScope scope(*this);
  streamEpoch_ = kDirectStepStream + static_cast<uint64_t>(steps_);
  streamFirst_ = 0;
  return stepInternal(toInternal(t, n), n);
}

BprLoss LightGcnTrainer::stepInternal(const BprTriple* t, int64_t n) {
  const int32_t d = model_.config.dim;
  float* ego = model_.ego.data();
  BprLoss loss;
  if (opt_.optimizer == OptimizerKind::kSgd) {
    const float lr = static_cast<float>(opt_.adam.lr);
    loss = forwardBackward(t, n, false, [&](const int32_t* r, int64_t cnt, float* g, int) {
      sgdUpdateRows(ego, d, r, cnt, g, lr);
    });
  } else {
    const AdamStep s = AdamStep::at(opt_.adam, steps_ + 1);
    const bool dense = opt_.optimizer == OptimizerKind::kAdam;
    // Dense Adam: rows the backward reaches get their gradient here; every other row has a zero
    // gradient, and its (still moving) update runs below without materializing zero rows.
    loss = forwardBackward(t, n, false, [&](const int32_t* r, int64_t cnt, float* g, int) {
      adamUpdateRows(ego, m_.data(), v_.data(), d, r, cnt, g, s);
      if (dense)
        for (int64_t q = 0; q < cnt; ++q) reached_[r[q]] = 1;
    });
    if (dense) {
      auto clock = Clock::now();
      // Row blocks claimed dynamically (rows are independent: any split gives the same bits).
      const int64_t rows = model_.rows(), block = 1024, blocks = (rows + block - 1) / block;
      parallelTasks(blocks, resolveThreads(opt_.threads, rows / 2048 + 1), [&](int64_t t, int) {
        adamUpdateZeroGradRows(ego, m_.data(), v_.data(), d, t * block, std::min(rows, (t + 1) * block),
                               reached_.data(), s);
      });
      std::fill(reached_.begin(), reached_.end(), uint8_t{0});
      times_.backward += since(clock);  // part of the optimizer step
    }
  }
  ++steps_;
  return loss;
}

EpochPlan LightGcnTrainer::planOf(int64_t epoch, const JobControl& ctl) const {
  EpochPlan plan = planEpoch(*negatives_, *positives_, opt_.sampler, opt_.batchSize, opt_.seed, epoch, opt_.threads, ctl);
  if (opt_.dropLastPartial) dropPartialLastBatch(plan, opt_.batchSize);
  return plan;
}

BprLoss LightGcnTrainer::gradientRows(const BprTriple* t, int64_t n, int64_t epoch, int64_t first,
                                      const RowGradSink& sink) {
  InternalScope scope(*this);
  const int32_t* toOrig = order_ ? order_->toOrig.data() : nullptr;
  streamEpoch_ = static_cast<uint64_t>(epoch);
  streamFirst_ = first;
  return forwardBackward(toInternal(t, n), n, false, [&](const int32_t* r, int64_t cnt, float* g, int worker) {
    if (!toOrig) return sink(r, cnt, g, worker);
    thread_local std::vector<int32_t> rows;
    rows.resize(cnt);
    for (int64_t q = 0; q < cnt; ++q) rows[q] = toOrig[r[q]];
    sink(rows.data(), cnt, g, worker);
  });
}

double LightGcnTrainer::trainEpoch(int64_t epoch, const JobControl& ctl) {
  auto clock = Clock::now();
  EpochPlan plan = planOf(epoch, ctl);
  times_.plan += since(clock);
  return trainPlan(plan, static_cast<uint64_t>(epoch), ctl);
}

double LightGcnTrainer::trainPlan(const EpochPlan& plan, uint64_t stream, const JobControl& ctl) {
  const int64_t batches = plan.batches();
  double sum = 0;
  int64_t counted = 0;
  InternalScope scope(*this);
  for (int64_t b = 0; b < batches; ++b) {
    ctl.checkCancelled();
    const int64_t begin = plan.batchStart[b], end = plan.batchStart[b + 1];
    if (end == begin) continue;
    streamEpoch_ = stream;
    streamFirst_ = begin;
    sum += stepInternal(toInternal(plan.triples.data() + begin, end - begin), end - begin).loss;
    ++counted;
    ctl.report(static_cast<double>(b + 1) / batches);
  }
  return counted ? sum / counted : 0.0;
}

}  // namespace rf
