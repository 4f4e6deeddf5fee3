// The Matryoshka (MRL4Rec) objective inside the LightGCN trainer: negatives chosen on the current
// final embeddings, the whole pipeline's gradient (backbone + nested loss + L2) against central
// differences of a double reference, determinism, Xavier init, and that nested training makes
// small prefixes useful where plain BPR does not.
#include <cmath>
#include <cstdio>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "matryoshka_reference.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/lightgcn.hpp"
#include "recforge/synthetic.hpp"

namespace {

using Mode = rf::MatryoshkaMode;

rf::MatryoshkaObjective objective(std::vector<int32_t> dims, int32_t candidates, Mode mode) {
  rf::MatryoshkaObjective o;
  o.levels.dims = std::move(dims);
  o.levels.candidates = candidates;
  o.mode = mode;
  return o;
}

}  // namespace

TEST(matryoshka_trainer_gradient_matches_finite_differences) {
  auto s = rftest::randomGraph(9, 14, 0.3, 31, /*isolatedUser=*/2, /*isolatedItem=*/4);
  const int32_t d = 4;
  const double lambda = 0.05;
  auto t = rftest::someTriples(s.g, 6, 3);
  t.push_back(t[0]);  // repeated triple: L2 counted twice
  std::vector<int32_t> users, pos;
  for (const auto& x : t) users.push_back(x.user), pos.push_back(x.pos);
  for (int32_t K : {0, 2}) {
    for (Mode mode : {Mode::kMns, Mode::kShared, Mode::kDns}) {
      auto model = rf::LightGcnModel::create(rftest::modelConfig(s.g, d, K, 0.5, 7), 2);
      rf::TrainOptions o;
      o.lambda = lambda;
      o.threads = 2;
      o.matryoshka = objective({1, 2, 4}, 3, mode);
      rf::LightGcnTrainer trainer(s.g, model, o);
      std::vector<float> grad(model.ego.size());
      const auto loss = trainer.gradient(t.data(), static_cast<int64_t>(t.size()), grad.data());
      const std::vector<int32_t> negs = trainer.lastNegatives();
      CHECK_EQ(negs.size(), t.size() * (mode == Mode::kMns ? 3u : 1u));
      // The negatives are the kernel's choice on the current final embeddings, never positives.
      const auto fin = model.finalEmbeddings(s.g, 1);
      std::vector<int32_t> again(negs.size());
      rf::PositiveSet positives(s.g.userItems);
      rf::NegativeSampler uniform(positives, rf::NegativeKind::kUniform);
      rf::MatryoshkaSampleOptions so;
      so.epoch = (uint64_t{1} << 62) + trainer.stepsDone();  // the stream of a direct gradient() call
      rf::sampleMatryoshkaNegatives(users.data(), pos.data(), static_cast<int64_t>(t.size()), uniform, s.g.nUsers(),
                                    s.g.nItems(), fin.data(), d, o.matryoshka->levels, mode, so, again.data());
      CHECK(again == negs);
      for (size_t q = 0; q < negs.size(); ++q) {
        const size_t triple = q / (negs.size() / t.size());
        CHECK(!s.g.userItems.contains(users[triple], negs[q]));
      }
      const auto lv = rf::validateLevels(o.matryoshka->levels, d);
      const auto adj = rftest::denseAhat(s.g);
      const int64_t rows = s.g.nUsers() + s.g.nItems();
      auto reference = [&](const std::vector<double>& ego) {
        const auto f = rftest::naivePropagate(adj, ego, rows, d, K);
        return rftest::naiveMatryoshkaLoss(users, pos, negs, mode, lv, f, ego, s.g.nUsers(), d, lambda,
                                           static_cast<double>(t.size()));
      };
      auto ego = rftest::toDouble(model.ego);
      CHECK_NEAR(loss.loss, reference(ego), 1e-5);
      const double h = 1e-5;
      for (size_t k = 0; k < ego.size(); ++k) {
        auto e = ego;
        e[k] += h;
        const double up = reference(e);
        e[k] -= 2 * h;
        const double fd = (up - reference(e)) / (2 * h);
        CHECK_NEAR(grad[k], fd, 1e-5 + 1e-4 * std::fabs(fd));
      }
    }
  }
}

TEST(matryoshka_epoch_is_bit_identical_for_same_seed_and_any_threads) {
  rf::SyntheticOptions so;
  so.users = 120;
  so.items = 90;
  so.meanActivity = 10;
  auto data = rf::generateSynthetic(so);
  auto g = rf::buildGraph(rf::EdgeView::of(data.train));
  for (int32_t K : {0, 2}) {
    auto run = [&](int threads, uint64_t seed) {
      auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 16, K, 0.1, 11), threads);
      rf::TrainOptions o;
      o.batchSize = 64;
      o.threads = threads;
      o.seed = seed;
      o.sampler = rf::EpochKind::kShuffledPairs;
      o.dropLastPartial = true;
      o.matryoshka = objective({4, 8, 16}, 4, Mode::kMns);
      rf::LightGcnTrainer trainer(g, model, o);
      trainer.trainEpoch(0);
      trainer.trainEpoch(1);
      CHECK_EQ(trainer.stepsDone(), 2 * (data.train.size() / 64));  // fixture: nTrain % 64 != 0
      CHECK(data.train.size() % 64 != 0);  // the partial batch was dropped
      return model.ego;
    };
    rftest::checkSeedDeterminism(run);
  }
}

TEST(xavier_uniform_init_bounds_per_table) {
  rf::LightGcnConfig c;
  c.users = 3000;
  c.items = 500;
  c.dim = 16;
  c.init = rf::InitKind::kXavierUniform;
  c.seed = 9;
  auto a = rf::LightGcnModel::create(c, 1), b = rf::LightGcnModel::create(c, 3);
  CHECK(rftest::sameBits(a.ego.data(), b.ego.data(), a.ego.size()));
  for (int table = 0; table < 2; ++table) {
    const int64_t rows = table == 0 ? c.users : c.items, first = table == 0 ? 0 : c.users;
    const double bound = std::sqrt(6.0 / (rows + c.dim));
    double maxAbs = 0, sq = 0;
    for (int64_t k = first * c.dim; k < (first + rows) * c.dim; ++k)
      maxAbs = std::max(maxAbs, std::fabs(double(a.ego[k]))), sq += double(a.ego[k]) * a.ego[k];
    CHECK(maxAbs <= bound);
    CHECK(maxAbs > 0.99 * bound);
    CHECK_NEAR(sq / double(rows * c.dim), bound * bound / 3, 0.03 * bound * bound / 3);  // U(-b, b): b^2/3
  }
}

TEST(matryoshka_rejects_bad_levels) {
  auto s = rftest::randomGraph(10, 10, 0.3, 1);
  auto model = rf::LightGcnModel::create(rftest::modelConfig(s.g, 8, 0, 0.1, 1));
  rf::TrainOptions o;
  for (auto lv : std::vector<rf::MatryoshkaObjective>{objective({4, 2}, 2, Mode::kMns), objective({4, 16}, 2, Mode::kMns),
                                                       objective({}, 2, Mode::kMns), objective({2, 8}, 0, Mode::kMns)}) {
    o.matryoshka = lv;
    CHECK_THROWS_CODE(rf::LightGcnTrainer(s.g, model, o), rf::code::kInvalidArgument);
  }
  o.matryoshka = objective({2, 8}, 2, Mode::kMns);
  o.matryoshka->levels.weights = {1.0, -1.0};
  CHECK_THROWS_CODE(rf::LightGcnTrainer(s.g, model, o), rf::code::kInvalidArgument);
}

TEST(matryoshka_training_makes_the_small_prefix_useful) {
  // Same data, init, epochs and hard-negative budget; only the objective differs. The 4-d prefix
  // of an MNS model must rank much better than the 4-d prefix of a BPR-DNS model, whose loss never
  // looks at prefixes (at full width both learn).
  rf::SyntheticOptions so;
  so.users = 400;
  so.items = 300;
  so.meanActivity = 20;
  so.seed = 3;
  auto data = rf::generateSynthetic(so);
  auto g = rf::buildGraph(rf::EdgeView::of(data.train));
  auto truth = rf::buildCsr(data.test.users.data(), data.test.items.data(), data.test.size(), data.test.nUsers, data.test.nItems);
  auto recallAt = [&](const rf::LightGcnModel& model, int32_t width) {
    std::vector<float> u(size_t(g.nUsers()) * width), i(size_t(g.nItems()) * width);
    for (int64_t r = 0; r < model.rows(); ++r)
      for (int32_t j = 0; j < width; ++j)
        (r < g.nUsers() ? u[r * width + j] : i[(r - g.nUsers()) * width + j]) = model.ego[r * model.config.dim + j];
    rf::EvalSpec spec;
    spec.truth = &truth;
    spec.mask = &g.userItems;
    spec.ks = {20};
    auto res = rf::evaluateEmbeddings({u.data(), g.nUsers(), width}, {i.data(), g.nItems(), width}, spec);
    return res.meanOf(rf::Metric::Recall, 0);
  };
  double prefix[2], full[2];
  for (int which = 0; which < 2; ++which) {
    auto c = rftest::modelConfig(g, 32, 0, 0.1, 4);
    c.init = rf::InitKind::kXavierUniform;
    auto model = rf::LightGcnModel::create(c);
    rf::TrainOptions o;
    o.batchSize = 256;
    o.adam.lr = 0.01;
    o.sampler = rf::EpochKind::kShuffledPairs;
    o.matryoshka = which == 0 ? objective({4, 8, 16, 32}, 4, Mode::kMns) : objective({4, 8, 16, 32}, 4, Mode::kDns);
    rf::LightGcnTrainer trainer(g, model, o);
    for (int e = 0; e < 15; ++e) trainer.trainEpoch(e);
    prefix[which] = recallAt(model, 4);
    full[which] = recallAt(model, 32);
  }
  std::printf("    recall@20 at d=4: MNS %.4f, DNS %.4f; at d=32: MNS %.4f, DNS %.4f\n", prefix[0], prefix[1], full[0], full[1]);
  CHECK(prefix[0] > 1.2 * prefix[1]);
  CHECK(full[0] > 0.5 * full[1]);
}
