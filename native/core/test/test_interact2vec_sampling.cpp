// Interact2Vec sampling: the keep rule against the formula, keep frequencies, and negatives
// proportional to count^alpha for negative, zero and positive alpha (chi-square, fixed seeds).
#include <cmath>
#include <vector>

#include "chi_square.hpp"
#include "harness.hpp"
#include "recforge/interact2vec_kernels.hpp"

namespace {

// P(j) proportional to counts[j]^alpha over counts > 0, excluding `except` (-1: none).
std::vector<double> expectedNegatives(const std::vector<int64_t>& counts, double alpha, int32_t except = -1) {
  std::vector<double> p(counts.size(), 0.0);
  double sum = 0;
  for (size_t j = 0; j < counts.size(); ++j)
    if (counts[j] > 0 && static_cast<int32_t>(j) != except) sum += p[j] = std::pow(static_cast<double>(counts[j]), alpha);
  for (auto& x : p) x /= sum;
  return p;
}

}  // namespace

TEST(interact2vec_keep_probability_matches_the_formula) {
  // z = 0.1, rho = 0.01: (sqrt(10) + 1) * 0.1.
  CHECK_NEAR(rf::subsampleKeepProbability(100, 1000, 0.01), (std::sqrt(10.0) + 1) * 0.1, 1e-15);
  // z = 0.5, rho = 1e-3: (sqrt(500) + 1) * 0.002.
  CHECK_NEAR(rf::subsampleKeepProbability(500, 1000, 1e-3), (std::sqrt(500.0) + 1) * 0.002, 1e-15);
  // Always kept up to z = phi^2 rho (the formula gives exactly 1 there), and for rare items.
  const double phi2 = (3 + std::sqrt(5.0)) / 2;
  CHECK_NEAR(rf::subsampleKeepProbability(static_cast<int64_t>(std::round(phi2 * 1e6)), 1000000000, 1e-3), 1.0, 1e-6);
  CHECK_EQ(rf::subsampleKeepProbability(1, 1000, 0.01), 1.0);
  CHECK_EQ(rf::subsampleKeepProbability(900, 1000, 0), 1.0);  // off
  CHECK_EQ(rf::subsampleKeepProbability(0, 1000, 0.01), 1.0);
  CHECK_THROWS_CODE(rf::subsampleKeepProbability(1, 10, -1e-3), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::subsampleKeepProbability(1, 10, std::nan("")), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::subsampleKeepProbability(11, 10, 1e-3), rf::code::kInvalidArgument);
}

TEST(interact2vec_keep_frequency_is_the_probability) {
  for (double p : {0.05, 0.3, 0.9}) {
    const int64_t n = 200000;
    int64_t kept = 0;
    for (int64_t k = 0; k < n; ++k) kept += rf::keepInteraction(7, 3, k, p);
    const double sd = std::sqrt(n * p * (1 - p));
    CHECK(std::fabs(kept - n * p) < 6 * sd);
  }
  // Counter-based: the same decision for the same (seed, round, index), another round differs.
  int same = 0;
  for (int64_t k = 0; k < 1000; ++k) {
    CHECK_EQ(rf::keepInteraction(7, 3, k, 0.5), rf::keepInteraction(7, 3, k, 0.5));
    same += rf::keepInteraction(7, 3, k, 0.5) == rf::keepInteraction(7, 4, k, 0.5);
  }
  CHECK(same > 400 && same < 600);
  CHECK(rf::keepInteraction(1, 1, 1, 1.0));
  CHECK(!rf::keepInteraction(1, 1, 1, 0.0));
}

TEST(interact2vec_negatives_follow_count_power_for_any_alpha) {
  // Item 2 was never seen: probability 0 for every alpha, negative ones included.
  const std::vector<int64_t> counts{50, 1, 0, 7, 300, 20, 3, 120, 1, 9};
  for (double alpha : {-1.0, -0.5, 0.0, 0.5, 0.75, 1.0}) {
    rf::FrequencyNegatives neg(counts, alpha);
    const std::vector<double> p = expectedNegatives(counts, alpha);
    for (int32_t j = 0; j < 10; ++j) CHECK_NEAR(neg.probability(j), p[j], 1e-12);
    std::vector<int64_t> c(counts.size(), 0);
    rf::Rng rng(11, static_cast<uint64_t>(alpha * 100 + 1000));
    const int64_t n = 300000;
    for (int64_t k = 0; k < n; ++k) ++c[neg.draw(rng)];
    CHECK_EQ(c[2], 0);
    CHECK(rftest::chiSquare(c, p, n) < rftest::chiBound(9));
    // Rejecting the positive gives the conditional distribution.
    const std::vector<double> q = expectedNegatives(counts, alpha, 4);
    std::fill(c.begin(), c.end(), 0);
    for (int64_t k = 0; k < n; ++k) ++c[neg.drawExcept(4, 4, rng)];
    CHECK_EQ(c[4], 0);
    CHECK(rftest::chiSquare(c, q, n) < rftest::chiBound(8));
  }
}

TEST(interact2vec_negatives_edge_cases_and_errors) {
  // Extreme alpha neither overflows nor fails: all the mass on the most (or least) frequent item.
  rf::FrequencyNegatives high({1000000, 3, 0, 2}, 500.0), low({1000000, 3, 0, 2}, -500.0);
  CHECK_NEAR(high.probability(0), 1.0, 1e-12);
  CHECK_NEAR(low.probability(3), 1.0, 1e-12);
  // When only the positive has mass, no negative can be drawn: -1, and the caller skips it.
  rf::FrequencyNegatives one({0, 5, 0}, 1.0);
  rf::Rng rng(1, 1);
  CHECK_EQ(one.drawExcept(1, 1, rng), -1);
  CHECK_EQ(one.draw(rng), 1);
  CHECK_THROWS_CODE(rf::FrequencyNegatives({1, 2}, std::nan("")), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::FrequencyNegatives({1, 2}, INFINITY), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::FrequencyNegatives({1, -2}, 1.0), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::FrequencyNegatives({0, 0}, 1.0), rf::code::kEmpty);
}
