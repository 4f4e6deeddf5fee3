// Interact2Vec over clustered embedding tables: one cluster per entity through the shared-row
// path is the plain trainer bit for bit (SGD and Adam); the shared-row SGNS update and the Adam
// scatter match naive references; clustered runs are deterministic, use their budget and beat
// popularity; bad budgets are typed errors.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "../src/interact2vec_internal.hpp"
#include "cel_fixtures.hpp"
#include "harness.hpp"
#include "interact2vec_fixtures.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/bpr.hpp"
#include "recforge/interact2vec_cel.hpp"
#include "recforge/synthetic.hpp"

namespace {

rf::SyntheticData data(int32_t users = 600, int32_t items = 300) {
  rf::SyntheticOptions so;
  so.users = users;
  so.items = items;
  so.meanActivity = 20;
  so.seed = 5;
  return rf::generateSynthetic(so);
}

using rftest::csrOf;
using rftest::celSide;

}  // namespace

TEST(interact2vec_cel_one_cluster_per_entity_equals_the_plain_trainer_bitwise) {
  const auto d = data(200, 120);
  const rf::Csr ui = csrOf(d.train);
  for (auto opt : {rf::I2vOptimizer::kSgd, rf::I2vOptimizer::kAdam}) {
    rf::Interact2VecOptions o;
    o.optimizer = opt;
    o.threads = opt == rf::I2vOptimizer::kSgd ? 1 : 2;
    o.epochs = 3;
    o.batchRows = 700;
    o.subsample = 1e-2;
    if (opt == rf::I2vOptimizer::kSgd) o.itemItemWeight = 0.5;
    auto plain = rftest::i2vModelFor(d.train, 12, 3);
    auto clustered = plain;
    // Clustered tables with a full budget and the identity assignment (the splits find no free
    // row; reassignment off): every update goes through the assignments, windows and scatter.
    auto cel = rf::createInteract2VecCel(ui, clustered, celSide(rf::EmbeddingKind::kClustered, d.train.nUsers),
                                         celSide(rf::EmbeddingKind::kClustered, d.train.nItems));
    for (auto& t : cel.table) std::iota(t.assign.begin(), t.assign.end(), 0);
    std::copy(plain.users.begin(), plain.users.end(), cel.table[0].centers.begin());
    std::copy(plain.items.begin(), plain.items.end(), cel.table[1].centers.begin());
    rf::CelSchedule sch;
    sch.reassignEvery = 0;
    sch.splitEvery = 1;
    rf::Interact2VecTrainer a(rf::EdgeView::of(d.train), plain, o);
    rf::Interact2VecTrainer b(rf::EdgeView::of(d.train), clustered, o, &cel, &sch);
    for (int e = 0; e < 3; ++e) {
      const auto sa = a.trainEpoch(), sb = b.trainEpoch();
      CHECK_EQ(sa.loss, sb.loss);
      CHECK_EQ(sa.reg, sb.reg);
    }
    CHECK(rftest::sameBits(plain.users.data(), clustered.users.data(), plain.users.size()));
    CHECK(rftest::sameBits(plain.items.data(), clustered.items.data(), plain.items.size()));
    CHECK_EQ(b.celCounters()->splits, int64_t(0));
  }
}

TEST(interact2vec_cel_shared_sgns_update_matches_a_naive_reference) {
  // Targets through an assignment with two targets in one cluster, a residual and a window.
  const int32_t dim = 11, entities = 6;
  std::vector<int32_t> assign{2, 0, 2, 1, 0, 2};
  std::vector<float> W = rftest::randomTable(3, dim, 0.4, 1), R = rftest::randomTable(entities, dim, 0.2, 2);
  std::vector<float> win(static_cast<size_t>(entities) * dim, 0.0f), in = rftest::randomTable(1, dim, 0.5, 3);
  std::vector<int32_t> targets{0, 3, 5, 1};
  const double lr = 0.3, decay = 0.05;
  // Naive: targets in order, each reading the rows as the previous ones left them.
  std::vector<double> Wd(W.begin(), W.end()), Rd(R.begin(), R.end()), wind(win.size(), 0.0), accd(dim, 0.0);
  double loss = 0;
  for (size_t q = 0; q < targets.size(); ++q) {
    const int32_t t = targets[q];
    double* w = Wd.data() + assign[t] * dim;
    double* r = Rd.data() + t * dim;
    double s = 0;
    for (int32_t k = 0; k < dim; ++k) s += in[k] * (w[k] + r[k]);
    const double label = q == 0 ? 1 : 0, g = lr * (label - rf::sigmoid(s));
    loss += rf::softplus(q == 0 ? -s : s);
    for (int32_t k = 0; k < dim; ++k) {
      accd[k] += g * (w[k] + r[k]);
      w[k] += g * in[k];
      r[k] += g * in[k] - decay * r[k];
      wind[t * dim + k] += g * in[k];
    }
  }
  rf::detail::SharedRows rows;
  rows.W = W.data();
  rows.assign = assign.data();
  rows.residual = R.data();
  rows.window = win.data();
  std::vector<float> acc(dim), in0 = in;
  const float got = rf::detail::sgnsStepOn<true>(in.data(), rows, dim, targets.data(), static_cast<int32_t>(targets.size()),
                                                 static_cast<float>(lr), static_cast<float>(decay), acc.data(),
                                                 rf::sigmoidTables());
  CHECK_NEAR(got, loss, 4 * 0.006);
  CHECK(rftest::sameBits(in.data(), in0.data(), in.size()));  // the caller adds acc
  for (int32_t k = 0; k < dim; ++k) CHECK_NEAR(acc[k], accd[k], 5e-4);
  for (size_t k = 0; k < W.size(); ++k) CHECK_NEAR(W[k], Wd[k], 5e-4);
  for (size_t k = 0; k < R.size(); ++k) CHECK_NEAR(R[k], Rd[k], 5e-4);
  for (size_t k = 0; k < win.size(); ++k) CHECK_NEAR(win[k], wind[k], 5e-4);
}

TEST(interact2vec_cel_adam_scatters_row_gradients_into_cluster_rows) {
  // One Adam step over the whole epoch (one batch, rows in user order): items hashed into 7 rows
  // with residuals. Reference: the BCE gradient of each gathered item row, summed per cluster,
  // plus the L2 term, through Keras's first Adam step, in double.
  const auto d = data(40, 30);
  const rf::Csr ui = csrOf(d.train);
  rf::Interact2VecOptions o;
  o.optimizer = rf::I2vOptimizer::kAdam;
  o.batchRows = 1 << 30;
  o.shuffleAdamRows = false;
  o.lr = 0.5;
  o.adamEps = 1.0;  // the first step then depends on the gradient's size, not only its sign
  o.l2 = 0.01;
  o.threads = 2;
  auto m = rftest::i2vModelFor(d.train, 6, 4);
  auto cel = rf::createInteract2VecCel(ui, m, celSide(rf::EmbeddingKind::kFull), celSide(rf::EmbeddingKind::kHashed, 7, 0, true));
  cel.table[1].residual = rftest::randomTable(d.train.nItems, 6, 0.05, 9);
  rf::materializeInteract2Vec(cel, m);
  const std::vector<float> U0 = m.users, V0 = m.items, W0 = cel.table[1].centers, R0 = cel.table[1].residual;
  // The epoch's rows, planned as the trainer plans them.
  std::vector<int32_t> ku, ki;
  std::vector<int64_t> counts(d.train.nItems, 0);
  for (int32_t u = 0; u < ui.rows; ++u)
    for (int64_t q = ui.indptr[u]; q < ui.indptr[u + 1]; ++q) ku.push_back(u), ki.push_back(ui.indices[q]), ++counts[ui.indices[q]];
  rf::FrequencyNegatives neg(counts, o.alpha);
  rf::I2vAdamState st;
  rf::planAdamRows(ku, ki, ui.rows, neg, o.negatives, o.seed, 0, 1, false, st);
  rf::Interact2VecTrainer t(rf::EdgeView::of(d.train), m, o, &cel);
  const auto stats = t.trainEpoch();
  CHECK_EQ(stats.steps, int64_t(1));
  const int32_t dim = 6, C = 7;
  const double n = static_cast<double>(st.rowUser.size());
  std::vector<double> gW(C * dim, 0.0), gR(V0.size(), 0.0);
  for (size_t r = 0; r < st.rowUser.size(); ++r) {
    const int32_t u = st.rowUser[r], i = st.rowItem[r];
    double s = 0;
    for (int32_t k = 0; k < dim; ++k) s += static_cast<double>(U0[u * dim + k]) * V0[i * dim + k];
    const double coef = (rf::sigmoid(s) - st.rowLabel[r]) / n;
    for (int32_t k = 0; k < dim; ++k) {
      gW[cel.table[1].assign[i] * dim + k] += coef * U0[u * dim + k];
      gR[i * dim + k] += coef * U0[u * dim + k];
    }
  }
  auto firstStep = [&](double p, double g) {  // Keras Adam, t = 1
    g += 2 * o.l2 * p;
    const double m1 = (1 - o.adamBeta1) * g, v1 = (1 - o.adamBeta2) * g * g;
    return p - o.lr * std::sqrt(1 - o.adamBeta2) / (1 - o.adamBeta1) * m1 / (std::sqrt(v1) + o.adamEps);
  };
  std::vector<int32_t> members(C, 0);
  for (int32_t a : cel.table[1].assign) ++members[a];
  for (int32_t c = 0; c < C; ++c)
    for (int32_t k = 0; k < dim; ++k) {
      const double p = W0[c * dim + k];
      // A row nobody uses gets only the L2 term.
      CHECK_NEAR(cel.table[1].centers[c * dim + k], firstStep(p, members[c] ? gW[c * dim + k] : 0.0), 2e-6);
    }
  const double lambda = rf::CelSchedule{}.residualLambda;
  for (size_t k = 0; k < R0.size(); ++k) {
    const int32_t i = static_cast<int32_t>(k / dim);
    const bool touched = ui.nnz() > 0 && std::any_of(st.rowItem.begin(), st.rowItem.end(), [&](int32_t x) { return x == i; });
    CHECK_NEAR(cel.table[1].residual[k], firstStep(R0[k], touched ? gR[k] + lambda * R0[k] : 0.0), 2e-6);
  }
  // The views are the gathered tables.
  for (int32_t i = 0; i < d.train.nItems; ++i)
    for (int32_t k = 0; k < dim; ++k)
      CHECK_EQ(m.items[i * dim + k], cel.table[1].centers[cel.table[1].assign[i] * dim + k] + cel.table[1].residual[i * dim + k]);
}

TEST(interact2vec_cel_clustered_training_is_deterministic_uses_its_budget_and_beats_popularity) {
  const auto d = data();
  const rf::Csr ui = csrOf(d.train);
  auto run = [&](rf::I2vOptimizer opt, int threads, uint64_t seed, rf::EmbeddingKind kind, const rf::SideEmbedding& users,
                 rf::CelCounters* counters) {
    auto m = rftest::i2vModelFor(d.train, 16, seed);
    auto cel = rf::createInteract2VecCel(ui, m, users, celSide(kind, 0, 5.0));
    rf::Interact2VecOptions o;
    o.optimizer = opt;
    o.threads = threads;
    o.seed = seed;
    o.epochs = opt == rf::I2vOptimizer::kSgd ? 30 : 15;
    o.lr = opt == rf::I2vOptimizer::kSgd ? 0.05 : 0.01;
    o.batchRows = 2048;
    rf::CelSchedule sch;
    sch.splitEvery = 1;
    sch.reassignEvery = 3;
    rf::Interact2VecTrainer t(rf::EdgeView::of(d.train), m, o, &cel, &sch);
    for (int e = 0; e < o.epochs; ++e) t.trainEpoch();
    if (counters) *counters = *t.celCounters();
    CHECK_EQ(cel.table[1].capacity, 60);
    if (kind == rf::EmbeddingKind::kClustered) CHECK(cel.table[1].usedClusters() > 50);
    return m;
  };
  const auto full = celSide(rf::EmbeddingKind::kFull), users = celSide(rf::EmbeddingKind::kClustered, 0, 4.0, true);
  // Determinism: SGD with one thread, Adam with any thread count; both sides clustered.
  rf::CelCounters c1, c2;
  const auto a = run(rf::I2vOptimizer::kSgd, 1, 7, rf::EmbeddingKind::kClustered, users, &c1);
  const auto b = run(rf::I2vOptimizer::kSgd, 1, 7, rf::EmbeddingKind::kClustered, users, &c2);
  CHECK(rftest::sameBits(a.items.data(), b.items.data(), a.items.size()));
  CHECK(rftest::sameBits(a.users.data(), b.users.data(), a.users.size()));
  CHECK_EQ(c1.moves, c2.moves);
  CHECK(c1.splits > 0 && c1.reassignRounds > 0);
  const auto c = run(rf::I2vOptimizer::kAdam, 1, 7, rf::EmbeddingKind::kClustered, users, nullptr);
  const auto e = run(rf::I2vOptimizer::kAdam, 2, 7, rf::EmbeddingKind::kClustered, users, nullptr);
  CHECK(rftest::sameBits(c.items.data(), e.items.data(), c.items.size()));
  CHECK(rftest::sameBits(c.users.data(), e.users.data(), c.users.size()));
  // Learning: clustered items (users full, one seed, one thread: the same numbers every run) beat
  // popularity, with SGD and with Adam; the baselines are printed for comparison.
  const double pop = rftest::i2vRecallAt20(d, nullptr);
  const auto cl = run(rf::I2vOptimizer::kSgd, 1, 3, rf::EmbeddingKind::kClustered, full, nullptr);
  const auto ha = run(rf::I2vOptimizer::kSgd, 1, 3, rf::EmbeddingKind::kHashed, full, nullptr);
  const auto fr = run(rf::I2vOptimizer::kSgd, 1, 3, rf::EmbeddingKind::kFrequency, full, nullptr);
  const auto ad = run(rf::I2vOptimizer::kAdam, 2, 3, rf::EmbeddingKind::kClustered, full, nullptr);
  const double rc = rftest::i2vRecallAt20(d, &cl), rh = rftest::i2vRecallAt20(d, &ha);
  const double rfq = rftest::i2vRecallAt20(d, &fr), ra = rftest::i2vRecallAt20(d, &ad);
  std::printf("     recall@20 at 5x items: popularity %.4f, clustered sgd %.4f, hashed %.4f, frequency %.4f, clustered adam %.4f\n",
              pop, rc, rh, rfq, ra);
  CHECK(rc > pop * 1.05);
  CHECK(ra > pop * 1.02);
  CHECK(rfq > pop);
}

TEST(interact2vec_cel_bad_budgets_are_rejected) {
  const auto d = data(50, 40);
  const rf::Csr ui = csrOf(d.train);
  auto m = rftest::i2vModelFor(d.train, 4, 1);
  const auto full = celSide(rf::EmbeddingKind::kFull);
  CHECK_THROWS_CODE(rf::createInteract2VecCel(ui, m, full, celSide(rf::EmbeddingKind::kClustered, 0, 0)), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::createInteract2VecCel(ui, m, full, celSide(rf::EmbeddingKind::kClustered, -1)), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::createInteract2VecCel(ui, m, full, celSide(rf::EmbeddingKind::kHashed, 41)), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::createInteract2VecCel(ui, m, full, celSide(rf::EmbeddingKind::kFrequency, 0, 0.5)), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::createInteract2VecCel(ui, m, celSide(rf::EmbeddingKind::kFull, 0, 0, true), full), rf::code::kInvalidArgument);
  auto biased = celSide(rf::EmbeddingKind::kHashed, 4);
  biased.bias = true;
  CHECK_THROWS_CODE(rf::createInteract2VecCel(ui, m, full, biased), rf::code::kInvalidArgument);
  auto cel = rf::createInteract2VecCel(ui, m, full, celSide(rf::EmbeddingKind::kClustered, 0, 4.0));
  CHECK_EQ(cel.table[1].capacity, 10);
  rf::CelSchedule bad;
  bad.candidates = 0;
  CHECK_THROWS_CODE(rf::Interact2VecTrainer(rf::EdgeView::of(d.train), m, rf::Interact2VecOptions{}, &cel, &bad),
                    rf::code::kInvalidArgument);
  cel.table[1].assign[0] = 99;
  CHECK_THROWS_CODE(rf::materializeInteract2Vec(cel, m), rf::code::kOutOfRange);
}
