// Matryoshka negative sampling (MNS) and its 'shared' / 'dns' ablations against a naive
// re-implementation of the reference selection.
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/matryoshka.hpp"

namespace {

struct Setup {
  int32_t m = 12, n = 40, d = 8;
  rftest::SmallGraph s = rftest::randomGraph(m, n, 0.35, 21);
  rf::PositiveSet pos{s.g.userItems};
  rf::NegativeSampler sampler{pos, rf::NegativeKind::kUniform};
  std::vector<float> fin = rftest::randomTable(m + n, d, 1.0, 22);
  rf::MatryoshkaLevels lv;
  std::vector<int32_t> users, items;  // the train pairs, as training batches would see them
  Setup() {
    lv.dims = {2, 4, 8};
    lv.candidates = 5;
    users = s.users;
    items = s.items;
  }
  int64_t size() const { return static_cast<int64_t>(users.size()); }
  std::vector<int32_t> run(rf::MatryoshkaMode mode, const rf::MatryoshkaSampleOptions& o, int64_t from = 0,
                           int64_t count = -1) const {
    if (count < 0) count = size();
    std::vector<int32_t> out(count * rf::negativesPerTriple(mode, lv));
    rf::sampleMatryoshkaNegatives(users.data() + from, items.data() + from, count, sampler, m, n, fin.data(), d, lv,
                                  mode, o, out.data());
    return out;
  }
};

// The reference procedure written out: draw every candidate of the triple first, then split into
// groups and take each group's argmax (torch.max returns the first maximum).
std::vector<int32_t> naive(const Setup& s, rf::MatryoshkaMode mode, const rf::MatryoshkaSampleOptions& o) {
  const bool mns = mode == rf::MatryoshkaMode::kMns;
  const int32_t groups = mns ? 3 : 1, n = s.lv.candidates;
  std::vector<int32_t> out;
  for (int64_t q = 0; q < s.size(); ++q) {
    rf::Rng rng(rf::hash3(o.seed, o.epoch, rf::kMatryoshkaStreamTag), uint64_t(o.firstTriple + q));
    std::vector<int32_t> cand;
    for (int32_t c = 0; c < groups * n; ++c) cand.push_back(s.sampler.draw(s.users[q], rng));
    for (int32_t k = 0; k < groups; ++k) {
      const int32_t width = mns ? s.lv.dims[k] : s.lv.dims.back();
      int32_t best = 0;
      // In double: the kernel's float sums are ordered differently, which cannot flip an argmax
      // here (random scores, no near-ties), so equal choices show the selection itself is right.
      std::vector<double> score(n);
      for (int32_t c = 0; c < n; ++c) {
        double v = 0;
        for (int32_t j = 0; j < width; ++j) v += double(s.fin[s.users[q] * s.d + j]) * s.fin[(s.m + cand[k * n + c]) * s.d + j];
        score[c] = v;
        if (score[c] > score[best]) best = c;
      }
      out.push_back(cand[k * n + best]);
    }
  }
  return out;
}

}  // namespace

TEST(matryoshka_negatives_match_naive_selection_in_every_mode) {
  Setup s;
  rf::MatryoshkaSampleOptions o;
  o.seed = 5, o.epoch = 3, o.firstTriple = 1000, o.threads = 2;
  for (auto mode : {rf::MatryoshkaMode::kMns, rf::MatryoshkaMode::kShared, rf::MatryoshkaMode::kDns}) {
    const auto got = s.run(mode, o);
    CHECK(got == naive(s, mode, o));
    const int32_t per = rf::negativesPerTriple(mode, s.lv);
    for (int64_t q = 0; q < s.size(); ++q)
      for (int32_t k = 0; k < per; ++k) CHECK(!s.pos.contains(s.users[q], got[q * per + k]));
  }
}

TEST(matryoshka_negatives_pick_a_level_specific_hardest) {
  // Level 0 sees only coordinates 0-1, level 2 all 8: with many candidates the level-0 winner is
  // usually not the full-width winner, so per-level groups must disagree somewhere.
  Setup s;
  s.lv.candidates = 20;
  const auto got = s.run(rf::MatryoshkaMode::kMns, {});
  bool differ = false;
  for (int64_t q = 0; q < s.size(); ++q) differ = differ || got[q * 3] != got[q * 3 + 2];
  CHECK(differ);
}

TEST(matryoshka_negatives_ties_keep_the_first_drawn) {
  Setup s;
  for (int32_t i = 0; i < s.n; ++i)  // every item identical: all scores tie
    for (int32_t j = 0; j < s.d; ++j) s.fin[(s.m + i) * s.d + j] = 0.5f;
  rf::MatryoshkaSampleOptions o;
  o.seed = 9;
  const auto got = s.run(rf::MatryoshkaMode::kMns, o);
  for (int64_t q = 0; q < s.size(); ++q) {
    rf::Rng rng(rf::hash3(9, 0, rf::kMatryoshkaStreamTag), uint64_t(q));
    for (int32_t k = 0; k < 3; ++k) {
      const int32_t first = s.sampler.draw(s.users[q], rng);
      for (int32_t c = 1; c < s.lv.candidates; ++c) s.sampler.draw(s.users[q], rng);
      CHECK_EQ(got[q * 3 + k], first);
    }
  }
}

TEST(matryoshka_negatives_are_independent_of_threads_and_batching) {
  Setup s;
  rf::MatryoshkaSampleOptions o;
  o.seed = 1, o.epoch = 7;
  o.threads = 1;
  const auto one = s.run(rf::MatryoshkaMode::kMns, o);
  o.threads = 3;
  CHECK(s.run(rf::MatryoshkaMode::kMns, o) == one);
  // The same epoch cut into two batches: streams follow the triple's index in the epoch.
  const int64_t half = s.size() / 2;
  auto a = s.run(rf::MatryoshkaMode::kMns, o, 0, half);
  o.firstTriple = half;
  const auto b = s.run(rf::MatryoshkaMode::kMns, o, half, s.size() - half);
  a.insert(a.end(), b.begin(), b.end());
  CHECK(a == one);
  o.firstTriple = 0, o.epoch = 8;
  CHECK(s.run(rf::MatryoshkaMode::kMns, o) != one);  // a new epoch draws new candidates
}

TEST(matryoshka_negatives_reject_bad_ids) {
  Setup s;
  s.users[3] = s.m;
  CHECK_THROWS_CODE(s.run(rf::MatryoshkaMode::kMns, {}), rf::code::kOutOfRange);
  Setup t;
  t.items[0] = -1;
  CHECK_THROWS_CODE(t.run(rf::MatryoshkaMode::kDns, {}), rf::code::kOutOfRange);
}
