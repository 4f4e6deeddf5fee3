// The Matryoshka (MRL4Rec) objective in the GPU LightGCN trainer against the CPU trainer: the
// same negatives (the CPU's candidate stream, the hardest chosen on the device), the loss and
// dL/dE0 of one batch, direct steps and whole epochs (MF and a 2-layer backbone, every mode), and
// bitwise repeatability (profiling on or off).
#include <cmath>
#include <string>
#include <vector>

#include "gpu_test.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cuda/lightgcn_trainer.hpp"
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

const char* modeName(Mode m) { return m == Mode::kMns ? "mns" : m == Mode::kShared ? "shared" : "dns"; }

// Runs fn; a failure inside names the case it happened in.
template <class Fn>
void inCase(const std::string& what, Fn fn) {
  try {
    fn();
  } catch (rftest::Failure& f) {
    f.message += " [" + what + "]";
    throw;
  }
}

}  // namespace

TEST(cuda_matryoshka_gradient_and_negatives_match_cpu_trainer) {
  REQUIRE_GPU();
  auto s = rftest::randomGraph(40, 60, 0.1, 71, /*isolatedUser=*/3, /*isolatedItem=*/5);
  const int32_t d = 16;
  auto t = rftest::someTriples(s.g, 50, 4);
  t.push_back(t[0]);  // a repeated triple: its rows count twice
  const int64_t n = static_cast<int64_t>(t.size());
  for (int32_t K : {0, 2}) {
    for (Mode mode : {Mode::kMns, Mode::kShared, Mode::kDns}) {
      inCase("K=" + std::to_string(K) + " " + modeName(mode), [&] {
        rf::LightGcnModel mc = rf::LightGcnModel::create(rftest::modelConfig(s.g, d, K, 0.3, 7), 1), mg = mc;
        rf::TrainOptions o;
        o.threads = 2;
        o.lambda = 1e-2;
        o.matryoshka = objective({2, 4, 8, 16}, 4, mode);
        rf::LightGcnTrainer cpu(s.g, mc, o);
        rf::cuda::LightGcnTrainer gpu(s.g, mg, o);
        CHECK(gpu.lastNegatives().empty());
        std::vector<float> want(mc.ego.size()), got(mg.ego.size(), -1.0f);
        const rf::BprLoss lc = cpu.gradient(t.data(), n, want.data());
        const rf::BprLoss lg = gpu.gradient(t.data(), n, got.data());
        const std::vector<int32_t> negs = gpu.lastNegatives();
        CHECK_EQ(negs.size(), t.size() * (mode == Mode::kMns ? 4u : 1u));
        CHECK(negs == cpu.lastNegatives());
        CHECK_NEAR(lg.loss, lc.loss, 1e-6 * std::fabs(lc.loss));
        CHECK_NEAR(lg.bpr, lc.bpr, 1e-6 * std::fabs(lc.bpr));
        CHECK_NEAR(lg.reg, lc.reg, 1e-6 * std::fabs(lc.reg) + 1e-12);
        CHECK_CLOSE_VEC(got, want, 1e-5);
        CHECK(gpu.stepsDone() == 0);  // gradient() does not step
        // The device table is untouched by gradient().
        gpu.downloadModel();
        CHECK(rftest::sameBits(mg.ego.data(), mc.ego.data(), mc.ego.size()));
      });
    }
  }
}

TEST(cuda_matryoshka_training_follows_cpu_trainer_and_repeats_bitwise) {
  REQUIRE_GPU();
  rf::SyntheticOptions so;
  so.users = 120;
  so.items = 90;
  so.meanActivity = 10;
  so.seed = 8;
  const rf::SyntheticData data = rf::generateSynthetic(so);
  const rf::BipartiteGraph g = rf::buildGraph(rf::EdgeView::of(data.train));
  for (int32_t K : {0, 2}) {
    for (Mode mode : {Mode::kMns, Mode::kShared, Mode::kDns}) {
      inCase("K=" + std::to_string(K) + " " + modeName(mode), [&] {
        rf::LightGcnModel mc = rf::LightGcnModel::create(rftest::modelConfig(g, 16, K, 0.1, 11), 1);
        rf::LightGcnModel mg = mc, mg2 = mc;
        rf::TrainOptions o;
        o.batchSize = 128;
        o.threads = 2;
        o.seed = 3;
        o.adam.lr = 5e-3;
        o.sampler = rf::EpochKind::kShuffledPairs;
        o.dropLastPartial = true;
        o.matryoshka = objective({4, 8, 16}, 4, mode);
        rf::LightGcnTrainer cpu(g, mc, o);
        rf::cuda::LightGcnTrainer gpu(g, mg, o), gpu2(g, mg2, o);
        gpu2.setProfiling(true);  // events between phases must not change a bit
        // Direct steps (sampler stream 2^62 + steps done).
        for (int step = 0; step < 2; ++step) {
          const auto t = rftest::someTriples(g, 48, 20 + step);
          const double lc = cpu.step(t.data(), 48).loss;
          const double lg = gpu.step(t.data(), 48).loss;
          const double lg2 = gpu2.step(t.data(), 48).loss;
          CHECK(gpu.lastNegatives() == cpu.lastNegatives());
          CHECK_NEAR(lg, lc, 1e-5 * std::fabs(lc));
          CHECK(lg == lg2);
        }
        // Whole epochs (stream: epoch, the batch's first triple).
        for (int64_t e = 0; e < 2; ++e) {
          const double lc = cpu.trainEpoch(e), lg = gpu.trainEpoch(e), lg2 = gpu2.trainEpoch(e);
          CHECK_NEAR(lg, lc, 1e-4 * std::fabs(lc));
          CHECK(lg == lg2);
          CHECK(gpu.lastNegatives() == cpu.lastNegatives());  // the epoch's last batch
        }
        CHECK_EQ(gpu.stepsDone(), cpu.stepsDone());
        CHECK(gpu.stepsDone() > 4);
        CHECK(gpu.times().draw > 0);
        CHECK(gpu2.times().sample > 0);
        gpu.downloadModel();
        gpu2.downloadModel();
        CHECK_CLOSE_VEC(mg.ego, mc.ego, 1e-4);
        CHECK(rftest::sameBits(mg.ego.data(), mg2.ego.data(), mg.ego.size()));
      });
    }
  }
}

TEST(cuda_matryoshka_trainer_rejects_bad_levels) {
  REQUIRE_GPU();
  auto s = rftest::randomGraph(10, 12, 0.3, 1);
  rf::LightGcnModel m = rf::LightGcnModel::create(rftest::modelConfig(s.g, 40, 0, 0.1, 1));
  rf::TrainOptions o;
  for (auto lv : std::vector<rf::MatryoshkaObjective>{objective({4, 2}, 2, Mode::kMns), objective({4, 64}, 2, Mode::kMns),
                                                       objective({}, 2, Mode::kMns), objective({2, 8}, 0, Mode::kMns)}) {
    o.matryoshka = lv;
    CHECK_THROWS_CODE(rf::cuda::LightGcnTrainer(s.g, m, o), rf::code::kInvalidArgument);
  }
  std::vector<int32_t> many;  // 33 levels: above the device limit
  for (int32_t k = 1; k <= 33; ++k) many.push_back(k);
  o.matryoshka = objective(many, 2, Mode::kMns);
  CHECK_THROWS_CODE(rf::cuda::LightGcnTrainer(s.g, m, o), rf::code::kInvalidArgument);
  o.matryoshka = objective({4, 40}, 2, Mode::kShared);
  rf::cuda::LightGcnTrainer ok(s.g, m, o);
  rf::BprTriple bad{0, 12, 1};
  CHECK_THROWS_CODE(ok.step(&bad, 1), rf::code::kOutOfRange);
}
