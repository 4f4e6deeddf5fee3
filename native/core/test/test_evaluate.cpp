// The evaluator against the naive reference (eval_reference.hpp) on random problems, plus
// masking, tie order, thread-count independence and the baselines.
#include <cstring>
#include <string>

#include "eval_reference.hpp"
#include "harness.hpp"

using evaltest::Problem;

namespace {

void checkAgainst(const rf::EvalResult& got, const evaltest::Reference& ref, const std::vector<int32_t>& ks) {
  CHECK(got.users == ref.users);
  CHECK(got.ks == ks);
  for (int m = 0; m < rf::kMetricCount; ++m)
    for (size_t k = 0; k < ks.size(); ++k) {
      double sum = 0;
      for (size_t u = 0; u < ref.users.size(); ++u) {
        const double want = ref.values[m][k][u];
        sum += want;
        const double have = got.values(rf::Metric(m), k)[u];
        if (!(std::fabs(have - want) <= 1e-6))
          rftest::failAt(__FILE__, __LINE__,
                         std::string(rf::metricName(rf::Metric(m))) + "@" + std::to_string(ks[k]) + " user " +
                             std::to_string(ref.users[u]) + ": " + std::to_string(have) + " vs " + std::to_string(want));
      }
      CHECK_NEAR(got.meanOf(rf::Metric(m), k), sum / ref.users.size(), 1e-6);
    }
}

void checkDims(bool integerValued) {
  const int32_t dims[] = {1, 3, 16, 64, 67};
  for (int32_t d : dims) {
    // 101 users = 3 blocks (last partial); 1100 items = 3 tiles (last partial, not a panel multiple).
    const Problem p = evaltest::randomProblem(101, 1100, d, integerValued, 100 + d);
    const std::vector<int32_t> ks = {20, 1, 5, 37, 700, p.nItems};  // unsorted on purpose; > |T_u| and = nItems
    rf::EvalSpec spec{&p.truth, &p.train, &p.extra, ks, 2};
    const rf::EvalResult got = rf::evaluateEmbeddings(p.users(), p.items(), spec);
    auto score = [&](int32_t u, int32_t i) { return evaltest::dotDouble(p, u, i); };
    checkAgainst(got, evaltest::naiveEvaluate(score, p.nUsers, p.nItems, p.truth, &p.train, &p.extra, ks), ks);
  }
}

}  // namespace

// Integer-valued embeddings: exact scores and many ties, so the tie order must match exactly.
TEST(eval_matches_reference_exact_scores_with_ties) { checkDims(true); }

// Gaussian embeddings: float scores vs the reference's double scores (no near-ties at these seeds).
TEST(eval_matches_reference_real_scores) { checkDims(false); }

TEST(eval_without_masks_matches_reference) {
  const Problem p = evaltest::randomProblem(60, 300, 8, true, 7);
  const std::vector<int32_t> ks = {10, 300};
  rf::EvalSpec spec{&p.truth, nullptr, nullptr, ks, 1};
  auto score = [&](int32_t u, int32_t i) { return evaltest::dotDouble(p, u, i); };
  checkAgainst(rf::evaluateEmbeddings(p.users(), p.items(), spec),
               evaltest::naiveEvaluate(score, p.nUsers, p.nItems, p.truth, nullptr, nullptr, ks), ks);
}

// Truth items that are masked can never be hit: with k = nItems every unmasked truth item is in the
// list, so recall is exactly (unmasked truth)/|T_u| and precision (unmasked truth)/k.
TEST(eval_masked_items_are_never_recommended) {
  const int32_t n = 700;
  const Problem p = evaltest::randomProblem(50, n, 5, false, 11);
  std::vector<std::set<int32_t>> truth(p.nUsers), train(p.nUsers), extra(p.nUsers);
  rf::Rng rng(3, 0);
  for (int32_t u = 0; u < p.nUsers; ++u)
    for (int32_t i = 0; i < n; ++i) {
      const double x = rng.uniform();
      if (x < 0.05) truth[u].insert(i), train[u].insert(i);       // masked by train
      else if (x < 0.08) truth[u].insert(i), extra[u].insert(i);  // masked by extra
      else if (x < 0.10) truth[u].insert(i);                      // reachable
    }
  const rf::Csr t = evaltest::csrFromSets(truth, n), tr = evaltest::csrFromSets(train, n), ex = evaltest::csrFromSets(extra, n);
  rf::EvalSpec spec{&t, &tr, &ex, {n}, 2};
  const rf::EvalResult r = rf::evaluateEmbeddings(p.users(), p.items(), spec);
  for (size_t k = 0; k < r.users.size(); ++k) {
    const int32_t u = r.users[k];
    const double reachable = static_cast<double>(truth[u].size() - train[u].size() - extra[u].size());
    CHECK_NEAR(r.values(rf::Metric::Recall, 0)[k], reachable / truth[u].size(), 1e-6);
    CHECK_NEAR(r.values(rf::Metric::Precision, 0)[k], reachable / n, 1e-6);
  }
}

// Every score equal: the ranking is item id order, whatever the tiling.
TEST(eval_ties_rank_lower_item_id_first) {
  const int32_t n = 1500;
  std::vector<std::set<int32_t>> truth = {{1030}, {2, 1499}};
  const rf::Csr t = evaltest::csrFromSets(truth, n);
  evaltest::MatrixScorer flat(std::vector<float>(2 * n, 0.5f), n);
  rf::EvalSpec spec{&t, nullptr, nullptr, {1031, 3}, 2};
  const rf::EvalResult r = rf::evaluateScores(flat, spec);
  CHECK_NEAR(r.values(rf::Metric::Mrr, 0)[0], 1.0 / 1031, 1e-9);
  CHECK_NEAR(r.values(rf::Metric::Mrr, 1)[0], 0.0, 0);
  CHECK_NEAR(r.values(rf::Metric::Mrr, 1)[1], 1.0 / 3, 1e-7);
  CHECK_NEAR(r.values(rf::Metric::Recall, 0)[1], 0.5, 1e-7);
}

TEST(eval_thread_count_does_not_change_bits) {
  const Problem p = evaltest::randomProblem(400, 2100, 19, false, 5);
  auto runWith = [&](int threads) {
    rf::EvalSpec spec{&p.truth, &p.train, &p.extra, {10, 50}, threads};
    return rf::evaluateEmbeddings(p.users(), p.items(), spec);
  };
  const rf::EvalResult a = runWith(1), b = runWith(2), c = runWith(3);
  for (const rf::EvalResult* o : {&b, &c}) {
    CHECK(o->users == a.users);
    for (int m = 0; m < rf::kMetricCount; ++m)
      for (size_t k = 0; k < 2; ++k) {
        const auto& x = a.perUser[m][k];
        const auto& y = o->perUser[m][k];
        CHECK(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0);
        CHECK(a.mean[m][k] == o->mean[m][k]);
      }
  }
}

TEST(eval_popularity_matches_reference) {
  const Problem p = evaltest::randomProblem(90, 800, 1, true, 21);
  std::vector<double> degree(p.nItems, 0);
  for (int32_t c : p.train.indices) degree[c] += 1;
  const std::vector<int32_t> ks = {1, 20, 100};
  rf::EvalSpec spec{&p.truth, &p.train, &p.extra, ks, 2};
  auto score = [&](int32_t, int32_t i) { return degree[i]; };
  checkAgainst(rf::evaluatePopularity(p.train, spec),
               evaltest::naiveEvaluate(score, p.nUsers, p.nItems, p.truth, &p.train, &p.extra, ks), ks);
}

TEST(eval_random_baseline_is_seeded_and_thread_independent) {
  const Problem p = evaltest::randomProblem(300, 1000, 1, true, 9);
  auto runWith = [&](uint64_t seed, int threads) {
    rf::EvalSpec spec{&p.truth, &p.train, nullptr, {20}, threads};
    return rf::evaluateRandom(seed, p.nItems, spec);
  };
  const rf::EvalResult a = runWith(1, 1), b = runWith(1, 3), c = runWith(2, 2);
  CHECK(a.perUser == b.perUser);
  CHECK(a.perUser != c.perUser);
  // Random ranking: expected precision@20 is about |T_u| / (unmasked items); ~0.013 here.
  double expect = 0;
  for (int32_t u : a.users) expect += double(p.truth.degree(u)) / (p.nItems - p.train.degree(u));
  expect /= a.users.size();
  CHECK_NEAR(a.meanOf(rf::Metric::Precision, 0), expect, 0.004);
}

// Per-item exclusion (the facade's catalog: 'train') ranks exactly like adding the excluded items
// to every user's extra mask, in the naive reference; checked through the plain and prefix paths.
TEST(eval_excluded_items_equal_a_mask_of_them_for_every_user) {
  const Problem p = evaltest::randomProblem(101, 1100, 16, true, 41);
  std::vector<uint8_t> excluded(p.nItems, 0);
  rf::Rng rng(5, 0);
  for (auto& x : excluded) x = rng.uniform() < 0.2 ? 1 : 0;
  std::vector<std::set<int32_t>> extra(p.nUsers);
  for (int32_t u = 0; u < p.nUsers; ++u) {
    for (int64_t q = p.extra.indptr[u]; q < p.extra.indptr[u + 1]; ++q) extra[u].insert(p.extra.indices[q]);
    for (int32_t i = 0; i < p.nItems; ++i)
      if (excluded[i]) extra[u].insert(i);
  }
  const rf::Csr extraAll = evaltest::csrFromSets(extra, p.nItems);
  const std::vector<int32_t> ks = {1, 20, 300};
  rf::EvalSpec spec{&p.truth, &p.train, &p.extra, ks, 2};
  spec.excludedItems = excluded.data();
  auto score = [&](int32_t u, int32_t i) { return evaltest::dotDouble(p, u, i); };
  const evaltest::Reference ref = evaltest::naiveEvaluate(score, p.nUsers, p.nItems, p.truth, &p.train, &extraAll, ks);
  checkAgainst(rf::evaluateEmbeddings(p.users(), p.items(), spec), ref, ks);
  const std::vector<rf::EvalResult> levels = rf::evaluateEmbeddingPrefixes(p.users(), p.items(), {16}, spec);
  checkAgainst(levels.at(0), ref, ks);
}
