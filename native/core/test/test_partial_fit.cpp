// Incremental training: growing a model's tables and the epochs of new pairs plus replayed ones.
#include <algorithm>
#include <cmath>
#include <set>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/epoch_plan.hpp"
#include "recforge/lightgcn.hpp"

TEST(partial_fit_grown_model_keeps_rows_and_draws_new_ones_from_the_init) {
  const rftest::SmallGraph s = rftest::randomGraph(10, 12, 0.3, 1);
  for (rf::InitKind init : {rf::InitKind::kNormal, rf::InitKind::kXavierUniform}) {
    rf::LightGcnConfig c = rftest::modelConfig(s.g, 16, 2, 0.2, 7);
    c.init = init;
    const rf::LightGcnModel m = rf::LightGcnModel::create(c, 2);
    const rf::LightGcnModel g = m.grown(210, 412, 1), again = m.grown(210, 412, 1), other = m.grown(210, 412, 2);
    CHECK_EQ(g.config.users, 210);
    CHECK_EQ(g.config.items, 412);
    CHECK(rftest::sameBits(g.ego.data(), again.ego.data(), g.ego.size()));
    CHECK(!rftest::sameBits(g.ego.data(), other.ego.data(), g.ego.size()));
    CHECK(rftest::sameBits(g.ego.data(), m.ego.data(), 10 * 16));                      // old users
    CHECK(rftest::sameBits(g.ego.data() + 210 * 16, m.ego.data() + 10 * 16, 12 * 16));  // old items
    // New user rows (10..209) and item rows (222..621 of the grown table).
    for (auto [first, rows, tableRows] : {std::tuple<int64_t, int64_t, double>{10, 200, 210}, {222, 400, 412}}) {
      double sq = 0, most = 0;
      for (int64_t q = first * 16; q < (first + rows) * 16; ++q) sq += double(g.ego[q]) * g.ego[q], most = std::max(most, std::fabs(double(g.ego[q])));
      const double sd = std::sqrt(sq / (rows * 16));
      const double bound = std::sqrt(6.0 / (tableRows + 16));
      if (init == rf::InitKind::kNormal) CHECK_NEAR(sd, 0.2, 0.02);
      else CHECK(most <= bound && std::fabs(sd - bound / std::sqrt(3.0)) < 0.1 * bound);
    }
  }
  const rf::LightGcnModel m = rf::LightGcnModel::create(rftest::modelConfig(s.g, 4, 1, 0.1, 1));
  CHECK_THROWS_CODE(m.grown(9, 12, 0), rf::code::kInvalidArgument);
}

TEST(partial_fit_plan_has_every_new_pair_once_plus_replayed_train_pairs) {
  const rftest::SmallGraph s = rftest::randomGraph(20, 30, 0.2, 2);
  const rf::PositiveSet pos(s.g.userItems);
  const rf::NegativeSampler neg(pos, rf::NegativeKind::kUniform);
  const std::vector<int32_t> users = {s.users[0], s.users[3], s.users[9]}, items = {s.items[0], s.items[3], s.items[9]};
  const rf::EpochPlan p = rf::planIncremental(neg, pos, users.data(), items.data(), 3, 2.5, 4, 9, 0);
  CHECK_EQ(p.triples.size(), size_t(3 + 8));  // round(2.5 * 3) replayed
  CHECK_EQ(p.batches(), 3);                   // 4 + 4 + 3
  std::multiset<std::pair<int32_t, int32_t>> fresh;
  for (int q = 0; q < 3; ++q) fresh.insert({users[q], items[q]});
  for (const rf::BprTriple& t : p.triples) {
    CHECK(s.g.userItems.contains(t.user, t.pos));
    CHECK(!s.g.userItems.contains(t.user, t.neg));
    const auto it = fresh.find({t.user, t.pos});
    if (it != fresh.end()) fresh.erase(it);
  }
  CHECK(fresh.empty());
  const rf::EpochPlan same = rf::planIncremental(neg, pos, users.data(), items.data(), 3, 2.5, 4, 9, 0);
  const rf::EpochPlan next = rf::planIncremental(neg, pos, users.data(), items.data(), 3, 2.5, 4, 9, 1);
  bool differs = false;
  for (size_t q = 0; q < p.triples.size(); ++q) {
    CHECK_EQ(p.triples[q].user, same.triples[q].user);
    CHECK_EQ(p.triples[q].neg, same.triples[q].neg);
    differs |= p.triples[q].user != next.triples[q].user || p.triples[q].neg != next.triples[q].neg;
  }
  CHECK(differs);
  const int32_t badUser = 20;
  CHECK_THROWS_CODE(rf::planIncremental(neg, pos, &badUser, items.data(), 1, 1, 4, 9, 0), rf::code::kOutOfRange);
  CHECK_THROWS_CODE(rf::planIncremental(neg, pos, users.data(), items.data(), 3, -1, 4, 9, 0), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::planIncremental(neg, pos, users.data(), items.data(), 3, 1, 0, 9, 0), rf::code::kInvalidArgument);
}

// A user and an item added to a trained graph: after incremental epochs the new user ranks its
// items (the new item among them) above the items it never saw, and the loss went down.
TEST(partial_fit_epochs_fit_a_new_user) {
  rftest::SmallGraph s = rftest::randomGraph(30, 40, 0.15, 3);
  rf::LightGcnModel m = rf::LightGcnModel::create(rftest::modelConfig(s.g, 8, 2, 0.1, 3));
  std::vector<int32_t> users = s.users, items = s.items;
  const std::vector<int32_t> newUsers = {30, 30, 30, 30}, newItems = {40, 2, 5, 7};
  users.insert(users.end(), newUsers.begin(), newUsers.end());
  items.insert(items.end(), newItems.begin(), newItems.end());
  const rf::BipartiteGraph g = rf::buildGraph({users.data(), items.data(), static_cast<int64_t>(users.size()), 31, 41});
  m = m.grown(31, 41, 1);
  rf::TrainOptions o;
  o.adam.lr = 0.05;
  o.batchSize = 16;
  rf::LightGcnTrainer trainer(g, m, o);
  double first = 0, last = 0;
  for (int e = 0; e < 40; ++e) {
    const rf::EpochPlan p = rf::planIncremental(trainer.negativeSampler(), rf::PositiveSet(g.userItems), newUsers.data(),
                                                newItems.data(), 4, 1.0, 16, 5, e);
    last = trainer.trainPlan(p, (uint64_t{1} << 61) + e);
    if (e == 0) first = last;
  }
  CHECK(last < 0.5 * first);
  const std::vector<float> f = m.finalEmbeddings(g);
  auto score = [&](int32_t i) {
    double s = 0;
    for (int k = 0; k < 8; ++k) s += double(f[30 * 8 + k]) * f[(31 + i) * 8 + k];
    return s;
  };
  double mine = 0, rest = 0;
  for (int32_t i : newItems) mine += score(i) / 4;
  for (int32_t i = 0; i < 41; ++i)
    if (std::find(newItems.begin(), newItems.end(), i) == newItems.end()) rest += score(i) / 37;
  CHECK(mine > rest + 0.1);
}
