// Cosine helpers: unit rows against a naive normalisation, and the self-exclusion pattern.
#include <algorithm>
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

namespace {

// Naive neighbours in double: every other row scored (cosine or dot on the first d columns),
// denied rows dropped, sorted by score (ties to the lower id), the first k kept.
std::vector<std::pair<double, int32_t>> naiveNeighbours(const std::vector<float>& t, int32_t rows, int32_t width,
                                                        int32_t d, bool cosine, int32_t q,
                                                        const std::vector<int32_t>& deny, int32_t k) {
  auto dot = [&](int32_t a, int32_t b) {
    double s = 0;
    for (int32_t c = 0; c < d; ++c) s += double(t[a * width + c]) * t[b * width + c];
    return s;
  };
  std::vector<std::pair<double, int32_t>> all;
  for (int32_t r = 0; r < rows; ++r) {
    if (r == q || std::find(deny.begin(), deny.end(), r) != deny.end()) continue;
    double s = dot(q, r);
    if (cosine) {
      const double nq = std::sqrt(dot(q, q)), nr = std::sqrt(dot(r, r));
      s = nq > 0 && nr > 0 ? s / (nq * nr) : 0.0;
    }
    all.push_back({s, r});
  }
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  if (static_cast<int32_t>(all.size()) > k) all.resize(k);
  return all;
}

}  // namespace

TEST(similarity_similar_rows_match_a_naive_scan) {
  const int32_t rows = 53, width = 12;
  std::vector<float> t = rftest::randomTable(rows, width, 1.0, 11);
  for (int k = 0; k < width; ++k) t[7 * width + k] = 0;  // a zero row: cosine 0 with everything
  const std::vector<int32_t> deny = {3, 20, 40};
  const std::vector<int32_t> queries = {0, 7, 20, 52};
  for (bool cosine : {true, false})
    for (int32_t dim : {0, 4}) {
      rf::SimilarSpec spec;
      spec.k = 6;
      spec.dim = dim;
      spec.cosine = cosine;
      spec.deny = deny.data();
      spec.nDeny = static_cast<int64_t>(deny.size());
      spec.threads = 2;
      std::vector<int32_t> ids(queries.size() * spec.k);
      std::vector<float> scores(ids.size());
      rf::similarRows({t.data(), rows, width}, queries.data(), static_cast<int64_t>(queries.size()), spec, ids.data(),
                      scores.data());
      for (size_t q = 0; q < queries.size(); ++q) {
        const auto want = naiveNeighbours(t, rows, width, dim == 0 ? width : dim, cosine, queries[q], deny, spec.k);
        for (int32_t r = 0; r < spec.k; ++r) {
          CHECK_EQ(ids[q * spec.k + r], want[r].second);
          CHECK_NEAR(scores[q * spec.k + r], want[r].first, 1e-5 * (1 + std::fabs(want[r].first)));
        }
      }
    }
}

TEST(similarity_similar_rows_pad_and_refuse_bad_input) {
  const std::vector<float> t = rftest::randomTable(3, 4, 1.0, 2);
  rf::SimilarSpec spec;
  spec.k = 5;  // only 2 other rows
  const int32_t q = 1;
  std::vector<int32_t> ids(5);
  std::vector<float> scores(5);
  rf::similarRows({t.data(), 3, 4}, &q, 1, spec, ids.data(), scores.data());
  CHECK(ids[0] != 1 && ids[1] != 1 && ids[0] >= 0 && ids[1] >= 0);
  CHECK_EQ(ids[2], -1);
  CHECK(std::isinf(scores[4]) && scores[4] < 0);
  spec.dim = 5;
  CHECK_THROWS_CODE(rf::similarRows({t.data(), 3, 4}, &q, 1, spec, ids.data(), scores.data()), rf::code::kInvalidArgument);
  spec.dim = 0;
  const int32_t bad = 3;
  CHECK_THROWS_CODE(rf::similarRows({t.data(), 3, 4}, &bad, 1, spec, ids.data(), scores.data()), rf::code::kOutOfRange);
}
