// Seeded splits: sizes, disjointness, union = input, determinism across threads, per-user rules.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "harness.hpp"
#include "recforge/rng.hpp"
#include "recforge/split.hpp"

namespace {

using Edge = std::tuple<int32_t, int32_t, double>;

// Users with 1..15 interactions (user u has u % 16 edges), distinct items, timestamps shuffled.
rf::Interactions synthetic(bool withTime, uint64_t seed = 7) {
  rf::Interactions x;
  x.nUsers = 64;
  x.nItems = 50;
  rf::Rng rng(seed, 0);
  for (int32_t u = 0; u < x.nUsers; ++u)
    for (int32_t j = 0; j < u % 16; ++j) {
      x.users.push_back(u);
      x.items.push_back((u * 7 + j * 3) % x.nItems);
      x.weights.push_back(static_cast<float>(j));
      if (withTime) x.timestamps.push_back(static_cast<double>(rng.below(1000)));
    }
  // Shuffle the edge order so groups are interleaved.
  for (size_t k = x.users.size(); k > 1; --k) {
    const size_t j = rng.below(k);
    std::swap(x.users[k - 1], x.users[j]);
    std::swap(x.items[k - 1], x.items[j]);
    std::swap(x.weights[k - 1], x.weights[j]);
    if (withTime) std::swap(x.timestamps[k - 1], x.timestamps[j]);
  }
  return x;
}

std::multiset<Edge> edges(const rf::Interactions& x) {
  std::multiset<Edge> s;
  for (int64_t k = 0; k < x.size(); ++k)
    s.emplace(x.users[k], x.items[k], x.hasTimestamps() ? x.timestamps[k] : 0.0);
  return s;
}

std::vector<int64_t> perUser(const rf::Interactions& x) {
  std::vector<int64_t> c(x.nUsers, 0);
  for (int32_t u : x.users) ++c[u];
  return c;
}

// Parts partition the input, keep the counts and columns.
void checkPartition(const rf::Interactions& x, const std::vector<const rf::Interactions*>& parts) {
  std::multiset<Edge> all;
  int64_t total = 0;
  for (const auto* p : parts) {
    CHECK_EQ(p->nUsers, x.nUsers);
    CHECK_EQ(p->nItems, x.nItems);
    CHECK_EQ(p->weights.size(), p->users.size());
    CHECK_EQ(p->hasTimestamps(), x.hasTimestamps());
    total += p->size();
    const auto e = edges(*p);
    all.insert(e.begin(), e.end());
  }
  CHECK_EQ(total, x.size());
  CHECK(all == edges(x));  // union = input, and (since items per user are distinct) disjoint
}

bool same(const rf::Interactions& a, const rf::Interactions& b) {
  return a.users == b.users && a.items == b.items && a.weights == b.weights && a.timestamps == b.timestamps;
}

}  // namespace

TEST(split_held_out_count_rule) {
  CHECK_EQ(rf::heldOutCount(1, 0.5), 0);
  CHECK_EQ(rf::heldOutCount(2, 0.2), 1);  // ceil
  CHECK_EQ(rf::heldOutCount(10, 0.3), 3);  // no float creep to 4
  CHECK_EQ(rf::heldOutCount(10, 0.0), 0);
  CHECK_EQ(rf::heldOutCount(3, 0.99), 2);  // one always stays in train
}

TEST(split_random_ratio) {
  const rf::Interactions x = synthetic(false);
  rf::SplitOptions o;
  o.ratio = 0.25;
  o.seed = 42;
  rf::SplitResult r = rf::split(x, o);
  checkPartition(x, {&r.train, &r.test});
  const auto n = perUser(x), tr = perUser(r.train), te = perUser(r.test);
  for (int32_t u = 0; u < x.nUsers; ++u) {
    CHECK_EQ(te[u], rf::heldOutCount(n[u], 0.25));
    if (n[u] > 0) CHECK(tr[u] >= 1);
  }
  // Same seed, any thread count: identical. Another seed: different.
  for (int threads : {1, 2, 3, 8}) {
    o.threads = threads;
    rf::SplitResult again = rf::split(x, o);
    CHECK(same(again.train, r.train) && same(again.test, r.test));
  }
  o.seed = 43;
  CHECK(!same(rf::split(x, o).test, r.test));
}

TEST(split_random_ratio_is_roughly_uniform) {
  // A user with 4 items, ratio 0.25: each item should be held out ~1/4 of the time.
  rf::Interactions x;
  x.nUsers = 1;
  x.nItems = 4;
  x.users = {0, 0, 0, 0};
  x.items = {0, 1, 2, 3};
  std::vector<int> hits(4, 0);
  rf::SplitOptions o;
  o.ratio = 0.25;
  for (uint64_t s = 0; s < 4000; ++s) {
    o.seed = s;
    ++hits[rf::split(x, o).test.items.at(0)];
  }
  for (int h : hits) CHECK(h > 850 && h < 1150);
}

TEST(split_leave_k_out_random_and_latest) {
  const rf::Interactions x = synthetic(true);
  rf::SplitOptions o;
  o.method = rf::SplitMethod::LeaveKOut;
  o.k = 2;
  o.pick = rf::PickOrder::Random;
  rf::SplitResult r = rf::split(x, o);
  checkPartition(x, {&r.train, &r.test});
  const auto n = perUser(x), te = perUser(r.test);
  for (int32_t u = 0; u < x.nUsers; ++u) CHECK_EQ(te[u], std::min<int64_t>(2, std::max<int64_t>(n[u] - 1, 0)));

  o.pick = rf::PickOrder::Auto;  // timestamps exist -> latest
  rf::SplitResult latest = rf::split(x, o);
  checkPartition(x, {&latest.train, &latest.test});
  std::vector<double> maxTrain(x.nUsers, -1), minTest(x.nUsers, 1e9);
  for (int64_t k = 0; k < latest.train.size(); ++k)
    maxTrain[latest.train.users[k]] = std::max(maxTrain[latest.train.users[k]], latest.train.timestamps[k]);
  for (int64_t k = 0; k < latest.test.size(); ++k)
    minTest[latest.test.users[k]] = std::min(minTest[latest.test.users[k]], latest.test.timestamps[k]);
  for (int32_t u = 0; u < x.nUsers; ++u) CHECK(maxTrain[u] <= minTest[u]);
  CHECK(perUser(latest.test) == te);

  rf::Interactions noTime = synthetic(false);
  o.pick = rf::PickOrder::Latest;
  CHECK_THROWS_CODE(rf::split(noTime, o), rf::code::kInvalidArgument);
  o.pick = rf::PickOrder::Auto;  // falls back to random without timestamps
  CHECK_EQ(rf::split(noTime, o).test.size(), r.test.size());
  o.k = 0;
  CHECK_THROWS_CODE(rf::split(x, o), rf::code::kInvalidArgument);
}

TEST(split_latest_ties_break_by_position) {
  rf::Interactions x;
  x.nUsers = 1;
  x.nItems = 3;
  x.users = {0, 0, 0};
  x.items = {0, 1, 2};
  x.timestamps = {5, 5, 5};
  rf::SplitOptions o;
  o.method = rf::SplitMethod::LeaveKOut;
  rf::SplitResult r = rf::split(x, o);
  CHECK_EQ(r.test.items.at(0), 2);  // the last one written counts as the latest
}

TEST(split_chrono_ratio) {
  const rf::Interactions x = synthetic(true);
  rf::SplitOptions o;
  o.method = rf::SplitMethod::ChronoRatio;
  o.ratio = 0.3;
  rf::SplitResult r = rf::split(x, o);
  checkPartition(x, {&r.train, &r.test});
  const auto n = perUser(x), te = perUser(r.test);
  for (int32_t u = 0; u < x.nUsers; ++u) CHECK_EQ(te[u], rf::heldOutCount(n[u], 0.3));
  std::map<int32_t, double> maxTrain;
  for (int64_t k = 0; k < r.train.size(); ++k)
    maxTrain[r.train.users[k]] = std::max(maxTrain[r.train.users[k]], r.train.timestamps[k]);
  for (int64_t k = 0; k < r.test.size(); ++k) CHECK(r.test.timestamps[k] >= maxTrain[r.test.users[k]]);
  CHECK_THROWS_CODE(rf::split(synthetic(false), o), rf::code::kInvalidArgument);
  o.ratio = 1.0;
  CHECK_THROWS_CODE(rf::split(x, o), rf::code::kInvalidArgument);
  o.ratio = std::nan("");
  CHECK_THROWS_CODE(rf::split(x, o), rf::code::kInvalidArgument);
}

TEST(split_global_temporal) {
  const rf::Interactions x = synthetic(true);
  rf::SplitOptions o;
  o.method = rf::SplitMethod::GlobalTemporal;
  o.ratio = 0.2;
  rf::SplitResult r = rf::split(x, o);
  checkPartition(x, {&r.train, &r.test});
  for (double t : r.train.timestamps) CHECK(t < r.cutTime);
  for (double t : r.test.timestamps) CHECK(t >= r.cutTime);
  // At least the requested share (ties at the cut go to test), and not wildly more.
  CHECK(r.test.size() >= static_cast<int64_t>(std::ceil(x.size() * 0.2 - 1e-9)));
  CHECK(r.test.size() < x.size() * 0.3);
  o.cutTime = 500;
  rf::SplitResult c = rf::split(x, o);
  CHECK_EQ(c.cutTime, 500.0);
  for (double t : c.test.timestamps) CHECK(t >= 500);
  for (double t : c.train.timestamps) CHECK(t < 500);
  o.cutTime = std::nan("");
  o.ratio = 0;
  CHECK_EQ(rf::split(x, o).test.size(), 0);
  CHECK_THROWS_CODE(rf::split(synthetic(false), o), rf::code::kInvalidArgument);
}

TEST(split_with_validation) {
  const rf::Interactions x = synthetic(true);
  rf::SplitOptions test, val;
  test.ratio = 0.2;
  test.seed = 5;
  val.method = rf::SplitMethod::LeaveKOut;
  val.pick = rf::PickOrder::Random;
  val.seed = 5;  // the same seed is fine: validation streams are salted
  rf::ThreeWaySplit s = rf::splitWithValidation(x, test, val);
  checkPartition(x, {&s.train, &s.validation, &s.test});
  const auto n = perUser(x), tr = perUser(s.train), va = perUser(s.validation);
  for (int32_t u = 0; u < x.nUsers; ++u) {
    if (n[u] > 0) CHECK(tr[u] >= 1);
    if (n[u] >= 3) CHECK_EQ(va[u], 1);  // at least 2 remain after the test split
  }
  rf::ThreeWaySplit again = rf::splitWithValidation(x, test, val);
  CHECK(same(again.train, s.train) && same(again.validation, s.validation) && same(again.test, s.test));
  // Carving validation from a train set alone is a plain split of it.
  rf::SplitResult carved = rf::split(s.train, test);
  checkPartition(s.train, {&carved.train, &carved.test});
}

TEST(split_errors) {
  rf::Interactions empty;
  empty.nUsers = 2;
  empty.nItems = 2;
  CHECK_THROWS_CODE(rf::split(empty, {}), rf::code::kEmpty);
  rf::Interactions bad = synthetic(true);
  bad.timestamps[3] = std::nan("");
  CHECK_THROWS_CODE(rf::split(bad, {}), rf::code::kNonFinite);
  rf::Interactions range = synthetic(false);
  range.items[0] = 999;
  CHECK_THROWS_CODE(rf::split(range, {}), rf::code::kOutOfRange);
  rf::SplitOptions o;
  o.ratio = -0.1;
  CHECK_THROWS_CODE(rf::split(synthetic(false), o), rf::code::kInvalidArgument);
}

TEST(split_cancellation) {
  std::atomic<bool> stop{true};
  rf::JobControl ctl;
  ctl.cancelled = &stop;
  CHECK_THROWS_CODE(rf::split(synthetic(false), {}, ctl), rf::code::kAborted);
}
