// Interact2Vec update kernels against naive references: the tabulated sigmoid, one SGNS update
// (word2vec's inner loop), the mini-batch BCE gradient (finite differences) and Keras's Adam.
#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "../src/interact2vec_internal.hpp"
#include "recforge/bpr.hpp"
#include "recforge/interact2vec_kernels.hpp"

TEST(interact2vec_sigmoid_table_is_close_and_clamped) {
  const rf::SigmoidTables& t = rf::sigmoidTables();
  for (double x = -5.999; x < 6; x += 0.0037) {
    CHECK_NEAR(rf::tabulatedSigmoid(t, static_cast<float>(x)), rf::sigmoid(x), 0.0015);
    CHECK_NEAR(rf::tabulatedNegLogSigmoid(t, static_cast<float>(x)), rf::softplus(-x), 0.006);
  }
  CHECK_EQ(rf::tabulatedSigmoid(t, 6.0f), 1.0f);
  CHECK_EQ(rf::tabulatedSigmoid(t, 1e30f), 1.0f);
  CHECK_EQ(rf::tabulatedSigmoid(t, -6.0f), 0.0f);
  CHECK_EQ(rf::tabulatedSigmoid(t, std::nanf("")), 0.0f);
  CHECK_EQ(rf::tabulatedNegLogSigmoid(t, 7.0f), 0.0f);
  CHECK_EQ(rf::tabulatedNegLogSigmoid(t, -7.0f), 7.0f);
}

namespace {

// word2vec's update in double with the exact sigmoid, step by step as specified.
double naiveSgns(std::vector<double>& in, std::vector<double>& V, int32_t dim, const std::vector<int32_t>& targets,
                 double lr) {
  std::vector<double> acc(dim, 0.0), start = in;
  double loss = 0;
  for (size_t q = 0; q < targets.size(); ++q) {
    double* v = &V[static_cast<size_t>(targets[q]) * dim];
    double s = 0;
    for (int32_t k = 0; k < dim; ++k) s += start[k] * v[k];
    const double label = q == 0 ? 1 : 0;
    const double g = lr * (label - rf::sigmoid(s));
    loss += q == 0 ? rf::softplus(-s) : rf::softplus(s);
    for (int32_t k = 0; k < dim; ++k) acc[k] += g * v[k];
    for (int32_t k = 0; k < dim; ++k) v[k] += g * start[k];
  }
  for (int32_t k = 0; k < dim; ++k) in[k] += acc[k];
  return loss;
}

}  // namespace

TEST(interact2vec_sgns_update_matches_naive_word2vec_step) {
  for (int32_t dim : {16, 13, 3}) {  // whole SIMD blocks, a tail, only a tail
    const int32_t items = 9;
    std::vector<float> in = rftest::randomTable(1, dim, 0.4, 1), V = rftest::randomTable(items, dim, 0.4, 2);
    // A repeated negative: its second use sees the row its first use updated.
    const std::vector<int32_t> targets{4, 0, 7, 0, 2};
    std::vector<double> inD = rftest::toDouble(in), VD = rftest::toDouble(V);
    const double lr = 0.2;
    const double want = naiveSgns(inD, VD, dim, targets, lr);
    std::vector<float> acc(dim);
    const float got = rf::sgnsUpdate(in.data(), V.data(), dim, targets.data(), 5, static_cast<float>(lr), acc.data());
    // The table moves sigmoid by < 0.0015 (and the loss terms by < 0.006), so each update differs
    // from the exact one by about lr * 0.0015 * |row| at most.
    CHECK_NEAR(got, want, 5 * 0.006);
    for (int32_t k = 0; k < dim; ++k) CHECK_NEAR(in[k], inD[k], 5e-4);
    for (int32_t k = 0; k < items * dim; ++k) CHECK_NEAR(V[k], VD[k], 5e-4);
  }
  // Saturated scores: the gradient is clamped exactly as word2vec does (sigma = 1 above 6).
  std::vector<float> in{10, 0}, V{1, 0, -1, 0};
  std::vector<int32_t> t{0, 1};
  std::vector<float> acc(2);
  rf::sgnsUpdate(in.data(), V.data(), 2, t.data(), 2, 0.5f, acc.data());
  // s = 10 for the positive (g = 0), s = -10 for the negative (sigma = 0, g = 0): nothing moves.
  CHECK_EQ(in[0], 10.0f);
  CHECK_EQ(V[2], -1.0f);
}

namespace {

struct Batch {
  int32_t users = 5, items = 7, dim = 6;
  std::vector<int32_t> u{0, 0, 3, 4, 0, 2, 3, 1}, i{1, 5, 1, 6, 1, 0, 2, 1};  // (0, 1) twice
  std::vector<float> y{1, 0, 1, 0, 0, 1, 1, 0};
  std::vector<float> U = rftest::randomTable(users, dim, 0.6, 3), V = rftest::randomTable(items, dim, 0.6, 4);
};

double naiveBce(const Batch& b, const std::vector<double>& U, const std::vector<double>& V) {
  double sum = 0;
  for (size_t r = 0; r < b.u.size(); ++r) {
    double s = 0;
    for (int32_t k = 0; k < b.dim; ++k) s += U[b.u[r] * b.dim + k] * V[b.i[r] * b.dim + k];
    const double p = rf::sigmoid(s);
    sum += -(b.y[r] * std::log(p) + (1 - b.y[r]) * std::log(1 - p));
  }
  return sum / b.u.size();
}

}  // namespace

TEST(interact2vec_bce_gradient_matches_finite_differences) {
  Batch b;
  const int64_t n = static_cast<int64_t>(b.u.size());
  std::vector<float> coef(n);
  const double loss = rf::bceBatchCoefficients(b.u.data(), b.i.data(), b.y.data(), n, b.U.data(), b.V.data(), b.dim,
                                               coef.data(), 2);
  auto U = rftest::toDouble(b.U), V = rftest::toDouble(b.V);
  CHECK_NEAR(loss, naiveBce(b, U, V), 1e-6);
  rf::RowGradients gu, gi;
  gu.reset(b.users);
  gi.reset(b.items);
  gu.group(b.u.data(), n);
  gi.group(b.i.data(), n);
  gu.accumulate(b.i.data(), b.V.data(), coef.data(), b.dim, 2);
  gi.accumulate(b.u.data(), b.U.data(), coef.data(), b.dim, 2);
  const double h = 1e-5;
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double>& T = pass == 0 ? U : V;
    const rf::RowGradients& G = pass == 0 ? gu : gi;
    const int32_t rows = pass == 0 ? b.users : b.items;
    for (int32_t r = 0; r < rows; ++r)
      for (int32_t k = 0; k < b.dim; ++k) {
        const double keep = T[r * b.dim + k];
        T[r * b.dim + k] = keep + h;
        const double up = naiveBce(b, U, V);
        T[r * b.dim + k] = keep - h;
        const double down = naiveBce(b, U, V);
        T[r * b.dim + k] = keep;
        const int32_t s = G.slotOf[r];
        const double got = s < 0 ? 0.0 : G.grad[s * b.dim + k];
        CHECK_NEAR(got, (up - down) / (2 * h), 1e-6);
      }
  }
  gu.clear();
  for (int32_t s : gu.slotOf) CHECK_EQ(s, -1);
}

TEST(interact2vec_keras_adam_matches_naive_steps) {
  const int32_t rows = 4, dim = 5;
  std::vector<float> P = rftest::randomTable(rows, dim, 0.5, 5), M(rows * dim, 0.0f), Vm(rows * dim, 0.0f);
  std::vector<double> p = rftest::toDouble(P), m(rows * dim, 0.0), v(rows * dim, 0.0);
  const std::vector<int32_t> slotOf{1, -1, 0, -1};  // rows 1 and 3 get only the L2 gradient
  const std::vector<float> sparse = rftest::randomTable(2, dim, 1.0, 6);
  rf::KerasAdam a;
  a.lr = 0.025;
  a.l2 = 0.01;
  for (int64_t t = 1; t <= 3; ++t) {
    rf::kerasAdamRows(P.data(), M.data(), Vm.data(), rows, dim, slotOf.data(), sparse.data(), a, t, 2);
    const double lrT = a.lr * std::sqrt(1 - std::pow(a.beta2, t)) / (1 - std::pow(a.beta1, t));
    for (int32_t r = 0; r < rows; ++r)
      for (int32_t k = 0; k < dim; ++k) {
        const size_t at = r * dim + k;
        const double g = (slotOf[r] >= 0 ? sparse[slotOf[r] * dim + k] : 0.0) + 2 * a.l2 * p[at];
        m[at] = a.beta1 * m[at] + (1 - a.beta1) * g;
        v[at] = a.beta2 * v[at] + (1 - a.beta2) * g * g;
        p[at] -= lrT * m[at] / (std::sqrt(v[at]) + a.eps);
      }
  }
  for (size_t k = 0; k < P.size(); ++k) {
    CHECK_NEAR(P[k], p[k], 1e-6);
    CHECK_NEAR(M[k], m[k], 1e-6);
  }
  CHECK_THROWS_CODE(rf::kerasAdamRows(P.data(), M.data(), Vm.data(), rows, dim, slotOf.data(), sparse.data(), a, 0, 1),
                    rf::code::kInvalidArgument);
}

TEST(interact2vec_adam_rows_shuffle_is_a_seeded_permutation_of_the_user_order) {
  // 4 users' kept interactions in user order; K = 2 negatives each.
  const std::vector<int32_t> users{0, 0, 1, 2, 2, 2, 3}, items{1, 4, 2, 0, 3, 5, 6};
  rf::FrequencyNegatives negatives({3, 1, 2, 1, 4, 2, 1, 5}, 0.5);
  auto plan = [&](bool shuffle, uint64_t epoch) {
    rf::I2vAdamState st;
    rf::planAdamRows(users, items, 4, negatives, 2, 11, epoch, 2, shuffle, st);
    std::vector<std::tuple<int32_t, int32_t, float>> rows;
    for (size_t r = 0; r < st.rowUser.size(); ++r) rows.emplace_back(st.rowUser[r], st.rowItem[r], st.rowLabel[r]);
    return rows;
  };
  const auto ordered = plan(false, 3), shuffled = plan(true, 3);
  CHECK_EQ(ordered.size(), size_t{21});  // 7 positives + 14 negatives
  for (size_t r = 1; r < ordered.size(); ++r) CHECK(std::get<0>(ordered[r - 1]) <= std::get<0>(ordered[r]));  // user order
  CHECK(shuffled != ordered);
  auto a = ordered, b = shuffled;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);                      // the same rows, permuted
  CHECK(plan(true, 3) == shuffled);   // seeded
  CHECK(plan(true, 4) != shuffled);   // a new order (and negatives) each epoch
}

TEST(sigmoid_bin_stays_inside_the_table_at_the_top_of_the_range) {
  // The largest float below +range used to map to bin kSigmoidBins (one past the table).
  const float top = std::nextafter(rf::kSigmoidRange, 0.0f);
  CHECK(rf::sigmoidBin(top) == rf::kSigmoidBins - 1);
  CHECK(rf::sigmoidBin(std::nextafter(-rf::kSigmoidRange, 0.0f)) == 0);
  const rf::SigmoidTables& t = rf::sigmoidTables();
  CHECK(rf::tabulatedSigmoid(t, top) == t.sigmoid[rf::kSigmoidBins - 1]);
  CHECK(rf::tabulatedNegLogSigmoid(t, top) >= 0.0f);
}
