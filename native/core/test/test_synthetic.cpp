// The synthetic generator: determinism across thread counts, sizes, split guarantees, and that
// popularity is skewed as planted (the latent signal is shown by models beating popularity).
#include <algorithm>
#include <set>

#include "harness.hpp"
#include "recforge/synthetic.hpp"

TEST(synthetic_is_deterministic_across_threads) {
  rf::SyntheticOptions o;
  o.users = 300;
  o.items = 200;
  o.threads = 1;
  rf::SyntheticData a = rf::generateSynthetic(o);
  o.threads = 3;
  rf::SyntheticData b = rf::generateSynthetic(o);
  CHECK(a.train.users == b.train.users && a.train.items == b.train.items);
  CHECK(a.test.users == b.test.users && a.test.items == b.test.items);
  o.seed = 7;
  rf::SyntheticData c = rf::generateSynthetic(o);
  CHECK(c.train.items != a.train.items);
}

TEST(synthetic_split_and_sizes) {
  rf::SyntheticOptions o;
  o.users = 500;
  o.items = 300;
  o.meanActivity = 20;
  o.minActivity = 3;
  rf::SyntheticData d = rf::generateSynthetic(o);
  CHECK_EQ(d.train.nUsers, 500);
  CHECK_EQ(d.train.nItems, 300);
  std::vector<std::set<int32_t>> tr(500), te(500);
  for (int64_t k = 0; k < d.train.size(); ++k) tr[d.train.users[k]].insert(d.train.items[k]);
  for (int64_t k = 0; k < d.test.size(); ++k) te[d.test.users[k]].insert(d.test.items[k]);
  CHECK_EQ(static_cast<int64_t>(0), d.train.size() - static_cast<int64_t>([&] { size_t s = 0; for (auto& x : tr) s += x.size(); return s; }()));
  double mean = 0;
  for (int u = 0; u < 500; ++u) {
    CHECK(!tr[u].empty());
    const size_t n = tr[u].size() + te[u].size();
    CHECK(n >= 3);
    mean += n;
    for (int32_t i : te[u]) CHECK(!tr[u].count(i));  // disjoint
  }
  mean /= 500;
  CHECK(mean > 12 && mean < 32);  // Pareto with mean 20 (floored at 3, capped at items - 1)
}

TEST(synthetic_has_popularity_skew) {
  rf::SyntheticOptions o;
  o.users = 1000;
  o.items = 500;
  o.affinity = 0;  // popularity alone
  rf::SyntheticData d = rf::generateSynthetic(o);
  std::vector<int> deg(500, 0);
  for (int32_t i : d.train.items) ++deg[i];
  std::sort(deg.rbegin(), deg.rend());
  int top = 0, bottom = 0;
  for (int k = 0; k < 50; ++k) top += deg[k], bottom += deg[499 - k];
  CHECK(top > 5 * bottom);
}

TEST(synthetic_rejects_bad_options) {
  rf::SyntheticOptions o;
  o.users = 0;
  CHECK_THROWS_CODE(rf::generateSynthetic(o), rf::code::kInvalidArgument);
  o = {};
  o.testRatio = 1.0;
  CHECK_THROWS_CODE(rf::generateSynthetic(o), rf::code::kInvalidArgument);
  o = {};
  o.meanActivity = std::nan("");
  CHECK_THROWS_CODE(rf::generateSynthetic(o), rf::code::kInvalidArgument);
}
