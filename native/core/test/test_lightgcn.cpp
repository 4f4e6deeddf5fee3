// The whole LightGCN training pipeline: gradient of propagation + BPR + L2 against central
// differences of a double-precision reference, fused optimizer steps against the unfused
// sequence, determinism of an epoch, lazy updates, learning on synthetic data, cancellation.
#include <atomic>
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/lightgcn.hpp"
#include "recforge/synthetic.hpp"

namespace {

double referenceLoss(const rf::BipartiteGraph& g, const std::vector<double>& ego, int32_t d, int32_t K,
                     const std::vector<rf::BprTriple>& t, double lambda) {
  const int64_t rows = g.nUsers() + g.nItems();
  auto fin = rftest::naivePropagate(rftest::denseAhat(g), ego, rows, d, K);
  return rftest::naiveBprLoss(t, fin, ego, g.nUsers(), d, lambda);
}

}  // namespace

TEST(lightgcn_pipeline_gradient_matches_finite_differences) {
  auto s = rftest::randomGraph(9, 11, 0.3, 31, /*isolatedUser=*/2, /*isolatedItem=*/4);
  const int32_t d = 4;
  const double lambda = 0.05;
  auto t = rftest::someTriples(s.g, 7, 3);
  t.push_back({2, 4, 1});  // isolated rows in the batch: gradient through layer 0 only
  t.push_back(t[0]);       // repeated triple: L2 counted twice
  for (int32_t K : {0, 1, 2, 3}) {
    auto model = rf::LightGcnModel::create(rftest::modelConfig(s.g, d, K, 0.5, 7), 2);
    rf::TrainOptions o;
    o.lambda = lambda;
    o.threads = 2;
    rf::LightGcnTrainer trainer(s.g, model, o);
    std::vector<float> grad(model.ego.size());
    const auto loss = trainer.gradient(t.data(), static_cast<int64_t>(t.size()), grad.data());
    auto ego = rftest::toDouble(model.ego);
    CHECK_NEAR(loss.loss, referenceLoss(s.g, ego, d, K, t, lambda), 1e-5);
    const double h = 1e-5;
    for (size_t k = 0; k < ego.size(); ++k) {
      auto e = ego;
      e[k] += h;
      const double up = referenceLoss(s.g, e, d, K, t, lambda);
      e[k] -= 2 * h;
      const double down = referenceLoss(s.g, e, d, K, t, lambda);
      const double fd = (up - down) / (2 * h);
      CHECK_NEAR(grad[k], fd, 1e-5 + 1e-4 * std::fabs(fd));
    }
  }
}

TEST(lightgcn_fused_adam_step_equals_gradient_then_adam) {
  auto s = rftest::randomGraph(40, 30, 0.1, 5);
  auto t = rftest::someTriples(s.g, 25, 4);
  for (int32_t K : {0, 2}) {
    auto a = rf::LightGcnModel::create(rftest::modelConfig(s.g, 16, K, 0.1, 3));
    auto b = a;
    rf::TrainOptions o;
    o.adam.lr = 0.01;
    rf::LightGcnTrainer ta(s.g, a, o), tb(s.g, b, o);
    std::vector<float> m(a.ego.size(), 0.0f), v(a.ego.size(), 0.0f), g(a.ego.size());
    for (int step = 1; step <= 3; ++step) {
      ta.step(t.data(), static_cast<int64_t>(t.size()));
      tb.gradient(t.data(), static_cast<int64_t>(t.size()), g.data());
      rf::adamUpdate(b.ego.data(), m.data(), v.data(), g.data(), static_cast<int64_t>(g.size()), rf::AdamStep::at(o.adam, step));
      CHECK(rftest::sameBits(a.ego.data(), b.ego.data(), a.ego.size()));
    }
  }
}

TEST(lightgcn_lazy_updates_touch_only_the_k_hop_neighbourhood) {
  // A sparse graph so that the 1-hop neighbourhood of the batch is far from everything.
  auto s = rftest::randomGraph(60, 60, 0.02, 8);
  auto t = rftest::someTriples(s.g, 2, 6);
  for (auto kind : {rf::OptimizerKind::kLazyAdam, rf::OptimizerKind::kSgd}) {
    auto model = rf::LightGcnModel::create(rftest::modelConfig(s.g, 8, 1, 0.1, 1));
    const auto before = model.ego;
    rf::TrainOptions o;
    o.optimizer = kind;
    rf::LightGcnTrainer trainer(s.g, model, o);
    std::vector<float> grad(model.ego.size());
    trainer.gradient(t.data(), 2, grad.data());
    trainer.step(t.data(), 2);
    int64_t changed = 0;
    for (int64_t r = 0; r < model.rows(); ++r) {
      bool nonzero = false, moved = false;
      for (int32_t j = 0; j < 8; ++j) nonzero |= grad[r * 8 + j] != 0, moved |= model.ego[r * 8 + j] != before[r * 8 + j];
      if (!nonzero) CHECK(!moved);
      changed += moved;
    }
    CHECK(changed > 0 && changed < model.rows() / 2);
  }
}

TEST(lightgcn_epoch_is_bit_identical_for_same_seed_and_any_threads) {
  rf::SyntheticOptions so;
  so.users = 120;
  so.items = 90;
  so.meanActivity = 10;
  auto data = rf::generateSynthetic(so);
  auto g = rf::buildGraph(rf::EdgeView::of(data.train));
  auto run = [&](int threads, uint64_t seed) {
    auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 16, 3, 0.1, 11), threads);
    rf::TrainOptions o;
    o.batchSize = 64;
    o.threads = threads;
    o.seed = seed;
    rf::LightGcnTrainer trainer(g, model, o);
    trainer.trainEpoch(0);
    trainer.trainEpoch(1);
    return model.ego;
  };
  rftest::checkSeedDeterminism(run);
}

TEST(lightgcn_and_mf_learn_on_synthetic_data) {
  rf::SyntheticOptions so;
  so.users = 150;
  so.items = 100;
  so.meanActivity = 12;
  auto data = rf::generateSynthetic(so);
  auto g = rf::buildGraph(rf::EdgeView::of(data.train));
  for (int32_t K : {0, 2}) {
    for (auto sampler : {rf::EpochKind::kTfDistinctUsers, rf::EpochKind::kTorchStratified}) {
      auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 16, K, 0.1, 2));
      rf::TrainOptions o;
      o.batchSize = 128;
      o.adam.lr = 0.01;
      o.sampler = sampler;
      rf::LightGcnTrainer trainer(g, model, o);
      const double first = trainer.trainEpoch(0);
      double last = first;
      for (int e = 1; e < 8; ++e) last = trainer.trainEpoch(e);
      CHECK(first > 0.6 && first < 0.7);  // ~ln 2 with small random embeddings
      CHECK(last < first - 0.05);
    }
  }
}

TEST(lightgcn_model_init_and_validation) {
  rf::LightGcnConfig c;
  c.users = 300;
  c.items = 200;
  c.dim = 8;
  c.initStd = 0.01;
  c.seed = 4;
  auto a = rf::LightGcnModel::create(c, 1), b = rf::LightGcnModel::create(c, 3);
  CHECK(rftest::sameBits(a.ego.data(), b.ego.data(), a.ego.size()));
  double sum = 0, sq = 0;
  for (float x : a.ego) sum += x, sq += double(x) * x;
  const double n = static_cast<double>(a.ego.size());
  CHECK(std::fabs(sum / n) < 5 * 0.01 / std::sqrt(n));
  CHECK_NEAR(std::sqrt(sq / n), 0.01, 0.0005);
  c.dim = 0;
  CHECK_THROWS_CODE(rf::LightGcnModel::create(c), rf::code::kInvalidArgument);
  auto s = rftest::randomGraph(5, 5, 0.5, 1);
  rf::TrainOptions o;
  CHECK_THROWS_CODE(rf::LightGcnTrainer(s.g, a, o), rf::code::kShape);
  auto m = rf::LightGcnModel::create(rftest::modelConfig(s.g, 4, 1, 0.1, 1));
  o.batchSize = 0;
  CHECK_THROWS_CODE(rf::LightGcnTrainer(s.g, m, o), rf::code::kInvalidArgument);
}

TEST(lightgcn_epoch_cancels_and_reports_progress) {
  auto s = rftest::randomGraph(30, 30, 0.2, 2);
  auto model = rf::LightGcnModel::create(rftest::modelConfig(s.g, 8, 2, 0.1, 1));
  rf::TrainOptions o;
  o.batchSize = 16;
  rf::LightGcnTrainer trainer(s.g, model, o);
  std::atomic<bool> stop{false};
  rf::JobControl ctl;
  ctl.cancelled = &stop;
  double lastProgress = 0;
  int reports = 0;
  ctl.progress = [&](double f) {
    lastProgress = f;
    if (++reports == 3) stop = true;
  };
  CHECK_THROWS_CODE(trainer.trainEpoch(0, ctl), rf::code::kAborted);
  CHECK_EQ(trainer.stepsDone(), int64_t{3});
  stop = false;
  reports = -1000;
  trainer.trainEpoch(1, ctl);
  CHECK_EQ(lastProgress, 1.0);
}

TEST(lightgcn_locality_order_is_bit_identical_and_invisible) {
  // The trainer's internal row order (TrainOptions::localityOrder) must not change a single bit,
  // and the tables must be back in the original order after every call, a cancelled one included.
  rf::SyntheticOptions so;
  so.users = 90;
  so.items = 70;
  so.meanActivity = 8;
  auto data = rf::generateSynthetic(so);
  auto g = rf::buildGraph(rf::EdgeView::of(data.train));
  auto t = rftest::someTriples(g, 20, 9);
  for (auto kind : {rf::OptimizerKind::kAdam, rf::OptimizerKind::kLazyAdam, rf::OptimizerKind::kSgd}) {
    auto run = [&](bool locality, std::vector<float>& grad, bool cancel) {
      auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 16, 3, 0.1, 5), 2);
      rf::TrainOptions o;
      o.batchSize = 32;
      o.optimizer = kind;
      o.threads = 2;
      o.localityOrder = locality;
      rf::LightGcnTrainer trainer(g, model, o);
      trainer.trainEpoch(0);
      trainer.step(t.data(), static_cast<int64_t>(t.size()));
      grad.assign(model.ego.size(), 0.0f);
      trainer.gradient(t.data(), static_cast<int64_t>(t.size()), grad.data());
      if (cancel) {
        std::atomic<bool> stop{false};
        rf::JobControl ctl;
        ctl.cancelled = &stop;
        ctl.progress = [&](double) { stop = true; };
        CHECK_THROWS_CODE(trainer.trainEpoch(1, ctl), rf::code::kAborted);
      }
      return model.ego;
    };
    for (bool cancel : {false, true}) {
      std::vector<float> ga, gb;
      const auto a = run(false, ga, cancel), b = run(true, gb, cancel);
      CHECK(rftest::sameBits(a.data(), b.data(), a.size()));
      CHECK(rftest::sameBits(ga.data(), gb.data(), ga.size()));
    }
  }
}
