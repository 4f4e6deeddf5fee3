// eval_parts.hpp, the pieces other backends share: ranked lists from another source (here the
// serving top-k, which ranks like the evaluator) give bit-identical metrics through
// RankedListMetrics, and the shared checks are the evaluator's.
#include <cstring>

#include "eval_reference.hpp"
#include "harness.hpp"
#include "recforge/eval_parts.hpp"
#include "recforge/retrieval.hpp"

namespace {

// Union of two CSRs of the same shape (the evaluator's mask and extraMask as one exclusion list).
rf::Csr unionOf(const rf::Csr& a, const rf::Csr& b) {
  std::vector<std::set<int32_t>> rows(a.rows);
  for (int32_t u = 0; u < a.rows; ++u) {
    rows[u].insert(a.rowBegin(u), a.rowEnd(u));
    rows[u].insert(b.rowBegin(u), b.rowEnd(u));
  }
  return evaltest::csrFromSets(rows, a.cols);
}

void checkRankedEqualsEvaluator(bool integerValued) {
  const evaltest::Problem p = evaltest::randomProblem(120, 700, 13, integerValued, 31);
  const std::vector<int32_t> ks = {20, 1, 300};
  const rf::EvalSpec spec{&p.truth, &p.train, &p.extra, ks, 2};
  const rf::EvalResult want = rf::evaluateEmbeddings(p.users(), p.items(), spec);

  const rf::Csr exclude = unionOf(p.train, p.extra);
  const std::vector<int32_t> users = rf::eval::evaluatedUsers(p.truth);
  rf::RetrievalSpec rs;
  rs.k = 300;
  rs.exclude = &exclude;
  rs.threads = 2;
  std::vector<int32_t> lists(users.size() * rs.k);
  std::vector<float> scores(lists.size());
  rf::retrieveTopK(p.users(), p.items(), users.data(), static_cast<int64_t>(users.size()), rs, lists.data(),
                   scores.data());
  rf::eval::RankedListMetrics metrics(p.truth, users, ks);
  CHECK_EQ(metrics.maxK(), 300);
  // Two uneven batches, added out of order.
  metrics.add(50, static_cast<int64_t>(users.size()) - 50, lists.data() + 50 * rs.k, rs.k, 3);
  metrics.add(0, 50, lists.data(), rs.k, 1);
  const rf::EvalResult got = metrics.result();
  CHECK(got.users == want.users);
  CHECK(got.ks == want.ks);
  for (int m = 0; m < rf::kMetricCount; ++m)
    for (size_t k = 0; k < ks.size(); ++k) {
      const auto& a = got.perUser[m][k];
      const auto& b = want.perUser[m][k];
      CHECK(a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
      CHECK(got.mean[m][k] == want.mean[m][k]);
    }
}

}  // namespace

TEST(eval_ranked_lists_give_the_evaluators_metrics_exact_scores) { checkRankedEqualsEvaluator(true); }
TEST(eval_ranked_lists_give_the_evaluators_metrics_real_scores) { checkRankedEqualsEvaluator(false); }

// A list shorter than maxK (negative padding) is a user with fewer unmasked items.
TEST(eval_ranked_lists_stop_at_padding) {
  const rf::Csr truth = evaltest::csrFromSets({{1, 4}, {}, {0}}, 5);
  const std::vector<int32_t> users = rf::eval::evaluatedUsers(truth);
  CHECK(users == (std::vector<int32_t>{0, 2}));
  rf::eval::RankedListMetrics metrics(truth, users, {3, 1});
  const int32_t lists[] = {4, -1, 1, 0, 3, 2};  // user 0: only item 4 unmasked; user 2: 0 first
  metrics.add(0, 2, lists, 3);
  const rf::EvalResult r = metrics.result();
  CHECK_NEAR(r.values(rf::Metric::Recall, 0)[0], 0.5, 1e-7);
  CHECK_NEAR(r.values(rf::Metric::Precision, 0)[0], 1.0 / 3, 1e-7);
  CHECK_NEAR(r.values(rf::Metric::Mrr, 1)[1], 1.0, 1e-7);
  CHECK_THROWS_CODE(rf::eval::evaluatedUsers(evaltest::csrFromSets({{}, {}}, 3)), rf::code::kEmpty);
}
