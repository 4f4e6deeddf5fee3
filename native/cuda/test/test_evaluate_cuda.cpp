// The GPU evaluator against the CPU one and against an independent reference of the top-K lists
// (fp32 scores summed with one fma per coordinate in order, as both backends do; every unmasked
// item sorted by score desc, id asc; NaN as -inf). Shapes cover dims that are not multiples of
// 4/16, item counts that are not multiples of the 128-item tile, a single item, users with fewer
// unmasked items than k (or none), k large enough for the selection's global-memory path,
// several user chunks, ties, infinite and NaN scores and the argument errors.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <set>
#include <string>

#include "eval_reference.hpp"
#include "expect_error.hpp"
#include "gpu_test.hpp"
#include "../src/evaluate_kernels.cuh"  // host-only launcher declarations, for the kernel-level NaN test
#include "recforge/cuda/evaluate.hpp"

using evaltest::Problem;

namespace {

bool masked(const rf::Csr* m, int32_t u, int32_t i) { return m && m->contains(u, i); }

// The lists the evaluator must produce, computed naively on the host.
rf::cuda::TopKLists referenceTopK(const float* U, const float* V, int32_t dim, int32_t width, int32_t nItems,
                                  const rf::Csr& truth, const rf::Csr* mask, const rf::Csr* extra, int32_t k) {
  rf::cuda::TopKLists out;
  out.k = k;
  for (int32_t u = 0; u < truth.rows; ++u) {
    if (truth.degree(u) == 0) continue;
    out.users.push_back(u);
    std::vector<std::pair<float, int32_t>> all;
    for (int32_t i = 0; i < nItems; ++i) {
      if (masked(mask, u, i) || masked(extra, u, i)) continue;
      float s = 0.0f;
      for (int32_t p = 0; p < width; ++p)
        s = std::fma(U[static_cast<size_t>(u) * dim + p], V[static_cast<size_t>(i) * dim + p], s);
      if (s != s) s = -INFINITY;
      all.push_back({s, i});
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (int32_t r = 0; r < k; ++r) {
      const bool real = r < static_cast<int32_t>(all.size());
      out.items.push_back(real ? all[r].second : -1);
      out.scores.push_back(real ? all[r].first : -INFINITY);
    }
  }
  return out;
}

void checkSameLists(const rf::cuda::TopKLists& got, const rf::cuda::TopKLists& want, const char* where) {
  CHECK(got.users == want.users);
  CHECK_EQ(got.k, want.k);
  CHECK_EQ(got.items.size(), want.items.size());
  CHECK_EQ(got.scores.size(), want.scores.size());
  for (size_t x = 0; x < want.items.size(); ++x)
    if (got.items[x] != want.items[x] || !(got.scores[x] == want.scores[x])) {
      const size_t u = x / want.k, r = x % want.k;
      rftest::failAt(__FILE__, __LINE__,
                     std::string(where) + ": user " + std::to_string(want.users[u]) + " rank " + std::to_string(r) +
                         ": item " + std::to_string(got.items[x]) + " (" + std::to_string(got.scores[x]) +
                         ") vs " + std::to_string(want.items[x]) + " (" + std::to_string(want.scores[x]) + ")");
    }
}

void checkSameMetrics(const rf::EvalResult& got, const rf::EvalResult& want, const char* where) {
  CHECK(got.users == want.users);
  CHECK(got.ks == want.ks);
  for (int m = 0; m < rf::kMetricCount; ++m)
    for (size_t k = 0; k < want.ks.size(); ++k) {
      const auto& a = got.perUser[m][k];
      const auto& b = want.perUser[m][k];
      CHECK_EQ(a.size(), b.size());
      for (size_t u = 0; u < b.size(); ++u)
        if (!(std::fabs(double(a[u]) - double(b[u])) <= 1e-6))
          rftest::failAt(__FILE__, __LINE__,
                         std::string(where) + ": " + rf::metricName(rf::Metric(m)) + "@" + std::to_string(want.ks[k]) +
                             " user " + std::to_string(want.users[u]) + ": " + std::to_string(a[u]) + " vs " +
                             std::to_string(b[u]));
      CHECK_NEAR(got.mean[m][k], want.mean[m][k], 1e-6);
    }
}

// GPU metrics = CPU metrics, GPU lists = reference lists, for one problem and spec.
void checkProblem(const Problem& p, const rf::EvalSpec& spec, const std::string& name) {
  const rf::EvalResult cpu = rf::evaluateEmbeddings(p.users(), p.items(), spec);
  const rf::EvalResult gpu = rf::cuda::evaluateEmbeddings(p.users(), p.items(), spec);
  checkSameMetrics(gpu, cpu, name.c_str());
  const int32_t maxK = *std::max_element(spec.ks.begin(), spec.ks.end());
  const rf::cuda::TopKLists lists = rf::cuda::topK(p.users(), p.items(), spec);
  checkSameLists(lists, referenceTopK(p.U.data(), p.V.data(), p.dim, p.dim, p.nItems, p.truth, spec.mask, spec.extraMask, maxK),
                 name.c_str());
}

std::string shapeName(const char* what, int32_t users, int32_t items, int32_t dim) {
  return std::string(what) + " " + std::to_string(users) + "x" + std::to_string(items) + " d=" + std::to_string(dim);
}

struct Shape {
  int32_t users, items, dim;
};
const Shape kShapes[] = {{101, 1100, 1}, {101, 1100, 3}, {101, 1100, 16}, {101, 1100, 64}, {101, 1100, 67},
                         {300, 129, 5},  {150, 128, 33}, {60, 2, 130},    {200, 257, 4}};

std::vector<int32_t> cutoffsFor(int32_t nItems, bool many) {
  std::vector<int32_t> ks;
  const int32_t wanted[] = {20, 1, 5, 37, 700};
  for (int32_t k : wanted)
    if (k <= nItems && (many || k <= 20)) ks.push_back(k);
  if (many && std::find(ks.begin(), ks.end(), nItems) == ks.end()) ks.push_back(nItems);
  return ks;
}

}  // namespace

// Integer-valued embeddings: exact scores whatever the summation, and many ties, so lists and
// metrics must match exactly; k up to nItems (lists padded where masks leave fewer items).
TEST(cuda_eval_matches_cpu_exact_scores) {
  REQUIRE_GPU();
  for (const Shape& s : kShapes) {
    const Problem p = evaltest::randomProblem(s.users, s.items, s.dim, true, 100 + s.dim + s.items);
    const rf::EvalSpec spec{&p.truth, &p.train, &p.extra, cutoffsFor(s.items, true), 2};
    checkProblem(p, spec, shapeName("exact", s.users, s.items, s.dim));
  }
}

// Gaussian embeddings: the GPU sums like the reference (fma per coordinate, in order), so its
// lists equal the reference exactly; the CPU's FMA kernels sum the same way too.
TEST(cuda_eval_matches_cpu_real_scores) {
  REQUIRE_GPU();
  for (const Shape& s : kShapes) {
    const Problem p = evaltest::randomProblem(s.users, s.items, s.dim, false, 200 + s.dim + s.items);
    const rf::EvalSpec spec{&p.truth, &p.train, &p.extra, cutoffsFor(s.items, false), 2};
    checkProblem(p, spec, shapeName("real", s.users, s.items, s.dim));
  }
}

TEST(cuda_eval_without_masks_and_single_item) {
  REQUIRE_GPU();
  const Problem p = evaltest::randomProblem(90, 300, 8, true, 7);
  checkProblem(p, rf::EvalSpec{&p.truth, nullptr, nullptr, {10, 300}, 1}, "no masks");
  checkProblem(p, rf::EvalSpec{&p.truth, nullptr, &p.extra, {10, 299}, 1}, "extra only");
  // One item: every user has it as truth; the odd users have it masked (an empty list).
  Problem q = evaltest::randomProblem(9, 1, 3, false, 8);
  std::vector<std::set<int32_t>> truth(9, {0}), mask(9);
  for (int32_t u = 1; u < 9; u += 2) mask[u] = {0};
  q.truth = evaltest::csrFromSets(truth, 1);
  q.train = evaltest::csrFromSets(mask, 1);
  checkProblem(q, rf::EvalSpec{&q.truth, &q.train, nullptr, {1}, 1}, "one item");
}

// k > 4096: the selection keeps its keys in global scratch instead of shared memory. Integer
// scores, so many ties straddle the k-th place.
TEST(cuda_eval_large_k_uses_global_scratch) {
  REQUIRE_GPU();
  const Problem p = evaltest::randomProblem(40, 5000, 2, true, 9);
  checkProblem(p, rf::EvalSpec{&p.truth, &p.train, &p.extra, {10, 4500, 5000}, 2}, "large k");
}

// Users whose masks leave 0..4 items: the lists are shorter than k (padded with -1), as the CPU's.
TEST(cuda_eval_users_with_almost_everything_masked) {
  REQUIRE_GPU();
  const int32_t n = 300;
  Problem p = evaltest::randomProblem(60, n, 6, true, 12);
  std::vector<std::set<int32_t>> truth(p.nUsers), train(p.nUsers), extra(p.nUsers);
  rf::Rng rng(5, 0);
  for (int32_t u = 0; u < p.nUsers; ++u) {
    const int32_t left = u % 4 == 0 ? u % 5 : n;  // unmasked items of a crowded user
    for (int32_t i = 0; i < n; ++i) {
      if (i >= left && u % 4 == 0) (i % 3 ? train : extra)[u].insert(i);
      if (rng.uniform() < 0.05) truth[u].insert(i);
    }
    truth[u].insert(static_cast<int32_t>(u % 5));  // at least one relevant item, sometimes reachable
  }
  p.truth = evaltest::csrFromSets(truth, n);
  p.train = evaltest::csrFromSets(train, n);
  p.extra = evaltest::csrFromSets(extra, n);
  checkProblem(p, rf::EvalSpec{&p.truth, &p.train, &p.extra, {20, 3}, 2}, "crowded masks");
}

// Every score equal: the ranking is item id order (the CPU evaluator's hand-checked case).
TEST(cuda_eval_ties_rank_lower_item_id_first) {
  REQUIRE_GPU();
  const int32_t n = 1500, dim = 3;
  const rf::Csr t = evaltest::csrFromSets({{1030}, {2, 1499}}, n);
  const std::vector<float> U(2 * dim, 0.5f), V(static_cast<size_t>(n) * dim, 1.0f);
  const rf::MatrixView users{U.data(), 2, dim}, items{V.data(), n, dim};
  const rf::EvalSpec spec{&t, nullptr, nullptr, {1031, 3}, 2};
  const rf::EvalResult r = rf::cuda::evaluateEmbeddings(users, items, spec);
  CHECK_NEAR(r.values(rf::Metric::Mrr, 0)[0], 1.0 / 1031, 1e-9);
  CHECK_NEAR(r.values(rf::Metric::Mrr, 1)[0], 0.0, 0);
  CHECK_NEAR(r.values(rf::Metric::Mrr, 1)[1], 1.0 / 3, 1e-7);
  CHECK_NEAR(r.values(rf::Metric::Recall, 0)[1], 0.5, 1e-7);
  checkSameMetrics(r, rf::evaluateEmbeddings(users, items, spec), "ties");
  const rf::cuda::TopKLists lists = rf::cuda::topK(users, items, spec);
  for (int32_t u = 0; u < 2; ++u)
    for (int32_t x = 0; x < 1031; ++x) {
      CHECK_EQ(lists.items[u * 1031 + x], x);
      CHECK_EQ(lists.scores[u * 1031 + x], 1.5f);
    }
}

// Overflowing scores: with one fma per coordinate a finite table gives +-inf but never NaN
// (fma(a, b, +-inf) = +-inf for finite a, b), on both backends. -inf scores tie by id and stay
// distinct from masked items, which are never listed.
TEST(cuda_eval_infinite_scores_rank_like_cpu) {
  REQUIRE_GPU();
  const float B = 1e30f;
  const std::vector<float> U = {B, B, B, B};
  // Scores for (B, B): +inf, 2e30, -inf, -inf, -2e30.
  const std::vector<float> V = {B, -B, 1, 1, -B, -B, -B, B, -1, -1};
  const rf::MatrixView users{U.data(), 2, 2}, items{V.data(), 5, 2};
  const rf::Csr truth = evaltest::csrFromSets({{3}, {2}}, 5);
  const rf::Csr mask = evaltest::csrFromSets({{}, {1, 4}}, 5);
  const rf::EvalSpec spec{&truth, &mask, nullptr, {5, 2}, 1};
  const rf::cuda::TopKLists lists = rf::cuda::topK(users, items, spec);
  CHECK(lists.items == (std::vector<int32_t>{0, 1, 4, 2, 3, 0, 2, 3, -1, -1}));
  const std::vector<float> scores = {INFINITY, 2e30f, -2e30f, -INFINITY, -INFINITY,
                                     INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  CHECK(lists.scores == scores);
  const rf::EvalResult gpu = rf::cuda::evaluateEmbeddings(users, items, spec);
  CHECK_NEAR(gpu.values(rf::Metric::Mrr, 0)[0], 1.0 / 5, 1e-7);
  CHECK_NEAR(gpu.values(rf::Metric::Mrr, 0)[1], 1.0 / 2, 1e-7);
  checkSameMetrics(gpu, rf::evaluateEmbeddings(users, items, spec), "inf");
}

// A NaN sum (only reachable by bypassing the finite check, as here through the kernels' own
// launchers) is stored as -inf and ranks like -inf, ties by id; a masked item is never listed.
TEST(cuda_eval_kernels_rank_nan_sums_like_minus_inf) {
  REQUIRE_GPU();
  using namespace rf::cuda;
  const float inf = INFINITY;
  // Scores for (1, 1): 1, NaN, inf - inf = NaN, -1, -inf.
  const DeviceBuffer<float> dU(std::vector<float>{1, 1}), dV(std::vector<float>{1, 0, NAN, 0, inf, -inf, -1, 0, -inf, 0});
  const DeviceBuffer<int32_t> rows(std::vector<int32_t>{0});
  const int64_t ld = evalk::kTileItems;
  DeviceBuffer<float> scores(static_cast<size_t>(evalk::kTileUsers) * ld);
  DeviceBuffer<int32_t> items(5);
  DeviceBuffer<float> top(5);
  evalk::launchScores(dU.data(), 2, rows.data(), 1, dV.data(), 2, 5, 2, scores.data(), ld);
  const std::vector<float> s = scores.toHost();
  CHECK(s[0] == 1.0f && s[1] == -inf && s[2] == -inf && s[3] == -1.0f && s[4] == -inf);
  evalk::launchSelect(scores.data(), ld, 5, 1, 5, nullptr, items.data(), top.data());
  CHECK(items.toHost() == (std::vector<int32_t>{0, 3, 1, 2, 4}));
  // Item 2 masked.
  const DeviceBuffer<int64_t> ptr(std::vector<int64_t>{0, 1});
  const DeviceBuffer<int32_t> idx(std::vector<int32_t>{2});
  evalk::launchMask(rows.data(), 1, ptr.data(), idx.data(), nullptr, nullptr, scores.data(), ld);
  evalk::launchSelect(scores.data(), ld, 5, 1, 5, nullptr, items.data(), top.data());
  CHECK(items.toHost() == (std::vector<int32_t>{0, 3, 1, 4, -1}));
  CHECK(top.toHost() == (std::vector<float>{1, -1, -inf, -inf, -inf}));
}

// Several user chunks (a tiny score buffer forces 128 users per chunk), device-resident tables
// evaluated twice with the masks uploaded once, progress per chunk and cancellation.
TEST(cuda_device_evaluator_chunks_and_reuse) {
  REQUIRE_GPU();
  const Problem p = evaltest::randomProblem(700, 900, 24, true, 13);
  const rf::EvalSpec spec{&p.truth, &p.train, &p.extra, {20, 50}, 2};
  const rf::EvalResult cpu = rf::evaluateEmbeddings(p.users(), p.items(), spec);
  rf::cuda::DeviceEvaluator ev(spec);
  CHECK_EQ(ev.nUsers(), 700);
  CHECK_EQ(ev.nItems(), 900);
  ev.setScoreBufferBytes(1);
  const rf::cuda::DeviceBuffer<float> dU(p.U, "users"), dV(p.V, "items");
  int calls = 0;
  double last = 0;
  rf::JobControl watch;
  watch.progress = [&](double f) { ++calls, last = f; };
  checkSameMetrics(ev.evaluate(dU.data(), dV.data(), 700, 900, 24, watch), cpu, "chunked");
  CHECK(calls >= 5);  // 600 evaluated users in chunks of 128
  CHECK_NEAR(last, 1.0, 1e-12);
  checkSameMetrics(ev.evaluate(dU.data(), dV.data(), 700, 900, 24), cpu, "chunked again");
  checkSameLists(ev.topK(dU.data(), dV.data(), 700, 900, 24),
                 referenceTopK(p.U.data(), p.V.data(), 24, 24, 900, p.truth, &p.train, &p.extra, 50), "chunked lists");
  std::atomic<bool> cancelled{true};
  rf::JobControl stop;
  stop.cancelled = &cancelled;
  CHECK_THROWS_CODE(ev.evaluate(dU.data(), dV.data(), 700, 900, 24, stop), rf::code::kAborted);
  // The evaluator stays usable after an abort.
  checkSameMetrics(ev.evaluate(dU.data(), dV.data(), 700, 900, 24), cpu, "after abort");
}

// Nested prefixes equal the CPU's, and each level equals a plain evaluation of truncated tables.
TEST(cuda_eval_prefixes_match_cpu) {
  REQUIRE_GPU();
  const std::vector<int32_t> dims = {1, 5, 16, 33};
  for (bool integerValued : {true, false}) {
    const Problem p = evaltest::randomProblem(150, 700, 33, integerValued, 21);
    const rf::EvalSpec spec{&p.truth, &p.train, &p.extra, {10, 40}, 2};
    const auto gpu = rf::cuda::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec);
    CHECK_EQ(gpu.size(), dims.size());
    if (integerValued) {
      const auto cpu = rf::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec);
      for (size_t l = 0; l < dims.size(); ++l) checkSameMetrics(gpu[l], cpu[l], "prefix vs cpu");
    }
    for (size_t l = 0; l < dims.size(); ++l) {
      std::vector<float> U, V;
      for (int32_t u = 0; u < p.nUsers; ++u) U.insert(U.end(), &p.U[u * 33], &p.U[u * 33] + dims[l]);
      for (int32_t i = 0; i < p.nItems; ++i) V.insert(V.end(), &p.V[i * 33], &p.V[i * 33] + dims[l]);
      const rf::EvalResult plain =
          rf::cuda::evaluateEmbeddings({U.data(), p.nUsers, dims[l]}, {V.data(), p.nItems, dims[l]}, spec);
      for (int m = 0; m < rf::kMetricCount; ++m) CHECK(gpu[l].perUser[m] == plain.perUser[m]);
    }
  }
}

// The host entry points run the CPU evaluator's checks before any device work, so they need no
// GPU: same error code and message as rf::evaluateEmbeddings for every bad argument.
TEST(cuda_eval_argument_errors_match_cpu) {
  const Problem p = evaltest::randomProblem(10, 40, 4, false, 1);
  auto same = [&](const rf::MatrixView& u, const rf::MatrixView& v, const rf::EvalSpec& s, const char* code) {
    const std::string a = ERROR_OF(rf::evaluateEmbeddings(u, v, s), code);
    const std::string b = ERROR_OF(rf::cuda::evaluateEmbeddings(u, v, s), code);
    CHECK_EQ(a, b);
    CHECK_EQ(ERROR_OF(rf::cuda::topK(u, v, s), code), a);
  };
  auto spec = [&](std::vector<int32_t> ks) { return rf::EvalSpec{&p.truth, &p.train, nullptr, ks, 1}; };
  for (const std::vector<int32_t>& ks : std::vector<std::vector<int32_t>>{{}, {0}, {-3}, {41}, {5, 5}})
    same(p.users(), p.items(), spec(ks), rf::code::kInvalidArgument);
  same({p.U.data(), 10, 3}, p.items(), spec({5}), rf::code::kShape);
  same({p.U.data(), 9, 4}, p.items(), spec({5}), rf::code::kShape);
  same(p.users(), {p.V.data(), 39, 4}, spec({5}), rf::code::kShape);
  same({p.U.data(), 10, 0}, {p.V.data(), 40, 0}, spec({5}), rf::code::kShape);
  const rf::Csr wide = evaltest::csrFromSets(std::vector<std::set<int32_t>>(10), 41);
  same(p.users(), p.items(), rf::EvalSpec{&p.truth, &wide, nullptr, {5}, 1}, rf::code::kShape);
  same(p.users(), p.items(), rf::EvalSpec{nullptr, nullptr, nullptr, {5}, 1}, rf::code::kInvalidArgument);
  std::vector<float> U = p.U, V = p.V;
  U[17] = NAN;
  same({U.data(), 10, 4}, p.items(), spec({5}), rf::code::kNonFinite);
  V[39 * 4 + 3] = -INFINITY;
  same(p.users(), {V.data(), 40, 4}, spec({5}), rf::code::kNonFinite);
  rf::Csr bad = p.train;
  bad.indices[0] = 40;
  same(p.users(), p.items(), rf::EvalSpec{&p.truth, &bad, nullptr, {5}, 1}, rf::code::kOutOfRange);
  const rf::Csr empty = evaltest::csrFromSets(std::vector<std::set<int32_t>>(10), 40);
  same(p.users(), p.items(), rf::EvalSpec{&empty, nullptr, nullptr, {5}, 1}, rf::code::kEmpty);
  for (const std::vector<int32_t>& dims : std::vector<std::vector<int32_t>>{{}, {0}, {2, 2}, {5}}) {
    const std::string a = ERROR_OF(rf::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec({5})),
                                   rf::code::kInvalidArgument);
    CHECK_EQ(ERROR_OF(rf::cuda::evaluateEmbeddingPrefixes(p.users(), p.items(), dims, spec({5})),
                      rf::code::kInvalidArgument),
             a);
  }
}

// The device-pointer entry: shapes against the spec, null tables, NaN/Inf found on the GPU (the
// CPU's message), no evaluable user.
TEST(cuda_device_evaluator_errors) {
  REQUIRE_GPU();
  const Problem p = evaltest::randomProblem(10, 40, 4, false, 1);
  CHECK_THROWS_CODE(rf::cuda::DeviceEvaluator(rf::EvalSpec{nullptr, nullptr, nullptr, {5}, 1}),
                    rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::cuda::DeviceEvaluator(rf::EvalSpec{&p.truth, nullptr, nullptr, {41}, 1}),
                    rf::code::kInvalidArgument);
  const rf::cuda::DeviceEvaluator ev(rf::EvalSpec{&p.truth, &p.train, nullptr, {5}, 1});
  std::vector<float> U = p.U;
  U[17] = NAN;
  const rf::cuda::DeviceBuffer<float> dU(p.U), dV(p.V), dBad(U);
  CHECK_THROWS_CODE(ev.evaluate(dU.data(), dV.data(), 9, 40, 4), rf::code::kShape);
  CHECK_THROWS_CODE(ev.evaluate(dU.data(), dV.data(), 10, 39, 4), rf::code::kShape);
  CHECK_THROWS_CODE(ev.evaluate(dU.data(), dV.data(), 10, 40, 0), rf::code::kShape);
  CHECK_THROWS_CODE(ev.evaluate(nullptr, dV.data(), 10, 40, 4), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(ev.topK(dU.data(), nullptr, 10, 40, 4), rf::code::kInvalidArgument);
  const std::string cpu = ERROR_OF(rf::evaluateEmbeddings({U.data(), 10, 4}, p.items(), rf::EvalSpec{&p.truth, &p.train, nullptr, {5}, 1}),
                                   rf::code::kNonFinite);
  CHECK_EQ(ERROR_OF(ev.evaluate(dBad.data(), dV.data(), 10, 40, 4), rf::code::kNonFinite), cpu);
  CHECK_THROWS_CODE(ev.evaluatePrefixes(dU.data(), dV.data(), 10, 40, 4, {3, 2}), rf::code::kInvalidArgument);
  const rf::Csr empty = evaltest::csrFromSets(std::vector<std::set<int32_t>>(10), 40);
  const rf::cuda::DeviceEvaluator none(rf::EvalSpec{&empty, nullptr, nullptr, {5}, 1});
  CHECK_THROWS_CODE(none.evaluate(dU.data(), dV.data(), 10, 40, 4), rf::code::kEmpty);
  // Still fine after the errors.
  checkSameMetrics(ev.evaluate(dU.data(), dV.data(), 10, 40, 4),
                   rf::evaluateEmbeddings(p.users(), p.items(), rf::EvalSpec{&p.truth, &p.train, nullptr, {5}, 1}),
                   "after errors");
}
