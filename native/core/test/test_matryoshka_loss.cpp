// Nested (Matryoshka) BPR loss and gradient against a naive double reference and central
// differences, in all three modes.
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "matryoshka_reference.hpp"
#include "recforge/matryoshka.hpp"

namespace {

using Mode = rf::MatryoshkaMode;

struct Case {
  int32_t m = 5, n = 9, d = 8;
  // Repeats on purpose: user 0 twice, item 2 as a positive and as negatives, a negative repeated
  // across levels of one triple.
  std::vector<int32_t> users{0, 3, 0, 4, 2}, pos{1, 2, 1, 8, 7};
  std::vector<int32_t> mnsNegs{2, 2, 5, 0, 4, 6, 3, 3, 3, 2, 1, 0, 8, 6, 2};  // 3 per triple
  std::vector<int32_t> oneNeg{2, 0, 3, 2, 6};
  std::vector<float> fin = rftest::randomTable(m + n, d, 0.7, 31), ego = rftest::randomTable(m + n, d, 0.5, 32);
  rf::MatryoshkaLevels lv;
  Case() { lv.dims = {2, 4, 8}; }
  const std::vector<int32_t>& negs(Mode mode) const { return mode == Mode::kMns ? mnsNegs : oneNeg; }
};

double naiveLoss(const Case& c, Mode mode, const rf::MatryoshkaLevels& lv, const std::vector<double>& fin,
                 const std::vector<double>& ego, double lambda, double regDiv) {
  return rftest::naiveMatryoshkaLoss(c.users, c.pos, c.negs(mode), mode, lv, fin, ego, c.m, c.d, lambda, regDiv);
}

void checkAgainstReference(const Case& c, Mode mode, const rf::MatryoshkaLevels& given) {
  const auto lv = rf::validateLevels(given, c.d);
  const double lambda = 0.3, regDiv = 4.0;  // a divisor other than B, like a partial last batch
  const int32_t per = rf::negativesPerTriple(mode, lv);
  const int64_t b = static_cast<int64_t>(c.users.size());
  rf::BprBatch batch;
  rf::mapMatryoshkaBatch(c.users.data(), c.pos.data(), c.negs(mode).data(), b, per, c.m, c.n, batch);
  const int64_t rows = static_cast<int64_t>(batch.rows.size());
  std::vector<float> finC(rows * c.d), grad(rows * c.d), coef(rows);
  for (int64_t q = 0; q < rows; ++q)
    std::copy(&c.fin[batch.rows[q] * c.d], &c.fin[(batch.rows[q] + 1) * c.d], &finC[q * c.d]);
  const auto loss = rf::matryoshkaLossGrad(b, batch, finC.data(), c.ego.data(), c.d, lv, mode, lambda, regDiv,
                                           grad.data(), coef.data(), 2);
  auto fin = rftest::toDouble(c.fin), ego = rftest::toDouble(c.ego);
  CHECK_NEAR(loss.loss, naiveLoss(c, mode, lv, fin, ego, lambda, regDiv), 1e-6);
  CHECK_NEAR(loss.loss, loss.rank + loss.reg, 1e-12);
  double ranked = 0;
  for (size_t t = 0; t < loss.levelBpr.size(); ++t) ranked += (mode == Mode::kDns ? 1.0 : lv.weights[t]) * loss.levelBpr[t];
  CHECK_NEAR(loss.rank, ranked, 1e-12);
  CHECK_EQ(loss.levelBpr.size(), size_t(mode == Mode::kDns ? 1 : lv.dims.size()));
  const double h = 1e-5;
  for (int64_t q = 0; q < rows; ++q)
    for (int32_t k = 0; k < c.d; ++k) {
      const int64_t at = batch.rows[q] * c.d + k;
      auto f2 = fin;
      f2[at] += h;
      const double up = naiveLoss(c, mode, lv, f2, ego, 0, 1);
      f2[at] -= 2 * h;
      const double down = naiveLoss(c, mode, lv, f2, ego, 0, 1);
      CHECK_NEAR(grad[q * c.d + k], (up - down) / (2 * h), 1e-5);
      auto e2 = ego;
      e2[at] += h;
      const double rUp = naiveLoss(c, mode, lv, fin, e2, lambda, regDiv);
      e2[at] -= 2 * h;
      const double rDown = naiveLoss(c, mode, lv, fin, e2, lambda, regDiv);
      CHECK_NEAR(coef[q] * c.ego[at], (rUp - rDown) / (2 * h), 1e-5);
    }
}

}  // namespace

TEST(matryoshka_mns_loss_and_gradient_match_finite_differences) {
  Case c;
  checkAgainstReference(c, Mode::kMns, c.lv);
  rf::MatryoshkaLevels weighted;  // uneven levels and weights; coordinates 6-7 belong to no level
  weighted.dims = {1, 3, 6};
  weighted.weights = {0.5, 1.0, 2.0};
  checkAgainstReference(c, Mode::kMns, weighted);
}

TEST(matryoshka_shared_loss_and_gradient_match_finite_differences) {
  Case c;
  checkAgainstReference(c, Mode::kShared, c.lv);
  rf::MatryoshkaLevels partial;
  partial.dims = {3, 5};
  checkAgainstReference(c, Mode::kShared, partial);
}

TEST(matryoshka_dns_loss_and_gradient_match_finite_differences) {
  Case c;
  checkAgainstReference(c, Mode::kDns, c.lv);
  rf::MatryoshkaLevels partial;
  partial.dims = {2, 6};
  checkAgainstReference(c, Mode::kDns, partial);
}

TEST(matryoshka_gradient_is_independent_of_thread_count) {
  const int32_t m = 40, n = 50, d = 16, b = 2000;
  rf::MatryoshkaLevels lv;
  lv.dims = {2, 4, 8, 16};
  rf::Rng rng(8, 8);
  std::vector<int32_t> users, pos, negs;
  for (int q = 0; q < b; ++q) {
    users.push_back(int32_t(rng.below(m))), pos.push_back(int32_t(rng.below(n)));
    for (int k = 0; k < 4; ++k) negs.push_back(int32_t(rng.below(n)));
  }
  const auto fin = rftest::randomTable(m + n, d, 1.0, 41), ego = rftest::randomTable(m + n, d, 1.0, 42);
  for (auto mode : {Mode::kMns, Mode::kShared, Mode::kDns}) {
    rf::BprBatch batch;
    rf::mapMatryoshkaBatch(users.data(), pos.data(), negs.data(), b, rf::negativesPerTriple(mode, lv), m, n, batch);
    const int64_t rows = static_cast<int64_t>(batch.rows.size());
    std::vector<float> finC(rows * d);
    for (int64_t q = 0; q < rows; ++q) std::copy(&fin[batch.rows[q] * d], &fin[(batch.rows[q] + 1) * d], &finC[q * d]);
    std::vector<float> g1(rows * d), g3(rows * d), c1(rows), c3(rows);
    auto l1 = rf::matryoshkaLossGrad(b, batch, finC.data(), ego.data(), d, lv, mode, 1e-2, b, g1.data(), c1.data(), 1);
    auto l3 = rf::matryoshkaLossGrad(b, batch, finC.data(), ego.data(), d, lv, mode, 1e-2, b, g3.data(), c3.data(), 3);
    CHECK_EQ(l1.loss, l3.loss);
    CHECK(rftest::sameBits(g1.data(), g3.data(), g1.size()));
    CHECK(rftest::sameBits(c1.data(), c3.data(), c1.size()));
  }
}

TEST(matryoshka_loss_rejects_bad_batches) {
  Case c;
  rf::BprBatch batch;
  std::vector<int32_t> negs = c.mnsNegs;
  negs[4] = c.n;
  CHECK_THROWS_CODE(rf::mapMatryoshkaBatch(c.users.data(), c.pos.data(), negs.data(), 5, 3, c.m, c.n, batch),
                    rf::code::kOutOfRange);
  rf::mapMatryoshkaBatch(c.users.data(), c.pos.data(), c.oneNeg.data(), 5, 1, c.m, c.n, batch);
  std::vector<float> buf(batch.rows.size() * c.d), coef(batch.rows.size());
  // A batch mapped for one negative per triple cannot feed the MNS loss (3 per triple).
  CHECK_THROWS_CODE(rf::matryoshkaLossGrad(5, batch, buf.data(), c.ego.data(), c.d, c.lv, Mode::kMns, 0.1, 5,
                                           buf.data(), coef.data(), 1),
                    rf::code::kShape);
  rf::MatryoshkaLevels bad;
  bad.dims = {4, 2};
  CHECK_THROWS_CODE(rf::matryoshkaLossGrad(5, batch, buf.data(), c.ego.data(), c.d, bad, Mode::kDns, 0.1, 5,
                                           buf.data(), coef.data(), 1),
                    rf::code::kInvalidArgument);
}
