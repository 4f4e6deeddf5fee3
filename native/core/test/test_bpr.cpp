// BPR loss and gradient against a naive double reference and central differences.
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/bpr.hpp"

namespace {

struct Case {
  int32_t m = 6, n = 9, d = 5;
  std::vector<rf::BprTriple> t{{0, 1, 2}, {3, 1, 4}, {0, 1, 2}, {5, 8, 0}, {2, 7, 1}};  // a repeated triple
  std::vector<float> fin, ego;
  Case() {
    fin = rftest::randomTable(m + n, d, 0.7, 1);
    ego = rftest::randomTable(m + n, d, 0.5, 2);
  }
};

}  // namespace

TEST(bpr_loss_and_gradient_match_finite_differences) {
  Case c;
  const double lambda = 0.3;
  rf::BprBatch batch;
  rf::mapBprBatch(c.t.data(), 5, c.m, c.n, batch);
  const int64_t rows = static_cast<int64_t>(batch.rows.size());
  std::vector<float> finC(rows * c.d), grad(rows * c.d), coef(rows);
  for (int64_t q = 0; q < rows; ++q)
    std::copy(&c.fin[batch.rows[q] * c.d], &c.fin[(batch.rows[q] + 1) * c.d], &finC[q * c.d]);
  const rf::BprLoss loss = rf::bprLossGrad(c.t.data(), 5, batch, finC.data(), c.ego.data(), c.d, lambda, 5.0,
                                           grad.data(), coef.data(), 2);
  auto fin = rftest::toDouble(c.fin), ego = rftest::toDouble(c.ego);
  CHECK_NEAR(loss.loss, rftest::naiveBprLoss(c.t, fin, ego, c.m, c.d, lambda), 1e-6);
  CHECK_NEAR(loss.loss, loss.bpr + loss.reg, 1e-12);
  const double h = 1e-5;
  for (int64_t q = 0; q < rows; ++q)
    for (int32_t k = 0; k < c.d; ++k) {
      const int64_t at = batch.rows[q] * c.d + k;
      auto f2 = fin;
      f2[at] += h;
      const double up = rftest::naiveBprLoss(c.t, f2, ego, c.m, c.d, 0);
      f2[at] -= 2 * h;
      const double down = rftest::naiveBprLoss(c.t, f2, ego, c.m, c.d, 0);
      CHECK_NEAR(grad[q * c.d + k], (up - down) / (2 * h), 1e-5);
      auto e2 = ego;
      e2[at] += h;
      const double rUp = rftest::naiveBprLoss(c.t, fin, e2, c.m, c.d, lambda);
      e2[at] -= 2 * h;
      const double rDown = rftest::naiveBprLoss(c.t, fin, e2, c.m, c.d, lambda);
      CHECK_NEAR(coef[q] * c.ego[at], (rUp - rDown) / (2 * h), 1e-5);
    }
}

TEST(bpr_gradient_is_independent_of_thread_count) {
  const int32_t m = 50, n = 60, d = 16;
  std::vector<rf::BprTriple> t;
  rf::Rng rng(4, 4);
  for (int k = 0; k < 3000; ++k)
    t.push_back({int32_t(rng.below(m)), int32_t(rng.below(n)), int32_t(rng.below(n))});
  auto fin = rftest::randomTable(m + n, d, 1.0, 5), ego = rftest::randomTable(m + n, d, 1.0, 6);
  rf::BprBatch batch;
  rf::mapBprBatch(t.data(), 3000, m, n, batch);
  const int64_t rows = static_cast<int64_t>(batch.rows.size());
  std::vector<float> finC(rows * d);
  for (int64_t q = 0; q < rows; ++q) std::copy(&fin[batch.rows[q] * d], &fin[(batch.rows[q] + 1) * d], &finC[q * d]);
  std::vector<float> g1(rows * d), g3(rows * d), c1(rows), c3(rows);
  auto l1 = rf::bprLossGrad(t.data(), 3000, batch, finC.data(), ego.data(), d, 1e-2, 3000, g1.data(), c1.data(), 1);
  auto l3 = rf::bprLossGrad(t.data(), 3000, batch, finC.data(), ego.data(), d, 1e-2, 3000, g3.data(), c3.data(), 3);
  CHECK_EQ(l1.loss, l3.loss);
  CHECK(rftest::sameBits(g1.data(), g3.data(), g1.size()));
  CHECK(rftest::sameBits(c1.data(), c3.data(), c1.size()));
}

TEST(bpr_stable_softplus_and_sigmoid) {
  CHECK_NEAR(rf::softplus(0), std::log(2.0), 1e-15);
  CHECK_EQ(rf::softplus(1000), 1000.0);
  CHECK(rf::softplus(-1000) >= 0 && rf::softplus(-1000) < 1e-300);
  CHECK_NEAR(rf::softplus(-30), std::exp(-30.0), 1e-25);
  CHECK_EQ(rf::sigmoid(1000), 1.0);
  CHECK_EQ(rf::sigmoid(-1000), 0.0);
  CHECK_NEAR(rf::sigmoid(-40), std::exp(-40.0), 1e-28);
  CHECK(std::isfinite(rf::softplus(1e308)) && std::isfinite(rf::sigmoid(-1e308)));
}

TEST(bpr_rejects_bad_batches) {
  std::vector<rf::BprTriple> t{{0, 1, 9}};
  rf::BprBatch b;
  CHECK_THROWS_CODE(rf::mapBprBatch(t.data(), 1, 2, 5, b), rf::code::kOutOfRange);
  t[0] = {-1, 0, 1};
  CHECK_THROWS_CODE(rf::mapBprBatch(t.data(), 1, 2, 5, b), rf::code::kOutOfRange);
}
