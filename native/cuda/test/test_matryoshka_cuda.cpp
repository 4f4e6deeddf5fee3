// MRL4Rec on the GPU against the CPU core on the same inputs: prefix dots, Matryoshka negative
// selection (bitwise, on tables whose scores are exact in float so every summation order gives the
// same bits, ties included) and the nested BPR loss / gradient (to float rounding).
#include <algorithm>
#include <cmath>
#include <vector>

#include "gpu_test.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cuda/matryoshka.hpp"
#include "recforge/matryoshka.hpp"

namespace {

using Mode = rf::MatryoshkaMode;
const Mode kModes[] = {Mode::kMns, Mode::kShared, Mode::kDns};

// Entries k / 8 with integer k in [-8, 8]: every product is a multiple of 1/64 and every prefix
// sum of up to 72 of them stays below 2^7, so dots are exact in float in any order.
std::vector<float> dyadicTable(int64_t rows, int32_t d, uint64_t seed) {
  rf::Rng rng(seed, 9);
  std::vector<float> t(static_cast<size_t>(rows) * d);
  for (auto& v : t) v = static_cast<float>(static_cast<int>(rng.below(17)) - 8) / 8.0f;
  return t;
}

// max |a - b| / max |b| (gradients are small: an absolute scale of 1 would hide real errors).
double relDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double scale = 0, worst = 0;
  for (float v : b) scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - double(b[i]));
    if (!(d <= worst)) worst = d;
  }
  return scale > 0 ? worst / scale : worst;
}

struct Setup {
  int32_t m = 30, n = 45, d = 72;  // two warp chunks plus a partial one; levels not multiples of 8
  rftest::SmallGraph s = rftest::randomGraph(m, n, 0.25, 41);
  rf::PositiveSet pos{s.g.userItems};
  rf::NegativeSampler sampler{pos, rf::NegativeKind::kUniform};
  std::vector<float> fin;
  rf::MatryoshkaLevels lv;
  Setup(bool dyadic = true) {
    fin = dyadic ? dyadicTable(m + n, d, 42) : rftest::randomTable(m + n, d, 1.0, 42);
    lv.dims = {3, 8, 20, 50, 72};
    lv.candidates = 6;
  }
  int64_t size() const { return static_cast<int64_t>(s.users.size()); }
  rf::MatryoshkaSampleOptions options() const {
    rf::MatryoshkaSampleOptions o;
    o.seed = 11, o.epoch = 2, o.firstTriple = 500, o.threads = 2;
    return o;
  }
  std::vector<int32_t> cpu(Mode mode) const {
    std::vector<int32_t> out(size() * rf::negativesPerTriple(mode, lv));
    rf::sampleMatryoshkaNegatives(s.users.data(), s.items.data(), size(), sampler, m, n, fin.data(), d, lv, mode,
                                  options(), out.data());
    return out;
  }
  std::vector<int32_t> candidates(Mode mode) const {
    std::vector<int32_t> c(size() * rf::negativesPerTriple(mode, lv) * lv.candidates);
    rf::cuda::drawMatryoshkaCandidates(s.users.data(), s.items.data(), size(), sampler, m, n, lv, mode, options(),
                                       c.data());
    return c;
  }
  double score(int32_t u, int32_t item, int32_t width) const {
    double v = 0;
    for (int32_t j = 0; j < width; ++j) v += double(fin[u * d + j]) * fin[(m + item) * d + j];
    return v;
  }
  int32_t width(Mode mode, int32_t k) const { return mode == Mode::kMns ? lv.dims[k] : lv.dims.back(); }
};

}  // namespace

TEST(cuda_matryoshka_candidates_are_the_cpu_draws) {
  // Host only: the CPU rule applied to drawMatryoshkaCandidates' lists (exact double scores of a
  // dyadic table, first maximum) reproduces the CPU sampler's choices, ties included.
  Setup s;
  for (Mode mode : kModes) {
    const auto cand = s.candidates(mode);
    const int32_t groups = rf::negativesPerTriple(mode, s.lv), N = s.lv.candidates;
    std::vector<int32_t> picked;
    for (int64_t q = 0; q < s.size(); ++q)
      for (int32_t k = 0; k < groups; ++k) {
        const int32_t* g = &cand[(q * groups + k) * N];
        int32_t best = g[0];
        for (int32_t c = 1; c < N; ++c)
          if (s.score(s.s.users[q], g[c], s.width(mode, k)) > s.score(s.s.users[q], best, s.width(mode, k))) best = g[c];
        picked.push_back(best);
      }
    CHECK(picked == s.cpu(mode));
    for (size_t i = 0; i < cand.size(); ++i) CHECK(cand[i] >= 0 && cand[i] < s.n);
  }
}

TEST(cuda_matryoshka_rejects_too_many_levels_and_bad_ids_on_the_host) {
  rf::MatryoshkaLevels lv;
  for (int32_t k = 1; k <= rf::cuda::kMaxMatryoshkaLevels + 1; ++k) lv.dims.push_back(k);
  const std::vector<float> table(2 * 40, 0.5f);
  CHECK_THROWS_CODE(rf::cuda::prefixDotsBatch(table, 40, {0}, {1}, lv), rf::code::kInvalidArgument);
  Setup s;
  std::vector<int32_t> users = s.s.users, items = s.s.items;
  users[2] = s.m;
  std::vector<int32_t> c(s.size() * 5 * s.lv.candidates);
  CHECK_THROWS_CODE(rf::cuda::drawMatryoshkaCandidates(users.data(), items.data(), s.size(), s.sampler, s.m, s.n, s.lv,
                                                       Mode::kMns, {}, c.data()),
                    rf::code::kOutOfRange);
}

TEST(cuda_prefix_dots_match_cpu) {
  REQUIRE_GPU();
  for (bool dyadic : {true, false}) {
    Setup s(dyadic);
    const int32_t rows = s.m + s.n;
    std::vector<int32_t> a, b;
    rf::Rng rng(3, 4);
    for (int i = 0; i < 777; ++i) a.push_back(int32_t(rng.below(rows))), b.push_back(int32_t(rng.below(rows)));
    const auto lv = rf::validateLevels(s.lv, s.d);
    std::vector<float> want(a.size() * lv.dims.size());
    rf::prefixDotsBatch(s.fin.data(), s.d, a.data(), b.data(), int64_t(a.size()), lv, want.data(), 2);
    const auto got = rf::cuda::prefixDotsBatch(s.fin, s.d, a, b, lv);
    if (dyadic)
      CHECK(got == want);  // exact sums: any order gives the same bits
    else
      CHECK_CLOSE_VEC(got, want, 1e-5);
  }
}

TEST(cuda_prefix_dots_reject_rows_outside_the_table) {
  REQUIRE_GPU();
  Setup s;
  CHECK_THROWS_CODE(rf::cuda::prefixDotsBatch(s.fin, s.d, {0, 1}, {2, s.m + s.n}, s.lv), rf::code::kOutOfRange);
}

TEST(cuda_matryoshka_negatives_match_cpu_bitwise) {
  REQUIRE_GPU();
  Setup s;  // dyadic: exact scores, many exact ties between candidates
  for (Mode mode : kModes) {
    const auto got = rf::cuda::selectMatryoshkaNegatives(s.s.users, s.candidates(mode), s.m, s.n, s.fin, s.d, s.lv, mode);
    CHECK(got == s.cpu(mode));
  }
}

TEST(cuda_matryoshka_negatives_ties_keep_the_first_drawn) {
  REQUIRE_GPU();
  Setup s;
  for (int32_t i = 0; i < s.n; ++i)
    for (int32_t j = 0; j < s.d; ++j) s.fin[(s.m + i) * s.d + j] = 0.375f;
  const auto cand = s.candidates(Mode::kMns);
  const auto got = rf::cuda::selectMatryoshkaNegatives(s.s.users, cand, s.m, s.n, s.fin, s.d, s.lv, Mode::kMns);
  const int32_t N = s.lv.candidates;
  for (size_t w = 0; w < got.size(); ++w) CHECK_EQ(got[w], cand[w * N]);
  CHECK(got == s.cpu(Mode::kMns));
}

TEST(cuda_matryoshka_negatives_on_random_scores_pick_a_maximum) {
  REQUIRE_GPU();
  // General floats: the GPU and CPU sum in different orders, so a choice may differ only between
  // candidates whose scores agree to float rounding.
  Setup s(false);
  for (Mode mode : kModes) {
    const auto cand = s.candidates(mode);
    const auto got = rf::cuda::selectMatryoshkaNegatives(s.s.users, cand, s.m, s.n, s.fin, s.d, s.lv, mode);
    const auto want = s.cpu(mode);
    const int32_t groups = rf::negativesPerTriple(mode, s.lv);
    int64_t differ = 0;
    for (size_t w = 0; w < got.size(); ++w) {
      if (got[w] == want[w]) continue;
      ++differ;
      const int32_t u = s.s.users[w / groups], width = s.width(mode, int32_t(w % groups));
      CHECK_NEAR(s.score(u, got[w], width), s.score(u, want[w], width), 1e-4);
    }
    CHECK(differ * 100 <= int64_t(got.size()));
  }
}

TEST(cuda_matryoshka_negatives_reject_bad_candidates) {
  REQUIRE_GPU();
  Setup s;
  auto cand = s.candidates(Mode::kDns);
  cand[7] = s.n;
  CHECK_THROWS_CODE(rf::cuda::selectMatryoshkaNegatives(s.s.users, cand, s.m, s.n, s.fin, s.d, s.lv, Mode::kDns),
                    rf::code::kOutOfRange);
}

namespace {

struct LossCase {
  int32_t m = 17, n = 11, d = 40, b = 300;  // few items: hot rows with long contribution lists
  std::vector<int32_t> users, pos, mnsNegs, oneNeg;
  std::vector<float> fin = rftest::randomTable(m + n, d, 0.6, 51), ego = rftest::randomTable(m + n, d, 0.4, 52);
  rf::MatryoshkaLevels lv;
  LossCase() {
    lv.dims = {2, 5, 16, 33, 40};
    lv.weights = {0.5, 0.1, 0.2, 0.7, 0.25};
    rf::Rng rng(53, 1);
    for (int32_t q = 0; q < b; ++q) {
      users.push_back(int32_t(rng.below(m)));
      pos.push_back(int32_t(rng.below(n)));
      oneNeg.push_back(int32_t(rng.below(n)));
      for (size_t k = 0; k < lv.dims.size(); ++k) mnsNegs.push_back(int32_t(rng.below(n)));
    }
  }
  const std::vector<int32_t>& negs(Mode mode) const { return mode == Mode::kMns ? mnsNegs : oneNeg; }
};

}  // namespace

TEST(cuda_matryoshka_loss_and_gradient_match_cpu) {
  REQUIRE_GPU();
  LossCase c;
  const double lambda = 0.05, regDiv = 256.0;
  for (Mode mode : kModes) {
    const auto lv = rf::validateLevels(c.lv, c.d);
    const int32_t per = rf::negativesPerTriple(mode, lv);
    rf::BprBatch batch;
    rf::mapMatryoshkaBatch(c.users.data(), c.pos.data(), c.negs(mode).data(), c.b, per, c.m, c.n, batch);
    const int64_t rows = int64_t(batch.rows.size());
    std::vector<float> finB(rows * c.d), grad(rows * c.d), reg(rows);
    for (int64_t q = 0; q < rows; ++q)
      std::copy(&c.fin[batch.rows[q] * c.d], &c.fin[(batch.rows[q] + 1) * c.d], &finB[q * c.d]);
    const auto want = rf::matryoshkaLossGrad(c.b, batch, finB.data(), c.ego.data(), c.d, lv, mode, lambda, regDiv,
                                             grad.data(), reg.data(), 2);
    std::vector<float> gGrad, gReg;
    const auto got = rf::cuda::matryoshkaLossGrad(c.b, batch, finB, c.ego, c.d, lv, mode, lambda, regDiv, gGrad, gReg);
    CHECK_NEAR(got.loss, want.loss, 1e-5 * std::fabs(want.loss));
    CHECK_NEAR(got.rank, want.rank, 1e-5 * std::fabs(want.rank));
    CHECK_NEAR(got.reg, want.reg, 1e-5 * std::fabs(want.reg));
    CHECK_EQ(got.levelBpr.size(), want.levelBpr.size());
    for (size_t t = 0; t < want.levelBpr.size(); ++t)
      CHECK_NEAR(got.levelBpr[t], want.levelBpr[t], 1e-5 * std::fabs(want.levelBpr[t]));
    const double gd = relDiff(gGrad, grad);
    if (!(gd <= 1e-5)) rftest::failAt(__FILE__, __LINE__, "gradient differs from the CPU: " + std::to_string(gd));
    CHECK(gReg == reg);  // lambda / regDivisor * count, the same float operations
    // Deterministic: a second run gives the same bits.
    std::vector<float> gGrad2, gReg2;
    const auto again = rf::cuda::matryoshkaLossGrad(c.b, batch, finB, c.ego, c.d, lv, mode, lambda, regDiv, gGrad2, gReg2);
    CHECK(gGrad2 == gGrad);
    CHECK(again.loss == got.loss);
  }
}

TEST(cuda_matryoshka_loss_device_api_reuses_its_workspace) {
  REQUIRE_GPU();
  // Two batches of different sizes through one workspace (grow, then reuse larger buffers).
  LossCase c;
  rf::cuda::MatryoshkaWorkspace ws;
  for (int32_t b : {300, 40}) {
    rf::BprBatch batch;
    rf::mapMatryoshkaBatch(c.users.data(), c.pos.data(), c.mnsNegs.data(), b, 5, c.m, c.n, batch);
    const int64_t rows = int64_t(batch.rows.size());
    std::vector<float> finB(rows * c.d), grad(rows * c.d), reg(rows);
    for (int64_t q = 0; q < rows; ++q)
      std::copy(&c.fin[batch.rows[q] * c.d], &c.fin[(batch.rows[q] + 1) * c.d], &finB[q * c.d]);
    const auto want = rf::matryoshkaLossGrad(b, batch, finB.data(), c.ego.data(), c.d, c.lv, Mode::kMns, 0.1, b,
                                             grad.data(), reg.data(), 1);
    rf::cuda::DeviceBuffer<int32_t> dSlots(batch.slots), dRows(batch.rows);
    rf::cuda::DeviceBuffer<float> dFin(finB), dEgo(c.ego), dGrad(rows * c.d), dReg(rows);
    const auto got = rf::cuda::matryoshkaLossGrad(b, dSlots.data(), dRows.data(), rows, dFin.data(), dEgo.data(),
                                                  c.m + c.n, c.d, c.lv, Mode::kMns, 0.1, b, dGrad.data(), dReg.data(), ws);
    CHECK_NEAR(got.loss, want.loss, 1e-5 * want.loss);
    CHECK(relDiff(dGrad.toHost(), grad) <= 1e-5);
    CHECK(dReg.toHost() == reg);
  }
}

TEST(cuda_matryoshka_loss_rejects_bad_slots) {
  REQUIRE_GPU();
  LossCase c;
  rf::BprBatch batch;
  rf::mapMatryoshkaBatch(c.users.data(), c.pos.data(), c.oneNeg.data(), c.b, 1, c.m, c.n, batch);
  const int64_t rows = int64_t(batch.rows.size());
  std::vector<float> finB(rows * c.d, 0.1f), g, r;
  batch.slots[10] = int32_t(rows);
  CHECK_THROWS_CODE(rf::cuda::matryoshkaLossGrad(c.b, batch, finB, c.ego, c.d, c.lv, Mode::kDns, 0.1, 1.0, g, r),
                    rf::code::kOutOfRange);
}
