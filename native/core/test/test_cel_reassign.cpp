// CEL reassignment: the bounded candidate set, the choice against a naive loop over the
// candidates' losses, and recovery of planted clusters from a random (hashed) start.
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cel_reassign.hpp"
#include "recforge/rng.hpp"

namespace {

// Planted bipartite data: users and items in `groups` groups; each user interacts with `per`
// random items of its own group. Returns the graph and the item groups.
struct Planted {
  rftest::SmallGraph s;
  std::vector<int32_t> itemGroup, userGroup;
};

Planted planted(int32_t users, int32_t items, int32_t groups, int32_t per, uint64_t seed) {
  Planted p;
  rf::Rng rng(seed, 3);
  p.itemGroup.resize(items);
  p.userGroup.resize(users);
  for (int32_t i = 0; i < items; ++i) p.itemGroup[i] = i % groups;
  for (int32_t u = 0; u < users; ++u) {
    p.userGroup[u] = u % groups;
    std::vector<char> seen(items, 0);
    for (int32_t k = 0; k < per; ++k) {
      const int32_t i = static_cast<int32_t>(rng.below(items / groups)) * groups + p.userGroup[u];
      if (seen[i]) continue;
      seen[i] = 1;
      p.s.users.push_back(u), p.s.items.push_back(i);
    }
  }
  rf::EdgeView ev{p.s.users.data(), p.s.items.data(), static_cast<int64_t>(p.s.users.size()), users, items};
  p.s.g = rf::buildGraph(ev);
  return p;
}

// Item-side own data with user vectors z_u and no negatives: loss = sum_u softplus(-<z_u, v>).
rf::OwnDataFn itemData(const rf::BipartiteGraph& g, const std::vector<float>& zu, int32_t d) {
  return [&g, &zu, d](int32_t e, std::vector<float>& ctx, std::vector<double>& alpha) -> int64_t {
    const int64_t b = g.itemUsers.indptr[e], k = g.itemUsers.indptr[e + 1] - b;
    ctx.resize(k * d);
    alpha.assign(k, 0.0);
    for (int64_t q = 0; q < k; ++q)
      for (int32_t j = 0; j < d; ++j) ctx[q * d + j] = zu[g.itemUsers.indices[b + q] * d + j];
    return k;
  };
}

}  // namespace

TEST(cel_reassign_picks_the_naive_argmin_over_its_candidates) {
  auto s = rftest::randomGraph(30, 40, 0.15, 8);
  const int32_t d = 4, c = 9;
  auto init = rftest::randomTable(c, d, 1.0, 2);
  auto t = rf::ClusteredTable::create(40, d, c, rf::ClusterInit::kHashed, init.data(), true, 4);
  t.residual = rftest::randomTable(40, d, 0.1, 6);
  auto zu = rftest::randomTable(30, d, 1.0, 5);
  auto data = itemData(s.g, zu, d);
  rf::ReassignOptions o;
  o.candidates = 4;
  o.scale = 0.5;
  o.seed = 12;
  o.threads = 3;
  const auto before = t;
  const int64_t moved = rf::reassignRound(t, s.g.itemUsers, s.g.userItems, data, o);
  int64_t naiveMoved = 0;
  for (int32_t e = 0; e < 40; ++e) {
    const auto cands = rf::reassignCandidates(before, s.g.itemUsers, s.g.userItems, e, o);
    CHECK(cands[0] == before.assign[e]);
    CHECK(static_cast<int32_t>(cands.size()) <= o.candidates);
    int32_t best = cands[0];
    double bestLoss = 0;
    for (size_t q = 0; q < cands.size(); ++q) {
      double l = 0;  // naive: straight from the definition
      for (int64_t k = s.g.itemUsers.indptr[e]; k < s.g.itemUsers.indptr[e + 1]; ++k) {
        double dot = 0;
        for (int32_t j = 0; j < d; ++j)
          dot += double(zu[s.g.itemUsers.indices[k] * d + j]) * (before.centers[cands[q] * d + j] + before.residual[e * d + j]);
        l += std::log1p(std::exp(-o.scale * dot));
      }
      if (q == 0 || l < bestLoss) bestLoss = l, best = cands[q];
    }
    CHECK_EQ(t.assign[e], best);
    naiveMoved += best != before.assign[e];
  }
  CHECK_EQ(moved, naiveMoved);
  // Same result with one thread (decisions use the assignment before the round).
  auto t1 = before;
  o.threads = 1;
  rf::reassignRound(t1, s.g.itemUsers, s.g.userItems, data, o);
  CHECK(t1.assign == t.assign);
}

TEST(cel_reassign_recovers_planted_clusters) {
  const int32_t users = 80, items = 120, groups = 4, d = 8;
  auto p = planted(users, items, groups, 12, 21);
  // Cluster rows = the planted group directions, user vectors = their group's direction.
  std::vector<float> dirs(groups * d, 0.0f);  // orthogonal group directions
  for (int32_t k = 0; k < groups; ++k) dirs[k * d + 2 * k] = 2.0f, dirs[k * d + 2 * k + 1] = -1.0f;
  std::vector<float> zu(users * d);
  for (int32_t u = 0; u < users; ++u)
    for (int32_t j = 0; j < d; ++j) zu[u * d + j] = dirs[p.userGroup[u] * d + j];
  auto t = rf::ClusteredTable::create(items, d, groups, rf::ClusterInit::kHashed, dirs.data(), false, 9);
  auto data = itemData(p.s.g, zu, d);
  rf::ReassignOptions o;
  o.candidates = 6;
  o.seed = 1;
  int64_t moved = 1;
  for (int round = 0; round < 6 && moved > 0; ++round) {
    o.round = round;
    moved = rf::reassignRound(t, p.s.g.itemUsers, p.s.g.userItems, data, o);
  }
  CHECK_EQ(moved, int64_t(0));
  for (int32_t i = 0; i < items; ++i)
    if (p.s.g.itemUsers.degree(i) > 0) CHECK_EQ(t.assign[i], p.itemGroup[i]);
}

TEST(cel_reassign_damping_and_pinned_rows_match_naive) {
  auto s = rftest::randomGraph(30, 60, 0.15, 8);
  const int32_t d = 4, c = 12, hot = 5;
  auto init = rftest::randomTable(c, d, 1.0, 2);
  std::vector<int64_t> degree(60);
  for (int32_t i = 0; i < 60; ++i) degree[i] = s.g.itemUsers.degree(i);
  auto t = rf::ClusteredTable::create(60, d, c, rf::ClusterInit::kHotTail, init.data(), false, 4, degree.data(), hot);
  for (int32_t i = 0; i < 60; ++i)  // spread the tail over the free rows
    if (t.assign[i] >= hot) t.assign[i] = hot + i % (c - hot);
  auto zu = rftest::randomTable(30, d, 1.0, 5);
  auto data = itemData(s.g, zu, d);
  for (double gain : {0.0, 0.05, 0.3}) {
    rf::ReassignOptions o;
    o.candidates = 5;
    o.seed = 3;
    o.threads = 2;
    o.minGain = gain;
    auto after = t;
    const int64_t moved = rf::reassignRound(after, s.g.itemUsers, s.g.userItems, data, o);
    int64_t naiveMoved = 0;
    for (int32_t e = 0; e < 60; ++e) {
      if (t.assign[e] < hot) {  // pinned: stays
        CHECK_EQ(after.assign[e], t.assign[e]);
        continue;
      }
      const auto cands = rf::reassignCandidates(t, s.g.itemUsers, s.g.userItems, e, o);
      double cur = 0, bestLoss = 0;
      int32_t best = cands[0];
      for (size_t q = 0; q < cands.size(); ++q) {
        CHECK(cands[q] >= hot);  // pinned rows are never offered
        double l = 0;
        for (int64_t k = s.g.itemUsers.indptr[e]; k < s.g.itemUsers.indptr[e + 1]; ++k) {
          double dot = 0;
          for (int32_t j = 0; j < d; ++j) dot += double(zu[s.g.itemUsers.indices[k] * d + j]) * t.centers[cands[q] * d + j];
          l += std::log1p(std::exp(-dot));
        }
        if (q == 0) cur = l;
        if (q == 0 || l < bestLoss) bestLoss = l, best = cands[q];
      }
      const int32_t want = cands.size() > 1 && s.g.itemUsers.degree(e) > 0 && bestLoss < cur * (1 - gain) ? best : t.assign[e];
      CHECK_EQ(after.assign[e], want);
      naiveMoved += want != t.assign[e];
    }
    CHECK_EQ(moved, naiveMoved);
    after.validate();  // pinned rows still hold exactly their entity
    if (gain == 0.0) CHECK(moved > 0);
  }
  rf::ReassignOptions bad;
  bad.minGain = 1.0;
  CHECK_THROWS_CODE(rf::reassignRound(t, s.g.itemUsers, s.g.userItems, data, bad), rf::code::kInvalidArgument);
}
