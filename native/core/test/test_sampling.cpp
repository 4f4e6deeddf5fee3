// Alias table, positive set, negative samplers and the three epoch definitions: distributions
// with fixed seeds (chi-square bounds), negatives never positives, determinism.
#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "chi_square.hpp"
#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/epoch_plan.hpp"
#include "recforge/negative_sampler.hpp"

using rftest::chiBound;
using rftest::chiSquare;

TEST(alias_table_distribution) {
  std::vector<double> w{5, 0, 1, 2.5, 0.5, 10, 1};
  rf::AliasTable t(w);
  double sum = 0;
  for (double x : w) sum += x;
  std::vector<double> p;
  for (double x : w) p.push_back(x / sum);
  std::vector<int64_t> counts(w.size(), 0);
  rf::Rng rng(1, 2);
  const int64_t n = 200000;
  for (int64_t k = 0; k < n; ++k) ++counts[t.draw(rng)];
  CHECK_EQ(counts[1], 0);
  CHECK(chiSquare(counts, p, n) < chiBound(w.size() - 1));
  CHECK_THROWS_CODE(rf::AliasTable(std::vector<double>{0, 0}), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::AliasTable(std::vector<double>{1, -1}), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::AliasTable(std::vector<double>{}), rf::code::kEmpty);
}

TEST(positive_set_matches_csr_with_bitsets) {
  // 200 items: users with >= 64 items get a bitset, the others binary search.
  auto s = rftest::randomGraph(30, 200, 0.3, 5);
  rf::PositiveSet pos(s.g.userItems);
  for (int32_t u = 0; u < 30; ++u)
    for (int32_t i = 0; i < 200; ++i) CHECK_EQ(pos.contains(u, i), s.g.userItems.contains(u, i));
}

TEST(csr_contains_matches_a_search_for_short_and_long_rows) {
  // Row lengths around the linear-scan limit, and an empty row.
  std::vector<int32_t> users, items;
  const int32_t lens[] = {0, 1, 5, 32, 33, 100};
  for (int32_t u = 0; u < 6; ++u)
    for (int32_t k = 0; k < lens[u]; ++k) users.push_back(u), items.push_back(3 * k + u % 3);
  const rf::Csr a = rf::buildCsr(users.data(), items.data(), static_cast<int64_t>(users.size()), 6, 320);
  for (int32_t u = 0; u < 6; ++u)
    for (int32_t i = 0; i < 320; ++i) {
      const bool expected = std::find(a.rowBegin(u), a.rowEnd(u), i) != a.rowEnd(u);
      CHECK_EQ(a.contains(u, i), expected);
    }
}

TEST(uniform_negatives_are_uniform_non_positives) {
  auto s = rftest::randomGraph(4, 40, 0.5, 6);
  // User 3 gets all items but one, forcing the exact (post-rejection) path.
  std::vector<int32_t> us, is;
  for (size_t k = 0; k < s.users.size(); ++k)
    if (s.users[k] != 3) us.push_back(s.users[k]), is.push_back(s.items[k]);
  for (int32_t i = 0; i < 40; ++i)
    if (i != 17) us.push_back(3), is.push_back(i);
  rf::EdgeView ev{us.data(), is.data(), static_cast<int64_t>(us.size()), 4, 40};
  auto g = rf::buildGraph(ev);
  rf::PositiveSet pos(g.userItems);
  rf::NegativeSampler neg(pos, rf::NegativeKind::kUniform);
  rf::Rng rng(3, 3);
  for (int32_t u = 0; u < 4; ++u) {
    std::vector<int64_t> counts(40, 0);
    std::vector<double> p(40, 0.0);
    const int32_t free = 40 - g.userItems.degree(u);
    for (int32_t i = 0; i < 40; ++i) p[i] = g.userItems.contains(u, i) ? 0.0 : 1.0 / free;
    const int64_t n = 40000;
    for (int64_t k = 0; k < n; ++k) ++counts[neg.draw(u, rng)];  // a positive gives chi = 1e30
    CHECK(chiSquare(counts, p, n) <= chiBound(free));
  }
  CHECK_EQ(neg.draw(3, rng), 17);
}

TEST(uniform_negative_fails_for_user_with_every_item) {
  std::vector<int32_t> us{0, 0, 0}, is{0, 1, 2};
  rf::EdgeView ev{us.data(), is.data(), 3, 1, 3};
  auto g = rf::buildGraph(ev);
  rf::PositiveSet pos(g.userItems);
  rf::NegativeSampler neg(pos, rf::NegativeKind::kUniform);
  rf::Rng rng(1, 1);
  CHECK_THROWS_CODE(neg.draw(0, rng), rf::code::kInvalidArgument);
}

TEST(popularity_negatives_follow_degree_power) {
  auto s = rftest::randomGraph(60, 25, 0.3, 8, -1, /*isolatedItem=*/3);
  rf::PositiveSet pos(s.g.userItems);
  const double alpha = 0.75;
  rf::NegativeSampler neg(pos, rf::NegativeKind::kPopularity, alpha);
  rf::Rng rng(9, 9);
  for (int32_t u : {0, 7}) {
    std::vector<double> p(25, 0.0);
    double sum = 0;
    for (int32_t i = 0; i < 25; ++i)
      if (!s.g.userItems.contains(u, i)) sum += p[i] = std::pow(s.g.itemUsers.degree(i), alpha);
    for (auto& x : p) x /= sum;
    std::vector<int64_t> counts(25, 0);
    const int64_t n = 60000;
    for (int64_t k = 0; k < n; ++k) ++counts[neg.draw(u, rng)];
    CHECK_EQ(counts[3], 0);  // degree 0: weight 0
    CHECK(chiSquare(counts, p, n) < chiBound(25));
  }
}

namespace {

struct PlanFixture {
  rftest::SmallGraph s = rftest::randomGraph(50, 80, 0.08, 12, /*isolatedUser=*/7);
  rf::PositiveSet pos{s.g.userItems};
  rf::NegativeSampler neg{pos, rf::NegativeKind::kUniform};
  void checkTriples(const rf::EpochPlan& p) {
    for (const auto& t : p.triples) {
      CHECK(s.g.userItems.contains(t.user, t.pos));
      CHECK(!s.g.userItems.contains(t.user, t.neg));
    }
    CHECK_EQ(p.batchStart.front(), 0);
    CHECK_EQ(p.batchStart.back(), static_cast<int64_t>(p.triples.size()));
  }
};

bool samePlan(const rf::EpochPlan& a, const rf::EpochPlan& b) {
  if (a.triples.size() != b.triples.size() || a.batchStart != b.batchStart) return false;
  for (size_t k = 0; k < a.triples.size(); ++k)
    if (a.triples[k].user != b.triples[k].user || a.triples[k].pos != b.triples[k].pos ||
        a.triples[k].neg != b.triples[k].neg)
      return false;
  return true;
}

}  // namespace

TEST(epoch_tf_batches_of_distinct_uniform_users) {
  PlanFixture f;
  const int64_t nTrain = f.s.g.nnz();
  const int32_t B = 16;
  std::vector<int64_t> counts(50, 0);
  int64_t total = 0;
  for (int64_t epoch = 0; epoch < 60; ++epoch) {
    auto p = rf::planEpoch(f.neg, f.pos, rf::EpochKind::kTfDistinctUsers, B, 42, epoch, 2);
    f.checkTriples(p);
    CHECK_EQ(p.batches(), nTrain / B + 1);
    for (int64_t b = 0; b < p.batches(); ++b) {
      std::set<int32_t> users;
      for (int64_t k = p.batchStart[b]; k < p.batchStart[b + 1]; ++k) users.insert(p.triples[k].user);
      CHECK_EQ(static_cast<int64_t>(users.size()), int64_t{B});  // distinct
    }
    for (const auto& t : p.triples) ++counts[t.user], ++total;
  }
  CHECK_EQ(counts[7], 0);  // no train items: never drawn
  std::vector<double> prob(50, 1.0 / 49);
  prob[7] = 0;
  CHECK(chiSquare(counts, prob, total) < chiBound(49));
}

TEST(epoch_torch_uniform_users_with_replacement) {
  PlanFixture f;
  const int64_t nTrain = f.s.g.nnz();
  auto p = rf::planEpoch(f.neg, f.pos, rf::EpochKind::kTorchUniformUsers, 32, 1, 0, 2);
  f.checkTriples(p);
  // n_train draws over 50 users, those landing on the empty user skipped: about 1/50 fewer.
  const double expected = nTrain * 49.0 / 50.0;
  CHECK(std::fabs(static_cast<double>(p.triples.size()) - expected) < 6 * std::sqrt(nTrain * 0.02));
  for (int64_t b = 0; b + 1 < p.batches(); ++b) CHECK_EQ(p.batchStart[b + 1] - p.batchStart[b], int64_t{32});
  std::vector<int64_t> counts(50, 0);
  int64_t total = 0;
  for (int64_t epoch = 0; epoch < 40; ++epoch)
    for (const auto& t : rf::planEpoch(f.neg, f.pos, rf::EpochKind::kTorchUniformUsers, 32, 1, epoch, 1).triples)
      ++counts[t.user], ++total;
  std::vector<double> prob(50, 1.0 / 49);
  prob[7] = 0;
  CHECK(chiSquare(counts, prob, total) < chiBound(49));
}

TEST(epoch_torch_stratified_equal_counts_shuffled) {
  PlanFixture f;
  const int64_t per = f.s.g.nnz() / 50;
  auto p = rf::planEpoch(f.neg, f.pos, rf::EpochKind::kTorchStratified, 64, 3, 0, 2);
  f.checkTriples(p);
  std::vector<int64_t> counts(50, 0);
  for (const auto& t : p.triples) ++counts[t.user];
  for (int32_t u = 0; u < 50; ++u) CHECK_EQ(counts[u], u == 7 ? 0 : per);
  // Shuffled: the first batch mixes many users rather than a few users' runs.
  std::set<int32_t> first;
  for (int64_t k = 0; k < 64; ++k) first.insert(p.triples[k].user);
  CHECK(first.size() > 20);
}

TEST(epoch_shuffled_pairs_visit_every_pair_once_and_drop_last) {
  PlanFixture f;
  const auto& ui = f.s.g.userItems;
  const int64_t nTrain = f.s.g.nnz();
  auto p = rf::planEpoch(f.neg, f.pos, rf::EpochKind::kShuffledPairs, 64, 3, 0, 2);
  f.checkTriples(p);
  std::multiset<std::pair<int32_t, int32_t>> seen, expected;
  for (const auto& t : p.triples) seen.insert({t.user, t.pos});
  for (int32_t u = 0; u < ui.rows; ++u)
    for (const int32_t* i = ui.rowBegin(u); i != ui.rowEnd(u); ++i) expected.insert({u, *i});
  CHECK(seen == expected);  // every train pair exactly once
  CHECK_EQ(p.batches(), (nTrain + 63) / 64);
  std::set<int32_t> first;  // shuffled, not user by user
  for (int64_t k = 0; k < 64; ++k) first.insert(p.triples[k].user);
  CHECK(first.size() > 20);
  auto other = rf::planEpoch(f.neg, f.pos, rf::EpochKind::kShuffledPairs, 64, 3, 1, 2);
  CHECK(other.triples[0].user != p.triples[0].user || other.triples[1].pos != p.triples[1].pos ||
        other.triples[2].user != p.triples[2].user);
  CHECK(nTrain % 64 != 0);  // the fixture has a partial last batch to drop
  rf::dropPartialLastBatch(p, 64);
  CHECK_EQ(p.batches(), nTrain / 64);
  CHECK_EQ(static_cast<int64_t>(p.triples.size()), nTrain / 64 * 64);
  CHECK_EQ(p.batchStart.back(), static_cast<int64_t>(p.triples.size()));
  // A single (partial) batch is kept rather than leaving an epoch with nothing to train.
  auto one = rf::planEpoch(f.neg, f.pos, rf::EpochKind::kShuffledPairs, static_cast<int32_t>(nTrain + 5), 3, 0, 2);
  rf::dropPartialLastBatch(one, static_cast<int32_t>(nTrain + 5));
  CHECK_EQ(one.batches(), int64_t{1});
}

TEST(epoch_plans_are_deterministic_and_thread_independent) {
  PlanFixture f;
  for (auto kind : {rf::EpochKind::kTfDistinctUsers, rf::EpochKind::kTorchUniformUsers, rf::EpochKind::kTorchStratified,
                    rf::EpochKind::kShuffledPairs}) {
    auto a = rf::planEpoch(f.neg, f.pos, kind, 16, 5, 2, 1);
    auto b = rf::planEpoch(f.neg, f.pos, kind, 16, 5, 2, 3);
    auto c = rf::planEpoch(f.neg, f.pos, kind, 16, 5, 3, 1);
    auto d = rf::planEpoch(f.neg, f.pos, kind, 16, 6, 2, 1);
    CHECK(samePlan(a, b));
    CHECK(!samePlan(a, c));
    CHECK(!samePlan(a, d));
  }
}

TEST(epoch_plan_is_cancellable) {
  PlanFixture f;
  std::atomic<bool> stop{true};
  rf::JobControl ctl;
  ctl.cancelled = &stop;
  CHECK_THROWS_CODE(rf::planEpoch(f.neg, f.pos, rf::EpochKind::kTfDistinctUsers, 16, 1, 0, 1, ctl), rf::code::kAborted);
}
