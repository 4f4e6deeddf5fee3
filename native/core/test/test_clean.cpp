// Duplicate removal, min-count / k-core filtering and re-indexing.
#include <vector>

#include "harness.hpp"
#include "recforge/clean.hpp"

namespace {

using V = std::vector<int32_t>;

rf::Interactions make(int32_t nu, int32_t ni, V u, V i) {
  rf::Interactions x;
  x.nUsers = nu;
  x.nItems = ni;
  x.users = std::move(u);
  x.items = std::move(i);
  return x;
}

}  // namespace

TEST(clean_dedup_keeps_first_occurrence) {
  rf::Interactions x = make(3, 3, {0, 1, 0, 0, 2, 1}, {1, 2, 1, 2, 0, 2});
  x.weights = {1, 2, 3, 4, 5, 6};
  x.timestamps = {10, 20, 30, 40, 50, 60};
  rf::CleanResult r = rf::clean(x);
  CHECK_EQ(r.duplicatesRemoved, 2);
  CHECK(r.data.users == (V{0, 1, 0, 2}));
  CHECK(r.data.items == (V{1, 2, 2, 0}));
  CHECK(r.data.weights == (std::vector<float>{1, 2, 4, 5}));
  CHECK(r.data.timestamps == (std::vector<double>{10, 20, 40, 50}));
  CHECK_EQ(r.data.nUsers, 3);
  rf::CleanOptions keepDups;
  keepDups.dedup = false;
  CHECK_EQ(rf::clean(x, keepDups).data.size(), 6);
}

TEST(clean_min_counts_single_pass_vs_kcore) {
  // user 0: items 0,1,2; user 1: items 0,1; user 2: item 0. Item 2 has one user.
  rf::Interactions x = make(3, 3, {0, 0, 0, 1, 1, 2}, {0, 1, 2, 0, 1, 0});
  rf::CleanOptions o;
  o.minUserInteractions = 2;
  o.minItemInteractions = 2;
  rf::CleanResult one = rf::clean(x, o);
  // One pass: user 2 (1 edge) and item 2 (1 edge) go, judged on the same input.
  CHECK(one.data.users == (V{0, 0, 1, 1}));
  CHECK(one.data.items == (V{0, 1, 0, 1}));
  CHECK_EQ(one.interactionsDropped, 2);
  CHECK_EQ(one.usersDropped, 1);
  CHECK_EQ(one.itemsDropped, 1);
  CHECK_EQ(one.rounds, 1);

  // A chain where the single pass leaves a violator and the k-core removes it.
  // users 0,1 share items 0,1; user 2 has items 1 and 2; item 2 only has user 2.
  rf::Interactions y = make(3, 3, {0, 0, 1, 1, 2, 2}, {0, 1, 0, 1, 1, 2});
  rf::CleanResult single = rf::clean(y, o);
  CHECK_EQ(single.data.size(), 5);  // only (2,2) dropped; user 2 now has 1 edge
  o.iterate = true;
  rf::CleanResult core = rf::clean(y, o);
  CHECK_EQ(core.data.size(), 4);
  CHECK_EQ(core.rounds, 2);
  CHECK_EQ(core.usersDropped, 1);
  CHECK_EQ(core.itemsDropped, 1);
  // Every survivor meets both thresholds.
  std::vector<int> du(3, 0), di(3, 0);
  for (int64_t k = 0; k < core.data.size(); ++k) ++du[core.data.users[k]], ++di[core.data.items[k]];
  for (int v : du) CHECK(v == 0 || v >= 2);
  for (int v : di) CHECK(v == 0 || v >= 2);
}

TEST(clean_dedup_happens_before_counting) {
  // User 1 has the same item twice: after dedup it has only one interaction.
  rf::Interactions x = make(2, 2, {0, 0, 1, 1}, {0, 1, 0, 0});
  rf::CleanOptions o;
  o.minUserInteractions = 2;
  rf::CleanResult r = rf::clean(x, o);
  CHECK_EQ(r.duplicatesRemoved, 1);
  CHECK(r.data.users == (V{0, 0}));
}

TEST(clean_reindex_maps) {
  // 1-based ids like MovieLens: user 0 and item 0 never occur; item 3 is dropped by the filter.
  rf::Interactions x = make(4, 5, {1, 1, 3, 3, 2}, {4, 1, 1, 4, 3});
  rf::CleanOptions o;
  o.minItemInteractions = 2;
  o.reindex = true;
  rf::CleanResult r = rf::clean(x, o);
  CHECK_EQ(r.data.nUsers, 2);  // users 1 and 3 (user 2 only had item 3)
  CHECK_EQ(r.data.nItems, 2);  // items 1 and 4
  CHECK(r.userNewToOld == (V{1, 3}));
  CHECK(r.itemNewToOld == (V{1, 4}));
  CHECK(r.userOldToNew == (V{-1, 0, -1, 1}));
  CHECK(r.itemOldToNew == (V{-1, 0, -1, -1, 1}));
  CHECK(r.data.users == (V{0, 0, 1, 1}));
  CHECK(r.data.items == (V{1, 0, 0, 1}));
  CHECK_EQ(r.usersDropped, 1);
  // Without reindex the counts stay and no maps are made.
  o.reindex = false;
  rf::CleanResult k = rf::clean(x, o);
  CHECK_EQ(k.data.nUsers, 4);
  CHECK(k.userNewToOld.empty());
}

TEST(clean_validates_input) {
  rf::Interactions bad = make(2, 2, {0, 5}, {0, 1});
  CHECK_THROWS_CODE(rf::clean(bad), rf::code::kOutOfRange);
  rf::Interactions shape = make(2, 2, {0, 1}, {0});
  CHECK_THROWS_CODE(rf::clean(shape), rf::code::kShape);
  rf::Interactions w = make(2, 2, {0, 1}, {0, 1});
  w.weights = {1};
  CHECK_THROWS_CODE(rf::clean(w), rf::code::kShape);
  rf::CleanOptions neg;
  neg.minUserInteractions = -1;
  CHECK_THROWS_CODE(rf::clean(make(1, 1, {0}, {0}), neg), rf::code::kInvalidArgument);
}
