// Hand-computed metric values, and every typed error of the evaluator.
#include <atomic>

#include "eval_reference.hpp"
#include "harness.hpp"

namespace {

// 3 users x 8 items, scores descending in item id for every user, so the ranking is 0,1,...,7.
struct Hand {
  int32_t n = 8;
  rf::Csr truth = evaltest::csrFromSets({{1, 3, 6}, {}, {5}}, 8);
  rf::Csr mask = evaltest::csrFromSets({{0}, {}, {}}, 8);
  evaltest::MatrixScorer scorer{[] {
                                  std::vector<float> s(24);
                                  for (int u = 0; u < 3; ++u)
                                    for (int i = 0; i < 8; ++i) s[u * 8 + i] = 1.0f - 0.1f * i;
                                  return s;
                                }(),
                                8};
};

}  // namespace

TEST(eval_hand_computed_metrics) {
  Hand h;
  rf::EvalSpec spec{&h.truth, &h.mask, nullptr, {1, 3, 7, 8}, 1};
  const rf::EvalResult r = rf::evaluateScores(h.scorer, spec);
  CHECK(r.users == std::vector<int32_t>({0, 2}));  // user 1 has no test items
  using M = rf::Metric;
  auto v = [&](M m, int k, int u) { return static_cast<double>(r.values(m, k)[u]); };
  // User 0: item 0 masked, so the list is 1,2,3,4,5,6,7 and hits sit at ranks 1, 3, 6.
  const double idcg3 = 1 + 1 / std::log2(3.0) + 0.5;
  CHECK_NEAR(v(M::Precision, 0, 0), 1.0, 1e-7);
  CHECK_NEAR(v(M::Recall, 0, 0), 1.0 / 3, 1e-7);
  CHECK_NEAR(v(M::Ndcg, 0, 0), 1.0, 1e-7);
  CHECK_NEAR(v(M::Map, 0, 0), 1.0, 1e-7);
  CHECK_NEAR(v(M::Precision, 1, 0), 2.0 / 3, 1e-7);
  CHECK_NEAR(v(M::Recall, 1, 0), 2.0 / 3, 1e-7);
  CHECK_NEAR(v(M::Ndcg, 1, 0), 1.5 / idcg3, 1e-7);
  CHECK_NEAR(v(M::HitRate, 1, 0), 1.0, 0);
  CHECK_NEAR(v(M::Map, 1, 0), (1 + 2.0 / 3) / 3, 1e-7);
  CHECK_NEAR(v(M::Mrr, 1, 0), 1.0, 1e-7);
  CHECK_NEAR(v(M::Precision, 2, 0), 3.0 / 7, 1e-7);
  CHECK_NEAR(v(M::Recall, 2, 0), 1.0, 1e-7);
  CHECK_NEAR(v(M::Ndcg, 2, 0), (1.5 + 1 / std::log2(7.0)) / idcg3, 1e-7);
  CHECK_NEAR(v(M::Map, 2, 0), (1 + 2.0 / 3 + 3.0 / 6) / 3, 1e-7);
  // k = 8 > the 7 unmasked items: same list, precision divides by k.
  CHECK_NEAR(v(M::Precision, 3, 0), 3.0 / 8, 1e-7);
  CHECK_NEAR(v(M::Ndcg, 3, 0), v(M::Ndcg, 2, 0), 1e-7);
  // User 2: nothing masked, its one item at rank 6.
  for (int m = 0; m < rf::kMetricCount; ++m) CHECK_NEAR(v(M(m), 1, 1), 0.0, 0);
  CHECK_NEAR(v(M::Precision, 2, 1), 1.0 / 7, 1e-7);
  CHECK_NEAR(v(M::Recall, 2, 1), 1.0, 1e-7);
  CHECK_NEAR(v(M::Ndcg, 2, 1), 1 / std::log2(7.0), 1e-7);
  CHECK_NEAR(v(M::HitRate, 2, 1), 1.0, 0);
  CHECK_NEAR(v(M::Map, 2, 1), 1.0 / 6, 1e-7);
  CHECK_NEAR(v(M::Mrr, 2, 1), 1.0 / 6, 1e-7);
  // Means are over evaluated users only.
  CHECK_NEAR(r.meanOf(M::Mrr, 2), (1.0 + 1.0 / 6) / 2, 1e-7);
}

TEST(eval_metric_names_are_stable) {
  CHECK_EQ(std::string(rf::metricName(rf::Metric::Precision)), "precision");
  CHECK_EQ(std::string(rf::metricName(rf::Metric::Recall)), "recall");
  CHECK_EQ(std::string(rf::metricName(rf::Metric::Ndcg)), "ndcg");
  CHECK_EQ(std::string(rf::metricName(rf::Metric::HitRate)), "hitrate");
  CHECK_EQ(std::string(rf::metricName(rf::Metric::Map)), "map");
  CHECK_EQ(std::string(rf::metricName(rf::Metric::Mrr)), "mrr");
}

TEST(eval_rejects_bad_arguments) {
  const evaltest::Problem p = evaltest::randomProblem(10, 40, 4, false, 1);
  auto spec = [&](std::vector<int32_t> ks) { return rf::EvalSpec{&p.truth, &p.train, nullptr, ks, 1}; };
  auto eval = [&](const rf::MatrixView& u, const rf::MatrixView& v, const rf::EvalSpec& s) {
    return rf::evaluateEmbeddings(u, v, s);
  };
  // Cutoffs.
  CHECK_THROWS_CODE(eval(p.users(), p.items(), spec({})), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval(p.users(), p.items(), spec({0})), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval(p.users(), p.items(), spec({-3})), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval(p.users(), p.items(), spec({41})), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(eval(p.users(), p.items(), spec({5, 5})), rf::code::kInvalidArgument);
  // Shapes.
  CHECK_THROWS_CODE(eval({p.U.data(), 10, 3}, p.items(), spec({5})), rf::code::kShape);  // dims differ
  CHECK_THROWS_CODE(eval({p.U.data(), 9, 4}, p.items(), spec({5})), rf::code::kShape);   // users vs truth rows
  CHECK_THROWS_CODE(eval(p.users(), {p.V.data(), 39, 4}, spec({5})), rf::code::kShape);  // items vs truth cols
  CHECK_THROWS_CODE(eval({p.U.data(), 10, 0}, {p.V.data(), 40, 0}, spec({5})), rf::code::kShape);
  const rf::Csr wide = evaltest::csrFromSets(std::vector<std::set<int32_t>>(10), 41);
  rf::EvalSpec badMask{&p.truth, &wide, nullptr, {5}, 1};
  CHECK_THROWS_CODE(eval(p.users(), p.items(), badMask), rf::code::kShape);
  rf::EvalSpec noTruth{nullptr, nullptr, nullptr, {5}, 1};
  CHECK_THROWS_CODE(eval(p.users(), p.items(), noTruth), rf::code::kInvalidArgument);
  // Non-finite embeddings.
  std::vector<float> U = p.U, V = p.V;
  U[17] = NAN;
  CHECK_THROWS_CODE(eval({U.data(), 10, 4}, p.items(), spec({5})), rf::code::kNonFinite);
  V[39 * 4 + 3] = -INFINITY;
  CHECK_THROWS_CODE(eval(p.users(), {V.data(), 40, 4}, spec({5})), rf::code::kNonFinite);
  // Malformed CSR: id out of range, unsorted row, broken offsets.
  rf::Csr bad = p.train;
  bad.indices[0] = 40;
  rf::EvalSpec s1{&p.truth, &bad, nullptr, {5}, 1};
  CHECK_THROWS_CODE(eval(p.users(), p.items(), s1), rf::code::kOutOfRange);
  bad.indices[0] = -1;
  CHECK_THROWS_CODE(eval(p.users(), p.items(), s1), rf::code::kOutOfRange);
  rf::Csr unsorted = evaltest::csrFromSets({{1, 2}}, 5);
  std::swap(unsorted.indices[0], unsorted.indices[1]);
  rf::Csr oneTruth = evaltest::csrFromSets({{3}}, 5);
  rf::EvalSpec s2{&oneTruth, &unsorted, nullptr, {2}, 1};
  evaltest::MatrixScorer five(std::vector<float>(5, 1.0f), 5);
  CHECK_THROWS_CODE(rf::evaluateScores(five, s2), rf::code::kInvalidArgument);
  rf::Csr offsets = oneTruth;
  offsets.indptr[1] = 2;
  rf::EvalSpec s3{&offsets, nullptr, nullptr, {2}, 1};
  CHECK_THROWS_CODE(rf::evaluateScores(five, s3), rf::code::kShape);
  // Nobody to evaluate.
  rf::Csr empty = evaltest::csrFromSets({{}}, 5);
  rf::EvalSpec s4{&empty, nullptr, nullptr, {2}, 1};
  CHECK_THROWS_CODE(rf::evaluateScores(five, s4), rf::code::kEmpty);
  // Baseline entry points share the same checks.
  CHECK_THROWS_CODE(rf::evaluateRandom(1, 40, spec({41})), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::evaluatePopularity(wide, spec({5})), rf::code::kShape);
}

TEST(eval_cancel_and_progress) {
  const evaltest::Problem p = evaltest::randomProblem(300, 600, 8, false, 2);
  rf::EvalSpec spec{&p.truth, &p.train, nullptr, {10}, 2};
  std::atomic<bool> cancelled{true};
  rf::JobControl stop;
  stop.cancelled = &cancelled;
  CHECK_THROWS_CODE(rf::evaluateEmbeddings(p.users(), p.items(), spec, stop), rf::code::kAborted);
  std::atomic<int> calls{0};
  std::atomic<double> last{0};
  rf::JobControl watch;
  watch.progress = [&](double f) {
    ++calls;
    double prev = last.load();
    while (f > prev && !last.compare_exchange_weak(prev, f)) {
    }
  };
  rf::evaluateEmbeddings(p.users(), p.items(), spec, watch);
  CHECK(calls.load() > 1);
  CHECK_NEAR(last.load(), 1.0, 1e-12);
}
