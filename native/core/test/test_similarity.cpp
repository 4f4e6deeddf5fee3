// Cosine helpers: unit rows against a naive normalisation, and the self-exclusion pattern.
#include <cmath>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/similarity.hpp"

TEST(similarity_unit_rows_are_normalised_and_thread_independent) {
  std::vector<float> t = rftest::randomTable(37, 5, 1.0, 3);
  for (int k = 0; k < 5; ++k) t[4 * 5 + k] = 0;  // a zero row stays zero
  const auto a = rf::unitRows(t.data(), 37, 5, 1), b = rf::unitRows(t.data(), 37, 5, 3);
  CHECK(rftest::sameBits(a.data(), b.data(), a.size()));
  for (int r = 0; r < 37; ++r) {
    double sq = 0;
    for (int k = 0; k < 5; ++k) sq += double(t[r * 5 + k]) * t[r * 5 + k];
    for (int k = 0; k < 5; ++k) CHECK_NEAR(a[r * 5 + k], sq > 0 ? t[r * 5 + k] / std::sqrt(sq) : 0.0, 1e-6);
  }
  const rf::Csr s = rf::selfExclusion(4);
  for (int32_t r = 0; r < 4; ++r)
    for (int32_t c = 0; c < 4; ++c) CHECK_EQ(s.contains(r, c), r == c);
}
