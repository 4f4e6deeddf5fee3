// The GPU Interact2Vec trainer: whole epochs against a host double reference of the same batched
// schedule (order, batches, rates, counter-based negatives; subsampling once and per epoch),
// learning beyond popularity on planted structure with a falling loss, bitwise repeatability,
// and typed errors.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "gpu_test.hpp"
#include "i2v_batched_reference.hpp"
#include "interact2vec_fixtures.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cuda/interact2vec_trainer.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/synthetic.hpp"

namespace {

rf::Interact2VecModel i2vModel(const rf::Interactions& x, int32_t dim, uint64_t seed, double initRange) {
  rf::Interact2VecConfig c;
  c.users = x.nUsers;
  c.items = x.nItems;
  c.dim = dim;
  c.seed = seed;
  c.initRange = initRange;
  return rf::Interact2VecModel::create(c, 1);
}

double recallAt20(const rf::SyntheticData& d, const rf::Interact2VecModel* m) { return rftest::i2vRecallAt20(d, m); }

}  // namespace

TEST(cuda_interact2vec_epochs_match_a_host_reference_of_the_batched_schedule) {
  REQUIRE_GPU();
  rf::SyntheticOptions so;
  so.users = 80;
  so.items = 50;
  so.meanActivity = 8;
  so.seed = 2;
  const rf::SyntheticData d = rf::generateSynthetic(so);
  for (int perEpoch = 0; perEpoch < 2; ++perEpoch) {
    rf::Interact2VecModel m = i2vModel(d.train, 16, 4, 0.3);
    rf::Interact2VecOptions o;
    o.epochs = 3;
    o.negatives = 3;
    o.lr = 0.05;
    o.alpha = -0.5;
    o.seed = 9;
    if (perEpoch) o.subsample = 0.01, o.subsampleMode = rf::I2vSubsample::kPerEpoch;
    rf::cuda::CudaInteract2VecOptions g;
    g.batchSize = 64;
    g.sigmoid = rf::cuda::SgnsSigmoid::kExact;  // continuous: float and double stay close
    rftest::I2vReference ref;
    ref.dim = 16;
    ref.U.assign(m.users.begin(), m.users.end());
    ref.V.assign(m.items.begin(), m.items.end());
    rf::cuda::Interact2VecTrainer gpu(rf::EdgeView::of(d.train), m, o, g);
    for (int e = 0; e < 2; ++e) {
      const rf::I2vEpochStats s = gpu.trainEpoch();
      const double want = rftest::referenceEpoch(ref, d.train, o, g);
      CHECK_NEAR(s.loss, want, 1e-5 * std::fabs(want));
      CHECK(s.kept > 0);
      CHECK(perEpoch || s.kept == static_cast<int64_t>(d.train.size()));
      CHECK_EQ(s.steps, (s.kept + 63) / 64);
    }
    CHECK_EQ(gpu.epochsDone(), 2);
    gpu.downloadModel();
    CHECK_CLOSE_VEC(m.users, std::vector<float>(ref.U.begin(), ref.U.end()), 1e-4);
    CHECK_CLOSE_VEC(m.items, std::vector<float>(ref.V.begin(), ref.V.end()), 1e-4);
  }
}

TEST(cuda_interact2vec_learns_beyond_popularity_and_repeats_bitwise) {
  REQUIRE_GPU();
  rf::SyntheticOptions so;
  so.users = 600;
  so.items = 300;
  so.meanActivity = 20;
  so.seed = 5;
  const rf::SyntheticData d = rf::generateSynthetic(so);
  const double pop = recallAt20(d, nullptr);
  rf::Interact2VecOptions o;
  o.epochs = 10;
  o.lr = 0.2;  // per batch of 256 (a host run of this schedule reaches ~2.5x popularity)
  o.alpha = -0.5;
  o.seed = 1;
  rf::cuda::CudaInteract2VecOptions g;
  g.batchSize = 256;
  rf::Interact2VecModel a = i2vModel(d.train, 16, 3, 0.05), b = a;
  rf::cuda::Interact2VecTrainer ta(rf::EdgeView::of(d.train), a, o, g), tb(rf::EdgeView::of(d.train), b, o, g);
  std::vector<double> loss;
  for (int e = 0; e < o.epochs; ++e) {
    const rf::I2vEpochStats sa = ta.trainEpoch(), sb = tb.trainEpoch();
    CHECK(sa.loss == sb.loss);
    loss.push_back(sa.loss);
  }
  ta.downloadModel();
  tb.downloadModel();
  CHECK(rftest::sameBits(a.users.data(), b.users.data(), a.users.size()));
  CHECK(rftest::sameBits(a.items.data(), b.items.data(), a.items.size()));
  const double r = recallAt20(d, &a);
  std::printf("     recall@20: popularity %.4f, GPU batched SGNS %.4f; loss %.4f -> %.4f\n", pop, r, loss.front(),
              loss.back());
  CHECK(r > 1.5 * pop);
  CHECK(loss.back() < 0.7 * loss.front());
  for (size_t e = 1; e < loss.size(); ++e) CHECK(loss[e] < loss[e - 1] * 1.02);  // falls (up to noise)
}

TEST(cuda_interact2vec_trainer_rejects_what_it_does_not_support) {
  REQUIRE_GPU();
  rf::SyntheticOptions so;
  so.users = 30;
  so.items = 20;
  so.meanActivity = 5;
  const rf::SyntheticData d = rf::generateSynthetic(so);
  rf::Interact2VecModel m = i2vModel(d.train, 8, 1, 0.05);
  rf::Interact2VecOptions o;
  rf::cuda::CudaInteract2VecOptions g;
  o.optimizer = rf::I2vOptimizer::kAdam;
  CHECK_THROWS_CODE(rf::cuda::Interact2VecTrainer(rf::EdgeView::of(d.train), m, o, g), rf::code::kInvalidArgument);
  o = {};
  o.itemItemWeight = 0.5;
  CHECK_THROWS_CODE(rf::cuda::Interact2VecTrainer(rf::EdgeView::of(d.train), m, o, g), rf::code::kInvalidArgument);
  o = {};
  g.batchSize = 0;
  CHECK_THROWS_CODE(rf::cuda::Interact2VecTrainer(rf::EdgeView::of(d.train), m, o, g), rf::code::kInvalidArgument);
  g = {};
  rf::Interact2VecModel wrong = m;
  wrong.config.items += 1;
  CHECK_THROWS_CODE(rf::cuda::Interact2VecTrainer(rf::EdgeView::of(d.train), wrong, o, g), rf::code::kShape);
}
