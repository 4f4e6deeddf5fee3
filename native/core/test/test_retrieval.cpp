// Serving top-k (retrieveTopK) at full width, on a prefix, and coarse-to-fine, against a naive
// reference that scores in double, sorts every candidate and reranks with std::sort.
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "eval_reference.hpp"
#include "harness.hpp"
#include "recforge/retrieval.hpp"

using evaltest::Problem;

namespace {

struct Lists {
  std::vector<int32_t> items;
  std::vector<float> scores;
};

double dotPrefix(const Problem& p, int32_t u, int32_t i, int32_t d) {
  double s = 0;
  for (int32_t q = 0; q < d; ++q) s += static_cast<double>(p.U[u * p.dim + q]) * p.V[i * p.dim + q];
  return s;
}

// Rank by the d-prefix (d = 0: full); with a shortlist keep its best `shortlist`, then rank those
// by the full score. Returns items and the score of the final ranking, padded like the kernel.
Lists naive(const Problem& p, const std::vector<int32_t>& queries, const rf::RetrievalSpec& s) {
  const int32_t d = s.dim == 0 ? p.dim : s.dim;
  Lists out;
  out.items.assign(queries.size() * s.k, -1);
  out.scores.assign(queries.size() * s.k, -std::numeric_limits<float>::infinity());
  auto order = [](const std::pair<double, int32_t>& a, const std::pair<double, int32_t>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  for (size_t q = 0; q < queries.size(); ++q) {
    const int32_t u = queries[q];
    std::vector<std::pair<double, int32_t>> all;
    for (int32_t i = 0; i < p.nItems; ++i)
      if (!(s.exclude && s.exclude->contains(u, i)) && !(s.allow && !std::binary_search(s.allow, s.allow + s.nAllow, i)) &&
          !(s.deny && std::binary_search(s.deny, s.deny + s.nDeny, i)))
        all.push_back({dotPrefix(p, u, i, d), i});
    std::sort(all.begin(), all.end(), order);
    if (s.shortlist > 0) {
      all.resize(std::min<size_t>(all.size(), s.shortlist));
      for (auto& c : all) c.first = dotPrefix(p, u, c.second, p.dim);
      std::sort(all.begin(), all.end(), order);
    }
    for (size_t r = 0; r < std::min<size_t>(all.size(), s.k); ++r) {
      out.items[q * s.k + r] = all[r].second;
      out.scores[q * s.k + r] = static_cast<float>(all[r].first);
    }
  }
  return out;
}

Lists run(const Problem& p, const std::vector<int32_t>& queries, const rf::RetrievalSpec& s) {
  Lists out;
  out.items.resize(queries.size() * s.k);
  out.scores.resize(queries.size() * s.k);
  rf::retrieveTopK(p.users(), p.items(), queries.data(), static_cast<int64_t>(queries.size()), s, out.items.data(),
                   out.scores.data());
  return out;
}

std::vector<int32_t> allUsersTwice(int32_t n) {
  std::vector<int32_t> q;
  for (int32_t u = n - 1; u >= 0; --u) q.push_back(u);  // any order, duplicates allowed
  q.push_back(3);
  return q;
}

void checkAgainstNaive(bool integerValued, double scoreTol) {
  // 101 queries = 3 blocks; 1100 items = 3 tiles (last partial, not a panel multiple).
  const Problem p = evaltest::randomProblem(100, 1100, 19, integerValued, integerValued ? 51 : 52);
  const std::vector<int32_t> q = allUsersTwice(p.nUsers);
  struct Case { int32_t k, dim, shortlist; bool exclude; };
  const Case cases[] = {{20, 0, 0, true}, {20, 4, 0, true},  {7, 1, 0, false},  {20, 4, 50, true},
                        {20, 8, 20, true}, {10, 3, 500, false}, {5, 19, 40, true}, {1, 2, 1100, true}};
  for (const Case& c : cases) {
    rf::RetrievalSpec s;
    s.k = c.k, s.dim = c.dim, s.shortlist = c.shortlist, s.exclude = c.exclude ? &p.train : nullptr, s.threads = 2;
    const Lists got = run(p, q, s), want = naive(p, q, s);
    const std::string what = "k" + std::to_string(c.k) + " d" + std::to_string(c.dim) + " s" + std::to_string(c.shortlist);
    for (size_t j = 0; j < want.items.size(); ++j) {
      if (got.items[j] != want.items[j])
        rftest::failAt(__FILE__, __LINE__, what + ": slot " + std::to_string(j) + " item " + std::to_string(got.items[j]) +
                                               " vs " + std::to_string(want.items[j]));
      if (!(std::fabs(got.scores[j] - want.scores[j]) <= scoreTol) && !(std::isinf(got.scores[j]) && got.scores[j] == want.scores[j]))
        rftest::failAt(__FILE__, __LINE__, what + ": slot " + std::to_string(j) + " score");
    }
  }
}

}  // namespace

// Integer-valued embeddings: exact scores and many ties, so the tie order (lower id first), the
// shortlist cut at a tie and the rerank must all match the reference exactly.
TEST(retrieve_matches_reference_exact_scores_with_ties) { checkAgainstNaive(true, 0.0); }

// Gaussian embeddings: float vs double scores (no near-ties at this seed).
TEST(retrieve_matches_reference_real_scores) { checkAgainstNaive(false, 1e-4); }

// A shortlist that keeps every item reranks everything: the same lists and bit-identical scores
// as exact full-width retrieval, which in turn uses the evaluator's summation order.
TEST(retrieve_full_shortlist_equals_exact_bitwise) {
  const Problem p = evaltest::randomProblem(60, 700, 64, false, 53);
  const std::vector<int32_t> q = allUsersTwice(p.nUsers);
  rf::RetrievalSpec exact;
  exact.k = 20, exact.exclude = &p.train;
  rf::RetrievalSpec c2f = exact;
  c2f.dim = 4, c2f.shortlist = p.nItems;
  const Lists a = run(p, q, exact), b = run(p, q, c2f);
  CHECK(a.items == b.items);
  CHECK(std::memcmp(a.scores.data(), b.scores.data(), sizeof(float) * a.scores.size()) == 0);
}

TEST(retrieve_pads_users_with_few_candidates) {
  const Problem p = evaltest::randomProblem(10, 30, 5, true, 54);
  std::vector<std::set<int32_t>> ex(p.nUsers);
  for (int32_t i = 0; i < 27; ++i) ex[2].insert(i);  // user 2 keeps 3 candidates
  const rf::Csr exclude = evaltest::csrFromSets(ex, p.nItems);
  rf::RetrievalSpec s;
  s.k = 40, s.dim = 2, s.shortlist = 45, s.exclude = &exclude;
  const std::vector<int32_t> q = {2, 5};
  const Lists got = run(p, q, s);
  CHECK(got.items == naive(p, q, s).items);
  for (int r = 0; r < 3; ++r) CHECK(got.items[r] >= 27);
  for (int r = 3; r < 40; ++r) CHECK(got.items[r] == -1 && std::isinf(got.scores[r]));
  for (int r = 0; r < 30; ++r) CHECK(got.items[40 + r] >= 0);
  CHECK_EQ(got.items[40 + 30], -1);
}

TEST(retrieve_does_not_depend_on_threads) {
  const Problem p = evaltest::randomProblem(300, 800, 16, false, 55);
  const std::vector<int32_t> q = allUsersTwice(p.nUsers);
  rf::RetrievalSpec s;
  s.k = 15, s.dim = 4, s.shortlist = 60, s.exclude = &p.train, s.threads = 1;
  const Lists a = run(p, q, s);
  s.threads = 2;
  const Lists b = run(p, q, s);
  CHECK(a.items == b.items);
  CHECK(std::memcmp(a.scores.data(), b.scores.data(), sizeof(float) * a.scores.size()) == 0);
}

TEST(retrieve_rejects_bad_options) {
  const Problem p = evaltest::randomProblem(10, 40, 8, true, 56);
  const std::vector<int32_t> q = {1};
  auto with = [&](int32_t k, int32_t dim, int32_t shortlist) {
    rf::RetrievalSpec s;
    s.k = k, s.dim = dim, s.shortlist = shortlist;
    return run(p, q, s);
  };
  CHECK_THROWS_CODE(with(0, 0, 0), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(with(5, 9, 0), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(with(5, -1, 0), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(with(5, 4, 4), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(with(5, 4, -2), rf::code::kInvalidArgument);
  const std::vector<int32_t> bad = {10};
  std::vector<int32_t> items(5);
  std::vector<float> scores(5);
  rf::RetrievalSpec s;
  s.k = 5;
  CHECK_THROWS_CODE(rf::retrieveTopK(p.users(), p.items(), bad.data(), 1, s, items.data(), scores.data()),
                    rf::code::kOutOfRange);
  s.exclude = &p.truth;  // 10 x 40: right; a 10 x 39 one is not
  const rf::Csr wrong = evaltest::csrFromSets(std::vector<std::set<int32_t>>(10), 39);
  s.exclude = &wrong;
  CHECK_THROWS_CODE(rf::retrieveTopK(p.users(), p.items(), q.data(), 1, s, items.data(), scores.data()), rf::code::kShape);
}

// The single-query path (packed panels, allow gather, deny, own exclude row) against the naive
// reference (exact integer scores with ties) and bit for bit against retrieveTopK.
namespace {

Lists runOne(const Problem& p, const rf::PackedItems& packed, const std::vector<int32_t>& queries,
             const rf::RetrievalSpec& s) {
  Lists out;
  out.items.assign(queries.size() * s.k, 7);
  out.scores.assign(queries.size() * s.k, 7.0f);
  for (size_t q = 0; q < queries.size(); ++q) {
    const int32_t u = queries[q];
    const int32_t* b = s.exclude ? s.exclude->rowBegin(u) : nullptr;
    const int64_t n = s.exclude ? s.exclude->degree(u) : 0;
    const int32_t got = rf::retrieveOne(packed, p.U.data() + static_cast<int64_t>(u) * p.dim, b, n, s,
                                        out.items.data() + q * s.k, out.scores.data() + q * s.k);
    int32_t real = 0;
    while (real < s.k && out.items[q * s.k + real] >= 0) ++real;
    CHECK_EQ(got, real);
  }
  return out;
}

void checkOne(bool integerValued, uint64_t seed, int32_t nItems, int32_t dim) {
  const Problem p = evaltest::randomProblem(40, nItems, dim, integerValued, seed);
  const rf::PackedItems packed(p.items(), 2);
  CHECK_EQ(packed.rows(), nItems);
  std::vector<int32_t> q;
  for (int32_t u = 0; u < p.nUsers; ++u) q.push_back(u);
  std::vector<int32_t> allow, deny, few;
  for (int32_t i : {3, 17, 18, 40})
    if (i < nItems) few.push_back(i);
  for (int32_t i = 0; i < nItems; i += 3) allow.push_back(i);
  for (int32_t i = 1; i < nItems; i += 5) deny.push_back(i);
  struct Case { int32_t k, dim, shortlist; bool exclude; const std::vector<int32_t>* allow; const std::vector<int32_t>* deny; };
  const Case cases[] = {{10, 0, 0, true, nullptr, nullptr},  {20, 0, 0, false, nullptr, &deny}, {10, 4, 0, true, nullptr, nullptr},
                        {10, 4, 40, true, nullptr, &deny},   {10, 0, 0, true, &allow, nullptr}, {7, 3, 0, true, &allow, &deny},
                        {10, 2, 30, false, &allow, &deny},   {10, 0, 0, true, &few, nullptr},   {1, 1, 0, true, nullptr, nullptr},
                        {nItems + 5, 0, 0, true, nullptr, &deny}};
  for (const Case& c : cases) {
    rf::RetrievalSpec s;
    s.k = c.k, s.dim = std::min(c.dim, dim), s.shortlist = c.shortlist, s.exclude = c.exclude ? &p.train : nullptr;
    if (c.allow) s.allow = c.allow->data(), s.nAllow = static_cast<int64_t>(c.allow->size());
    if (c.deny) s.deny = c.deny->data(), s.nDeny = static_cast<int64_t>(c.deny->size());
    const std::string what = "k" + std::to_string(c.k) + " d" + std::to_string(c.dim) + " s" + std::to_string(c.shortlist) +
                             (c.allow ? " allow" : "") + (c.deny ? " deny" : "");
    const Lists one = runOne(p, packed, q, s), tiled = run(p, q, s), want = naive(p, q, s);
    if (one.items != tiled.items) rftest::failAt(__FILE__, __LINE__, what + ": one != tiled");
    if (std::memcmp(one.scores.data(), tiled.scores.data(), sizeof(float) * one.scores.size()) != 0)
      rftest::failAt(__FILE__, __LINE__, what + ": scores differ bitwise from the tiled path");
    if (integerValued && one.items != want.items) rftest::failAt(__FILE__, __LINE__, what + ": one != naive");
    if (!integerValued && c.k <= 20)  // float vs double: deep in a full ranking near-ties may flip
      for (size_t j = 0; j < want.items.size(); ++j)
        if (one.items[j] != want.items[j]) rftest::failAt(__FILE__, __LINE__, what + ": slot " + std::to_string(j));
  }
}

}  // namespace

TEST(retrieve_one_matches_reference_and_tiled_exact_ties) { checkOne(true, 61, 1100, 19); }
TEST(retrieve_one_matches_reference_and_tiled_real_scores) { checkOne(false, 62, 1077, 64); }
TEST(retrieve_one_small_odd_tables) {
  checkOne(true, 63, 5, 3);    // fewer items than a panel
  checkOne(false, 64, 33, 8);  // one panel and one item: an odd panel count
}

TEST(retrieve_one_rejects_bad_lists) {
  const Problem p = evaltest::randomProblem(4, 40, 8, true, 65);
  const rf::PackedItems packed(p.items());
  std::vector<int32_t> items(5);
  std::vector<float> scores(5);
  rf::RetrievalSpec s;
  s.k = 5;
  const std::vector<int32_t> out = {1, 40}, unsorted = {5, 2}, dup = {2, 2};
  auto one = [&] { return rf::retrieveOne(packed, p.U.data(), nullptr, 0, s, items.data(), scores.data()); };
  s.allow = out.data(), s.nAllow = 2;
  CHECK_THROWS_CODE(one(), rf::code::kOutOfRange);
  s.allow = unsorted.data();
  CHECK_THROWS_CODE(one(), rf::code::kInvalidArgument);
  s.allow = nullptr, s.deny = dup.data(), s.nDeny = 2;
  CHECK_THROWS_CODE(one(), rf::code::kInvalidArgument);
  s.deny = nullptr, s.k = 0;
  CHECK_THROWS_CODE(one(), rf::code::kInvalidArgument);
  std::vector<int32_t> list = {9, -1};
  CHECK_THROWS_CODE(rf::normalizeItemList(list, 40, "allow"), rf::code::kOutOfRange);
  list = {9, 3, 9, 0};
  rf::normalizeItemList(list, 40, "allow");
  CHECK((list == std::vector<int32_t>{0, 3, 9}));
  s.k = 5, s.allow = list.data(), s.nAllow = 0;  // an empty allow list: nothing to return
  CHECK_EQ(one(), 0);
  CHECK_EQ(items[0], -1);
}

// The bf16 route must stay exact where bf16 cannot tell items apart: near-duplicate items (all
// intervals overlap, the exact rescore decides), and a table it must refuse (a huge value).
TEST(retrieve_one_bf16_route_exact_on_near_ties) {
  for (int variant = 0; variant < 2; ++variant) {
    Problem p = evaltest::randomProblem(30, 700, 64, false, 66 + variant);
    for (int32_t i = 0; i < p.nItems; ++i)
      for (int32_t q = 0; q < p.dim; ++q)
        p.V[i * p.dim + q] = p.V[(i % 3) * p.dim + q] * (1.0f + 1e-6f * static_cast<float>(i % 97));
    if (variant == 1) p.V[5] = 3e31f;
    const rf::PackedItems packed(p.items());
    CHECK_EQ(packed.halfPanels() != nullptr, variant == 0);
    std::vector<int32_t> q;
    for (int32_t u = 0; u < p.nUsers; ++u) q.push_back(u);
    const std::vector<int32_t> deny = {1, 4, 7, 10};
    for (int32_t k : {1, 10, 50}) {
      rf::RetrievalSpec s;
      s.k = k, s.exclude = &p.train, s.deny = deny.data(), s.nDeny = 4;
      const Lists one = runOne(p, packed, q, s), tiled = run(p, q, s);
      CHECK(one.items == tiled.items);
      CHECK(std::memcmp(one.scores.data(), tiled.scores.data(), sizeof(float) * one.scores.size()) == 0);
    }
  }
}

// ---- The certified int8 route (and the route switch) ----------------------------------------
namespace {

// Adversarial tables for the certified routes. 0: standard normal; 1: near-ties (three base
// items scaled by 1 + 1e-6 j, exact duplicates among them); 2: item norms spread over 10^-4..10^4
// and one item of norm ~1e25, users scaled by 1e5; 3: spiky items (one coordinate 1e3, the rest
// ~1e-3, which int8 rounds to zero), subnormal values and zero vectors; 4: integer-valued (exact
// scores, many ties); 5: users so large that ||u|| max ||x|| > 1e36 (the int8 route must decline);
// 6: tiny items and users (scale product below 2^-100: the route must decline); 7: small items and
// users (1e-12 each: the route serves them).
Problem adversarial(int variant, int32_t nItems, int32_t dim, uint64_t seed) {
  Problem p = evaltest::randomProblem(24, nItems, dim, variant == 4, seed);
  rf::Rng rng(seed, 1);
  if (variant == 1)
    for (int32_t i = 0; i < nItems; ++i)
      for (int32_t q = 0; q < dim; ++q)
        p.V[i * dim + q] = p.V[(i % 3) * dim + q] * (1.0f + 1e-6f * static_cast<float>(i % 13 < 4 ? 0 : i % 97));
  if (variant == 2) {
    for (int32_t i = 0; i < nItems; ++i) {
      const float s = static_cast<float>(std::pow(10.0, 8 * rng.uniform() - 4));
      for (int32_t q = 0; q < dim; ++q) p.V[i * dim + q] *= s;
    }
    for (int32_t q = 0; q < dim; ++q) p.V[7 * dim + q] = 1e24f * (q % 2 ? 1 : -1);
    for (auto& x : p.U) x *= 1e5f;
  }
  if (variant == 3) {
    for (int32_t i = 0; i < nItems; ++i)
      for (int32_t q = 0; q < dim; ++q) {
        float& x = p.V[i * dim + q];
        if (i % 11 == 0) x = 0;                                       // zero vectors
        else if (i % 11 == 1) x = 1e-41f * static_cast<float>(q % 5);  // subnormal
        else x = q == i % dim ? 1e3f : 1e-3f * x;                     // one spike
      }
    for (int32_t q = 0; q < dim; ++q) p.U[q] = q == 0 ? 1.0f : 1e-39f;  // a user with subnormal coordinates
  }
  if (variant == 5) {
    for (auto& x : p.U) x *= 1e20f;
    for (auto& x : p.V) x *= 1e17f;
  }
  if (variant == 6 || variant == 7) {
    const float f = variant == 6 ? 1e-18f : 1e-12f;
    for (auto& x : p.U) x *= f;
    for (auto& x : p.V) x *= f;
  }
  return p;
}

// Every float score S_i of the exact path (the tiled full-width ranking with k = all items).
std::vector<float> exactScores(const Problem& p, int32_t u) {
  rf::RetrievalSpec s;
  s.k = p.nItems;
  std::vector<int32_t> items(p.nItems);
  std::vector<float> scores(p.nItems), byItem(p.nItems);
  rf::retrieveTopK(p.users(), p.items(), &u, 1, s, items.data(), scores.data());
  for (int32_t r = 0; r < p.nItems; ++r) byItem[items[r]] = scores[r];
  return byItem;
}

}  // namespace

// The certificate itself: fl(A_i - E_i) <= S_i <= fl(A_i + E_i) for every item and user, with S_i
// the exact path's float score, and |A_i - u.x_i| <= E_i against the double dot product, on every
// adversarial table and widths that take each kernel variant (G = 16, 8 and the generic loop).
TEST(retrieve_int8_bound_is_sound) {
  int checked = 0;
  double worst = 0;  // the largest |A - S| / E seen (must stay <= 1)
  for (int variant = 0; variant < 8; ++variant)
    for (int32_t dim : {64, 32, 19, 3, 130}) {
      const Problem p = adversarial(variant, 301, dim, 70 + variant * 7 + dim);
      const rf::PackedItems packed(p.items());
      CHECK(packed.quantBlocks() != nullptr);
      std::vector<float> A(p.nItems), E(p.nItems);
      for (int32_t u = 0; u < p.nUsers; ++u) {
        const bool ok = rf::quantScoreBounds(packed, p.U.data() + u * dim, A.data(), E.data());
        CHECK_EQ(ok, variant != 5 && variant != 6);  // 5 could overflow, 6 underflow: the route declines
        if (!ok) continue;
        const std::vector<float> S = exactScores(p, u);
        for (int32_t i = 0; i < p.nItems; ++i) {
          const float hi = A[i] + E[i], lo = A[i] - E[i];
          const double ex = dotPrefix(p, u, i, dim);
          if (!(lo <= S[i] && S[i] <= hi) || !(std::fabs(A[i] - ex) <= E[i]))
            rftest::failAt(__FILE__, __LINE__, "variant " + std::to_string(variant) + " d" + std::to_string(dim) + " user " +
                                                   std::to_string(u) + " item " + std::to_string(i) + ": S " +
                                                   std::to_string(S[i]) + " outside [" + std::to_string(lo) + ", " +
                                                   std::to_string(hi) + "]");
          if (E[i] > 0) worst = std::max(worst, std::fabs(A[i] - static_cast<double>(S[i])) / E[i]);
          ++checked;
        }
      }
    }
  CHECK(checked > 100000);
  CHECK(worst <= 1.0);
}

// The bound is useful, not just sound: on a standard normal table at d = 64 it is within a few
// percent of ||u|| ||x|| (so the scan skips nearly every item).
TEST(retrieve_int8_bound_is_tight_on_normal_data) {
  const Problem p = evaltest::randomProblem(8, 500, 64, false, 91);
  const rf::PackedItems packed(p.items());
  std::vector<float> A(p.nItems), E(p.nItems);
  for (int32_t u = 0; u < p.nUsers; ++u) {
    CHECK(rf::quantScoreBounds(packed, p.U.data() + u * 64, A.data(), E.data()));
    double un = 0;
    for (int q = 0; q < 64; ++q) un += static_cast<double>(p.U[u * 64 + q]) * p.U[u * 64 + q];
    for (int32_t i = 0; i < p.nItems; ++i) {
      double xn = 0;
      for (int q = 0; q < 64; ++q) xn += static_cast<double>(p.V[i * 64 + q]) * p.V[i * 64 + q];
      CHECK(E[i] < 0.05 * std::sqrt(un * xn));
    }
  }
}

// Every route (forced), on every adversarial table, with exclusions and a deny list, returns
// exactly the exact path's top-k: the same items (ties to the lower id) and bit-identical scores;
// on integer-valued tables also the double-precision reference's items.
TEST(retrieve_one_every_route_exact_on_adversarial_tables) {
  const rf::ServingScan routes[] = {rf::ServingScan::kFloat, rf::ServingScan::kBf16, rf::ServingScan::kInt8,
                                    rf::ServingScan::kAuto};
  for (int variant = 0; variant < 8; ++variant)
    for (int32_t dim : {64, 19}) {
      const Problem p = adversarial(variant, 1003, dim, 80 + variant * 3 + dim);
      const rf::PackedItems packed(p.items(), 2);
      std::vector<int32_t> q, deny;
      for (int32_t u = 0; u < p.nUsers; ++u) q.push_back(u);
      for (int32_t i = 0; i < p.nItems; i += 9) deny.push_back(i);
      deny.push_back(7);  // the huge item of variant 2
      std::sort(deny.begin(), deny.end());
      deny.erase(std::unique(deny.begin(), deny.end()), deny.end());
      for (int32_t k : {1, 10, 64}) {
        for (int withDeny = 0; withDeny < 2; ++withDeny) {
          rf::RetrievalSpec s;
          s.k = k, s.exclude = &p.train;
          if (withDeny) s.deny = deny.data(), s.nDeny = static_cast<int64_t>(deny.size());
          const Lists tiled = run(p, q, s);
          const Lists want = variant == 4 ? naive(p, q, s) : tiled;
          for (rf::ServingScan r : routes) {
            rf::setServingScan(r);
            const Lists one = runOne(p, packed, q, s);
            rf::setServingScan(rf::ServingScan::kAuto);
            const std::string what = "variant " + std::to_string(variant) + " d" + std::to_string(dim) + " k" +
                                     std::to_string(k) + " route " + std::to_string(static_cast<int>(r));
            if (one.items != tiled.items || one.items != want.items) rftest::failAt(__FILE__, __LINE__, what + ": items");
            if (std::memcmp(one.scores.data(), tiled.scores.data(), sizeof(float) * one.scores.size()) != 0)
              rftest::failAt(__FILE__, __LINE__, what + ": scores differ bitwise");
          }
        }
      }
    }
}

// Tables the int8 route must refuse (a value too large to certify), and the route names.
TEST(retrieve_int8_route_availability) {
  Problem p = evaltest::randomProblem(2, 40, 8, false, 95);
  {
    const rf::PackedItems packed(p.items());
    CHECK(packed.quantBlocks() != nullptr);
    CHECK(std::string(rf::servingScanName(packed)) == (rf::quantScanSupported() ? "int8" : "bf16"));
  }
  p.V[3] = 3e31f;
  const rf::PackedItems packed(p.items());
  CHECK(packed.quantBlocks() == nullptr);
  CHECK(std::string(rf::servingScanName(packed)) == "float");
  std::vector<float> A(40), E(40);
  CHECK(!rf::quantScoreBounds(packed, p.U.data(), A.data(), E.data()));
}
