// The Interact2Vec epoch driver: typed errors for bad options and data, determinism (single-thread
// SGD and Adam at any thread count), the learning-rate schedule, subsampling modes, cancellation,
// and learning on synthetic data (Recall@20 above popularity).
#include <atomic>
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "interact2vec_fixtures.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/interact2vec_kernels.hpp"
#include "recforge/synthetic.hpp"

namespace {

rf::SyntheticData smallData() {
  rf::SyntheticOptions so;
  so.users = 600;
  so.items = 300;
  so.meanActivity = 20;
  so.seed = 5;
  return rf::generateSynthetic(so);
}

rf::Interact2VecModel modelFor(const rf::Interactions& x, int32_t dim, uint64_t seed) {
  return rftest::i2vModelFor(x, dim, seed);
}

rf::Interact2VecModel train(const rf::Interactions& x, const rf::Interact2VecOptions& o, int epochs, int32_t dim = 16) {
  auto m = modelFor(x, dim, 3);
  rf::Interact2VecTrainer t(rf::EdgeView::of(x), m, o);
  for (int e = 0; e < epochs; ++e) t.trainEpoch();
  return m;
}

double recallAt20(const rf::SyntheticData& d, const rf::Interact2VecModel* m) { return rftest::i2vRecallAt20(d, m); }

}  // namespace

TEST(interact2vec_rejects_bad_hyperparameters_and_data) {
  const auto d = smallData();
  auto m = modelFor(d.train, 8, 1);
  const rf::EdgeView ev = rf::EdgeView::of(d.train);
  auto bad = [&](auto edit) {
    rf::Interact2VecOptions o;
    edit(o);
    CHECK_THROWS_CODE(rf::Interact2VecTrainer(ev, m, o), rf::code::kInvalidArgument);
  };
  bad([](auto& o) { o.epochs = 0; });
  bad([](auto& o) { o.negatives = 0; });
  bad([](auto& o) { o.negatives = 5000; });
  bad([](auto& o) { o.alpha = NAN; });
  bad([](auto& o) { o.alpha = INFINITY; });
  bad([](auto& o) { o.subsample = -1e-4; });
  bad([](auto& o) { o.lr = 0; });
  bad([](auto& o) { o.lr = NAN; });
  bad([](auto& o) { o.minLrRatio = 2; });
  bad([](auto& o) { o.batchRows = 0; });
  bad([](auto& o) { o.l2 = -1; });
  bad([](auto& o) { o.adamBeta1 = 1; });
  bad([](auto& o) { o.adamEps = 0; });
  bad([](auto& o) { o.itemItemWeight = -0.5; });
  bad([](auto& o) { o.threads = -1; });
  bad([](auto& o) {
    o.optimizer = rf::I2vOptimizer::kAdam;
    o.itemItemWeight = 1;
  });
  rf::Interact2VecOptions ok;
  auto other = modelFor(d.train, 8, 1);
  other.config.items += 1;
  CHECK_THROWS_CODE(rf::Interact2VecTrainer(ev, other, ok), rf::code::kShape);
  const std::vector<int32_t> us{0, 1}, is{0, 300};
  CHECK_THROWS_CODE(rf::Interact2VecTrainer(rf::EdgeView{us.data(), is.data(), 2, 600, 300}, m, ok),
                    rf::code::kOutOfRange);
  CHECK_THROWS_CODE(rf::Interact2VecTrainer(rf::EdgeView{us.data(), is.data(), 0, 600, 300}, m, ok), rf::code::kEmpty);
  rf::Interact2VecConfig c;
  c.dim = 0;
  CHECK_THROWS_CODE(rf::Interact2VecModel::create(c), rf::code::kInvalidArgument);
  c.dim = 4;
  c.initRange = -1;
  CHECK_THROWS_CODE(rf::Interact2VecModel::create(c), rf::code::kInvalidArgument);
}

TEST(interact2vec_model_init_is_as_specified) {
  rf::Interact2VecConfig c;
  c.users = 500;
  c.items = 400;
  c.dim = 8;
  c.seed = 9;
  auto a = rf::Interact2VecModel::create(c, 1), b = rf::Interact2VecModel::create(c, 3);
  CHECK(rftest::sameBits(a.users.data(), b.users.data(), a.users.size()));
  CHECK(rftest::sameBits(a.items.data(), b.items.data(), a.items.size()));
  float lo = 1, hi = -1;
  for (float x : a.users) lo = std::min(lo, x), hi = std::max(hi, x);
  CHECK(lo >= -0.05f && hi <= 0.05f && lo < -0.049f && hi > 0.049f);  // U(-0.05, 0.05)
  c.init = rf::I2vInit::kWord2vec;
  auto w = rf::Interact2VecModel::create(c);
  for (float x : w.items) CHECK_EQ(x, 0.0f);
  for (float x : w.users) CHECK(std::fabs(x) <= 0.5f / 8);
}

TEST(interact2vec_single_thread_sgd_is_deterministic) {
  const auto d = smallData();
  rf::Interact2VecOptions o;
  o.threads = 1;
  o.subsample = 1e-3;
  o.itemItemWeight = 0.5;
  const auto a = train(d.train, o, 2), b = train(d.train, o, 2);
  CHECK(rftest::sameBits(a.users.data(), b.users.data(), a.users.size()));
  CHECK(rftest::sameBits(a.items.data(), b.items.data(), a.items.size()));
  o.seed = 1;
  const auto c = train(d.train, o, 2);
  CHECK(!rftest::sameBits(a.items.data(), c.items.data(), a.items.size()));
}

TEST(interact2vec_adam_is_deterministic_for_any_thread_count) {
  const auto d = smallData();
  rf::Interact2VecOptions o;
  o.optimizer = rf::I2vOptimizer::kAdam;
  o.batchRows = 1000;
  o.threads = 1;
  const auto a = train(d.train, o, 2);
  o.threads = 3;
  const auto b = train(d.train, o, 2);
  CHECK(rftest::sameBits(a.users.data(), b.users.data(), a.users.size()));
  CHECK(rftest::sameBits(a.items.data(), b.items.data(), a.items.size()));
}

TEST(interact2vec_sgd_learning_rate_decays_linearly_to_its_floor) {
  const auto d = smallData();
  rf::Interact2VecOptions o;
  o.threads = 1;
  o.epochs = 2;
  o.lr = 0.05;
  o.minLrRatio = 0.1;
  auto m = modelFor(d.train, 8, 1);
  rf::Interact2VecTrainer t(rf::EdgeView::of(d.train), m, o);
  const double n = static_cast<double>(t.userItems().nnz());
  const rf::I2vEpochStats s0 = t.trainEpoch();
  CHECK_EQ(s0.kept, static_cast<int64_t>(n));
  // word2vec: lr0 * (1 - processed / (epochs * n + 1)), the last interaction having processed n - 1.
  CHECK_NEAR(s0.lastLr, 0.05 * (1 - (n - 1) / (2 * n + 1)), 1e-8);
  t.trainEpoch();
  CHECK_NEAR(t.trainEpoch().lastLr, 0.005, 1e-9);  // past the plan: the floor
  CHECK_EQ(t.epochsDone(), 3);
}

TEST(interact2vec_subsampling_once_or_per_epoch) {
  const auto d = smallData();
  rf::Interact2VecOptions o;
  o.subsample = 2e-4;
  o.threads = 1;
  for (auto mode : {rf::I2vSubsample::kOnce, rf::I2vSubsample::kPerEpoch}) {
    o.subsampleMode = mode;
    auto m = modelFor(d.train, 8, 1);
    rf::Interact2VecTrainer t(rf::EdgeView::of(d.train), m, o);
    // Keep probabilities are the formula on the items' shares; expected kept = their sum.
    const rf::Csr& ui = t.userItems();
    std::vector<int64_t> count(ui.cols, 0);
    for (int32_t i : ui.indices) ++count[i];
    double expected = 0, var = 0;
    for (int32_t i = 0; i < ui.cols; ++i) {
      const double p = rf::subsampleKeepProbability(count[i], ui.nnz(), o.subsample);
      CHECK_EQ(t.keepProbability()[i], p);
      expected += count[i] * p;
      var += count[i] * p * (1 - p);
    }
    CHECK(expected < 0.9 * ui.nnz());  // the rule bites on this data
    const int64_t k0 = t.trainEpoch().kept, k1 = t.trainEpoch().kept;
    CHECK(std::fabs(k0 - expected) < 6 * std::sqrt(var));
    if (mode == rf::I2vSubsample::kOnce)
      CHECK_EQ(k0, k1);
    else
      CHECK(k0 != k1);
  }
}

TEST(interact2vec_epoch_cancels_and_reports_progress) {
  const auto d = smallData();
  for (auto opt : {rf::I2vOptimizer::kSgd, rf::I2vOptimizer::kAdam}) {
    rf::Interact2VecOptions o;
    o.optimizer = opt;
    o.batchRows = 2000;
    auto m = modelFor(d.train, 8, 1);
    rf::Interact2VecTrainer t(rf::EdgeView::of(d.train), m, o);
    std::atomic<bool> stop{false};
    rf::JobControl ctl;
    ctl.cancelled = &stop;
    double last = -1;
    int reports = 0;
    ctl.progress = [&](double f) { last = f, ++reports; };
    t.trainEpoch(ctl);
    CHECK(reports >= 2);
    CHECK_EQ(last, 1.0);
    stop = true;
    CHECK_THROWS_CODE(t.trainEpoch(ctl), rf::code::kAborted);
  }
}

TEST(interact2vec_learns_beyond_popularity_on_synthetic_data) {
  const auto d = smallData();
  const double pop = recallAt20(d, nullptr);
  rf::Interact2VecOptions o;
  o.threads = 2;
  o.epochs = 30;  // 12k interactions: word2vec-style SGD needs a few hundred thousand updates
  o.lr = 0.05;
  o.alpha = -0.5;
  const auto sgd = train(d.train, o, o.epochs);
  const double rSgd = recallAt20(d, &sgd);
  o.optimizer = rf::I2vOptimizer::kAdam;
  o.batchRows = 2048;
  o.lr = 0.01;
  const auto adam = train(d.train, o, 15);
  const double rAdam = recallAt20(d, &adam);
  std::printf("     recall@20: popularity %.4f, sgd %.4f, adam %.4f\n", pop, rSgd, rAdam);
  CHECK(rSgd > pop * 1.5);
  CHECK(rAdam > pop * 1.3);
}
