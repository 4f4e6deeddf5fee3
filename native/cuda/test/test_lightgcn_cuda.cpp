// GPU LightGCN against the CPU core on the same inputs: propagation forward/backward (and a naive
// double reference), the BPR gradient, Adam/SGD steps, whole epochs, determinism and errors.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "gpu_test.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cuda/lightgcn_trainer.hpp"
#include "recforge/cuda/propagation.hpp"
#include "recforge/lightgcn_propagation.hpp"

namespace {

using rf::cuda::DeviceBuffer;

std::vector<float> gpuForward(const rf::BipartiteGraph& g, const std::vector<float>& ego, int32_t d, int32_t K) {
  rf::cuda::DeviceGraph dg = rf::cuda::DeviceGraph::upload(g);
  rf::cuda::PropagationScratch scratch;
  DeviceBuffer<float> e(ego), out(ego.size());
  rf::cuda::propagateForward(dg, e.data(), out.data(), d, K, scratch);
  return out.toHost();
}

std::vector<float> gpuBackward(const rf::BipartiteGraph& g, const std::vector<float>& grad, int32_t d, int32_t K) {
  rf::cuda::DeviceGraph dg = rf::cuda::DeviceGraph::upload(g);
  rf::cuda::PropagationScratch scratch;
  DeviceBuffer<float> gr(grad), out(grad.size());
  rf::cuda::propagateBackward(dg, gr.data(), out.data(), d, K, scratch);
  return out.toHost();
}

std::vector<rf::BprTriple> randomTriples(const rftest::SmallGraph& s, int64_t n, uint64_t seed) {
  rf::Rng rng(seed, 9);
  std::vector<rf::BprTriple> t;
  while (static_cast<int64_t>(t.size()) < n) {
    const int64_t e = static_cast<int64_t>(rng.below(s.users.size()));
    t.push_back({s.users[e], s.items[e], static_cast<int32_t>(rng.below(s.g.nItems()))});
  }
  return t;
}

rf::LightGcnModel model(const rftest::SmallGraph& s, int32_t d, int32_t K, uint64_t seed) {
  rf::LightGcnConfig c;
  c.users = s.g.nUsers(), c.items = s.g.nItems(), c.dim = d, c.layers = K, c.seed = seed;
  return rf::LightGcnModel::create(c, 1);
}

}  // namespace

TEST(cuda_propagation_matches_cpu_and_naive_reference) {
  REQUIRE_GPU();
  for (int32_t d : {64, 13, 4, 128}) {
    rftest::SmallGraph s = rftest::randomGraph(37, 53, 0.12, 11 + d, 3, 5);
    const int64_t rows = s.g.nUsers() + s.g.nItems();
    std::vector<float> ego = rftest::randomTable(rows, d, 0.1, 3);
    const std::vector<double> a = rftest::denseAhat(s.g);
    for (int32_t K : {0, 1, 2, 3}) {
      rf::LightGcnPropagation cpu(s.g, d, K, 2);
      std::vector<float> want(ego.size());
      cpu.forward(ego.data(), want.data());
      std::vector<float> got = gpuForward(s.g, ego, d, K);
      CHECK_CLOSE_VEC(got, want, 2e-6);
      std::vector<double> naive = rftest::naivePropagate(a, std::vector<double>(ego.begin(), ego.end()), rows, d, K);
      CHECK_CLOSE_VEC(got, std::vector<float>(naive.begin(), naive.end()), 1e-5);
      // Backward: A_hat is symmetric, the same mean of powers applied to the gradient.
      std::vector<float> grad = rftest::randomTable(rows, d, 1.0, 17 + K);
      std::vector<float> wantB(grad.size());
      cpu.backward(grad.data(), wantB.data());
      CHECK_CLOSE_VEC(gpuBackward(s.g, grad, d, K), wantB, 2e-6);
    }
  }
}

TEST(cuda_propagation_is_deterministic) {
  REQUIRE_GPU();
  rftest::SmallGraph s = rftest::randomGraph(300, 400, 0.05, 5);
  std::vector<float> ego = rftest::randomTable(700, 64, 0.1, 4);
  std::vector<float> a = gpuForward(s.g, ego, 64, 3), b = gpuForward(s.g, ego, 64, 3);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

TEST(cuda_bpr_gradient_matches_cpu_trainer) {
  REQUIRE_GPU();
  for (int32_t K : {0, 2, 3}) {
    for (int32_t d : {64, 10}) {
      rftest::SmallGraph s = rftest::randomGraph(60, 80, 0.08, 21 + K);
      rf::LightGcnModel m = model(s, d, K, 7);
      rf::TrainOptions o;
      o.threads = 2;
      o.lambda = 1e-2;
      std::vector<rf::BprTriple> t = randomTriples(s, 100, 5 + K);
      std::vector<float> want(m.ego.size()), got(m.ego.size());
      rf::LightGcnTrainer cpu(s.g, m, o);
      const rf::BprLoss lc = cpu.gradient(t.data(), static_cast<int64_t>(t.size()), want.data());
      rf::cuda::LightGcnTrainer gpu(s.g, m, o);
      const rf::BprLoss lg = gpu.gradient(t.data(), static_cast<int64_t>(t.size()), got.data());
      CHECK_NEAR(lg.loss, lc.loss, 1e-6 * std::fabs(lc.loss));
      CHECK_NEAR(lg.bpr, lc.bpr, 1e-6 * std::fabs(lc.bpr));
      CHECK_NEAR(lg.reg, lc.reg, 1e-6 * std::fabs(lc.reg) + 1e-12);
      CHECK_CLOSE_VEC(got, want, 1e-5);
    }
  }
}

TEST(cuda_adam_and_sgd_steps_follow_the_cpu_trajectory) {
  REQUIRE_GPU();
  for (rf::OptimizerKind opt : {rf::OptimizerKind::kAdam, rf::OptimizerKind::kSgd}) {
    rftest::SmallGraph s = rftest::randomGraph(50, 70, 0.1, 31);
    rf::LightGcnModel mc = model(s, 16, 2, 8), mg = mc;
    rf::TrainOptions o;
    o.threads = 2;
    o.optimizer = opt;
    o.adam.lr = opt == rf::OptimizerKind::kSgd ? 0.05 : 1e-2;
    rf::LightGcnTrainer cpu(s.g, mc, o);
    rf::cuda::LightGcnTrainer gpu(s.g, mg, o);
    for (int step = 0; step < 5; ++step) {
      std::vector<rf::BprTriple> t = randomTriples(s, 64, 100 + step);
      const double lc = cpu.step(t.data(), 64).loss;
      const double lg = gpu.step(t.data(), 64).loss;
      CHECK_NEAR(lg, lc, 1e-5 * std::fabs(lc));
    }
    gpu.downloadModel();
    CHECK_CLOSE_VEC(mg.ego, mc.ego, 1e-5);
    CHECK(gpu.stepsDone() == 5);
  }
}

TEST(cuda_epochs_follow_the_cpu_trainer_and_repeat_bitwise) {
  REQUIRE_GPU();
  rftest::SmallGraph s = rftest::randomGraph(200, 150, 0.06, 41);
  rf::LightGcnModel mc = model(s, 32, 3, 9), mg = mc, mg2 = mc;
  rf::TrainOptions o;
  o.threads = 2;
  o.batchSize = 128;
  o.sampler = rf::EpochKind::kTorchUniformUsers;
  rf::LightGcnTrainer cpu(s.g, mc, o);
  rf::cuda::LightGcnTrainer gpu(s.g, mg, o), gpu2(s.g, mg2, o);
  for (int64_t e = 0; e < 3; ++e) {
    const double lc = cpu.trainEpoch(e), lg = gpu.trainEpoch(e), lg2 = gpu2.trainEpoch(e);
    CHECK_NEAR(lg, lc, 1e-4 * std::fabs(lc));
    CHECK(lg == lg2);
  }
  gpu.downloadModel();
  gpu2.downloadModel();
  CHECK_CLOSE_VEC(mg.ego, mc.ego, 1e-4);
  CHECK(std::memcmp(mg.ego.data(), mg2.ego.data(), mg.ego.size() * sizeof(float)) == 0);
  // Final embeddings on the device are the CPU's propagation of the downloaded table.
  std::vector<float> want = mg.finalEmbeddings(s.g, 2);
  CHECK_CLOSE_VEC(gpu.finalEmbeddings(), want, 2e-6);
}

TEST(cuda_trainer_rejects_bad_input_with_typed_errors) {
  REQUIRE_GPU();
  rftest::SmallGraph s = rftest::randomGraph(20, 30, 0.2, 51);
  rf::LightGcnModel m = model(s, 8, 1, 1);
  rf::TrainOptions o;
  rf::cuda::LightGcnTrainer gpu(s.g, m, o);
  rf::BprTriple bad{0, 30, 1};
  CHECK_THROWS_CODE(gpu.step(&bad, 1), rf::code::kOutOfRange);
  CHECK_THROWS_CODE(gpu.step(&bad, 0), rf::code::kEmpty);
  rf::TrainOptions lazy;
  lazy.optimizer = rf::OptimizerKind::kLazyAdam;
  CHECK_THROWS_CODE(rf::cuda::LightGcnTrainer(s.g, m, lazy), rf::code::kInvalidArgument);
  rf::LightGcnModel wrong = m;
  wrong.config.items += 1;
  CHECK_THROWS_CODE(rf::cuda::LightGcnTrainer(s.g, wrong, o), rf::code::kShape);
}

TEST(cuda_row_list_forward_and_masked_backward_equal_the_dense_products) {
  REQUIRE_GPU();
  rftest::SmallGraph s = rftest::randomGraph(90, 120, 0.05, 61);
  const int64_t rows = s.g.nUsers() + s.g.nItems();
  for (int32_t K : {1, 3}) {
    std::vector<float> ego = rftest::randomTable(rows, 64, 0.1, 6);
    const std::vector<float> dense = gpuForward(s.g, ego, 64, K);
    // Sorted rows with repeats, as a batch's sorted occurrences are.
    std::vector<int32_t> list = {0, 0, 3, 7, 7, 7, 90, 91, 150, 209};
    rf::cuda::DeviceGraph dg = rf::cuda::DeviceGraph::upload(s.g);
    rf::cuda::PropagationScratch scratch;
    DeviceBuffer<float> e(ego), out(std::vector<float>(ego.size(), -7.0f));
    DeviceBuffer<int32_t> dl(list);
    rf::cuda::propagateForward(dg, e.data(), out.data(), 64, K, scratch, dl.data(), static_cast<int64_t>(list.size()));
    std::vector<float> got = out.toHost();
    for (int64_t r = 0; r < rows; ++r) {
      const bool listed = std::find(list.begin(), list.end(), r) != list.end();
      for (int32_t j = 0; j < 64; ++j)
        CHECK_EQ(got[r * 64 + j], listed ? dense[r * 64 + j] : -7.0f);
    }
    // Gradient non-zero on a few rows only: the masked first product equals the dense one.
    std::vector<float> grad(ego.size(), 0.0f);
    std::vector<uint8_t> flags(rows, 0);
    rf::Rng rng(3, 3);
    for (int32_t r : list) {
      flags[r] = 1;
      for (int32_t j = 0; j < 64; ++j) grad[r * 64 + j] = static_cast<float>(rng.normal());
    }
    DeviceBuffer<float> dg2(grad), masked(grad.size());
    DeviceBuffer<uint8_t> df(flags);
    rf::cuda::propagateBackward(dg, dg2.data(), masked.data(), 64, K, scratch, df.data());
    const std::vector<float> want = gpuBackward(s.g, grad, 64, K);
    CHECK_CLOSE_VEC(masked.toHost(), want, 0.0);
  }
}
