// Evaluation at every prefix width in one pass (evaluateEmbeddingPrefixes) against the naive
// reference on truncated scores, and against plain evaluation of truncated tables bit for bit.
#include <string>

#include "eval_reference.hpp"
#include "harness.hpp"

using evaltest::Problem;

namespace {

// The first d columns of a row-major rows x cols table.
std::vector<float> truncate(const std::vector<float>& m, int32_t rows, int32_t cols, int32_t d) {
  std::vector<float> out(static_cast<size_t>(rows) * d);
  for (int32_t r = 0; r < rows; ++r)
    for (int32_t c = 0; c < d; ++c) out[static_cast<size_t>(r) * d + c] = m[static_cast<size_t>(r) * cols + c];
  return out;
}

double prefixDotDouble(const Problem& p, int32_t u, int32_t i, int32_t d) {
  double s = 0;
  for (int32_t q = 0; q < d; ++q) s += static_cast<double>(p.U[u * p.dim + q]) * p.V[i * p.dim + q];
  return s;
}

void checkSame(const rf::EvalResult& a, const rf::EvalResult& b) {
  CHECK(a.users == b.users);
  CHECK(a.ks == b.ks);
  for (int m = 0; m < rf::kMetricCount; ++m)
    for (size_t k = 0; k < a.ks.size(); ++k) {
      CHECK(a.values(rf::Metric(m), k) == b.values(rf::Metric(m), k));
      CHECK_EQ(a.meanOf(rf::Metric(m), k), b.meanOf(rf::Metric(m), k));
    }
}

}  // namespace

// Integer-valued entries: every prefix score is exact in float whatever the summation order, so
// the one-pass levels must match a from-scratch reference ranking exactly, ties included.
TEST(eval_prefixes_match_reference_exact_scores) {
  const int32_t dim = 19;
  const Problem p = evaltest::randomProblem(101, 1100, dim, true, 41);
  const std::vector<int32_t> ks = {20, 1, 5, 300};
  for (const std::vector<int32_t>& dims : {std::vector<int32_t>{1, 4, 8, 16}, std::vector<int32_t>{2, dim},
                                           std::vector<int32_t>{dim}}) {
    rf::EvalSpec spec{&p.truth, &p.train, &p.extra, ks, 2};
    const std::vector<rf::EvalResult> got = rf::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec);
    CHECK_EQ(got.size(), dims.size());
    for (size_t l = 0; l < dims.size(); ++l) {
      auto score = [&](int32_t u, int32_t i) { return prefixDotDouble(p, u, i, dims[l]); };
      const evaltest::Reference ref = evaltest::naiveEvaluate(score, p.nUsers, p.nItems, p.truth, &p.train, &p.extra, ks);
      CHECK(got[l].users == ref.users);
      for (int m = 0; m < rf::kMetricCount; ++m)
        for (size_t k = 0; k < ks.size(); ++k)
          for (size_t u = 0; u < ref.users.size(); ++u)
            if (!(std::fabs(got[l].values(rf::Metric(m), k)[u] - ref.values[m][k][u]) <= 1e-6))
              rftest::failAt(__FILE__, __LINE__,
                             "d" + std::to_string(dims[l]) + " " + rf::metricName(rf::Metric(m)) + "@" +
                                 std::to_string(ks[k]) + " user " + std::to_string(ref.users[u]));
    }
  }
}

// Gaussian entries: level l must be bit-identical to evaluating tables cut to dims[l] columns (the
// same kernel sums in the same order), so a full-width level equals plain evaluation exactly.
TEST(eval_prefixes_equal_truncated_evaluation_bitwise) {
  const int32_t dim = 64;
  const Problem p = evaltest::randomProblem(150, 1300, dim, false, 42);
  const std::vector<int32_t> dims = {4, 8, 16, 32, 64};
  const std::vector<int32_t> ks = {10, 20};
  rf::EvalSpec spec{&p.truth, &p.train, &p.extra, ks, 2};
  const std::vector<rf::EvalResult> got = rf::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec);
  for (size_t l = 0; l < dims.size(); ++l) {
    const std::vector<float> U = truncate(p.U, p.nUsers, dim, dims[l]), V = truncate(p.V, p.nItems, dim, dims[l]);
    const rf::EvalResult want = rf::evaluateEmbeddings({U.data(), p.nUsers, dims[l]}, {V.data(), p.nItems, dims[l]}, spec);
    checkSame(got[l], want);
  }
  checkSame(got.back(), rf::evaluateEmbeddings(p.users(), p.items(), spec));
  // Narrower prefixes of a random table are worse rankers; a sanity check that levels differ.
  CHECK(got[0].meanOf(rf::Metric::Recall, 1) != got[4].meanOf(rf::Metric::Recall, 1));
}

TEST(eval_prefixes_do_not_depend_on_threads) {
  const Problem p = evaltest::randomProblem(200, 900, 24, false, 43);
  const std::vector<int32_t> dims = {3, 12, 20};
  auto runWith = [&](int threads) {
    rf::EvalSpec spec{&p.truth, &p.train, nullptr, {10, 50}, threads};
    return rf::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec);
  };
  const auto a = runWith(1), b = runWith(2);
  for (size_t l = 0; l < dims.size(); ++l) checkSame(a[l], b[l]);
}

TEST(eval_prefixes_reject_bad_dims) {
  const Problem p = evaltest::randomProblem(20, 50, 8, true, 44);
  rf::EvalSpec spec{&p.truth, &p.train, nullptr, {5}, 1};
  auto eval = [&](std::vector<int32_t> dims) { return rf::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec); };
  CHECK_THROWS_CODE(eval({}), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval({4, 2}), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval({4, 4}), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval({0, 4}), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval({-1}), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval({4, 9}), rf::code::kInvalidArgument);
  const std::vector<float> narrow(static_cast<size_t>(p.nItems) * 4, 0.0f);
  CHECK_THROWS_CODE(rf::evaluateEmbeddingPrefixes(p.users(), {narrow.data(), p.nItems, 4}, {2}, spec), rf::code::kShape);
}
