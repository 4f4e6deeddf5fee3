// Matryoshka level config validation and segmented prefix dot products.
#include <cmath>
#include <limits>
#include <vector>

#include "expect_error.hpp"
#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/matryoshka.hpp"

namespace {

rf::MatryoshkaLevels levels(std::vector<int32_t> dims, std::vector<double> weights = {}, int32_t n = 4) {
  rf::MatryoshkaLevels l;
  l.dims = std::move(dims);
  l.weights = std::move(weights);
  l.candidates = n;
  return l;
}

}  // namespace

TEST(matryoshka_levels_default_to_uniform_weights) {
  const auto l = rf::validateLevels(levels({4, 8, 16, 32, 64}), 64);
  CHECK_EQ(l.weights.size(), size_t{5});
  for (double w : l.weights) CHECK_EQ(w, 0.2);  // the reference's w_d = 1/len(nesting_list)
  const auto given = rf::validateLevels(levels({2, 8}, {0.5, 3.0}, 1), 8);
  CHECK_EQ(given.weights[0], 0.5);
  CHECK_EQ(given.weights[1], 3.0);  // not renormalized
  CHECK_EQ(rf::validateLevels(levels({3}), 8).weights[0], 1.0);  // last level below dim is allowed
}

TEST(matryoshka_levels_reject_bad_configs_naming_the_field) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  const char* bad = rf::code::kInvalidArgument;
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({}), 8), bad), "levels must not be empty");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({0, 4}), 8), bad), "levels[0] = 0 is outside [1, 8]");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({4, 9}), 8), bad), "levels[1] = 9 is outside [1, 8]");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({4, 4}), 8), bad), "strictly increasing");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({4, 2}), 8), bad), "strictly increasing");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({2, 4}, {1.0}), 8), bad), "weights has 1 entries for 2 levels");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({2, 4}, {1.0, 0.0}), 8), bad), "weights[1]");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({2, 4}, {-1.0, 1.0}), 8), bad), "weights[0]");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({2, 4}, {nan, 1.0}), 8), bad), "finite");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({2, 4}, {1.0, inf}), 8), bad), "finite");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({2, 4}, {}, 0), 8), bad), "candidates");
  CHECK_MSG(ERROR_OF(rf::validateLevels(levels({2, 4}), 0), bad), "dim");
}

TEST(matryoshka_prefix_dots_match_per_level_dots) {
  const int32_t rows = 30, d = 13;
  const auto l = rf::validateLevels(levels({1, 3, 8, 13}), d);
  const auto t = rftest::randomTable(rows, d, 1.0, 11);
  std::vector<int32_t> a, b;
  rf::Rng rng(3, 3);
  for (int q = 0; q < 500; ++q) a.push_back(int32_t(rng.below(rows))), b.push_back(int32_t(rng.below(rows)));
  std::vector<float> out1(500 * 4), out3(500 * 4);
  rf::prefixDotsBatch(t.data(), d, a.data(), b.data(), 500, l, out1.data(), 1);
  rf::prefixDotsBatch(t.data(), d, a.data(), b.data(), 500, l, out3.data(), 3);
  CHECK(rftest::sameBits(out1.data(), out3.data(), out1.size()));
  for (int q = 0; q < 500; ++q)
    for (int k = 0; k < 4; ++k) {
      double s = 0;
      for (int32_t j = 0; j < l.dims[k]; ++j) s += double(t[a[q] * d + j]) * t[b[q] * d + j];
      CHECK_NEAR(out1[q * 4 + k], s, 1e-5 * (1 + std::fabs(s)));
    }
}
