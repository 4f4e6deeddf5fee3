// CEL under LightGCN / MF-BPR training: full tables through the clustered path are the plain
// trainer bit for bit; clustered runs are deterministic for a seed and any thread count, use
// their budget, learn, and find planted item clusters.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "cel_fixtures.hpp"
#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/cel_trainer.hpp"
#include "recforge/synthetic.hpp"

namespace {

rf::SideEmbedding side(rf::EmbeddingKind kind, int32_t clusters = 0, double ratio = 0, bool residual = false) {
  return rftest::celSide(kind, clusters, ratio, residual);
}

rf::BipartiteGraph syntheticGraph(int32_t users, int32_t items) {
  rf::SyntheticOptions so;
  so.users = users;
  so.items = items;
  so.meanActivity = 10;
  auto data = rf::generateSynthetic(so);
  return rf::buildGraph(rf::EdgeView::of(data.train));
}

}  // namespace

TEST(cel_full_tables_equal_the_plain_trainer_bitwise) {
  auto g = syntheticGraph(90, 70);
  for (int32_t K : {0, 2})
    for (auto opt : {rf::OptimizerKind::kAdam, rf::OptimizerKind::kLazyAdam, rf::OptimizerKind::kSgd}) {
      auto plain = rf::LightGcnModel::create(rftest::modelConfig(g, 8, K, 0.1, 3));
      auto clustered = plain;
      rf::TrainOptions o;
      o.batchSize = 64;
      o.optimizer = opt;
      o.adam.lr = 0.01;
      o.threads = 2;
      o.seed = 5;
      rf::LightGcnTrainer a(g, plain, o);
      auto cel = rf::CelModel::create(g, clustered, side(rf::EmbeddingKind::kFull), side(rf::EmbeddingKind::kFull), 1);
      rf::CelTrainer b(g, clustered, cel, o, rf::CelSchedule{});
      for (int e = 0; e < 3; ++e) {
        const double la = a.trainEpoch(e), lb = b.trainEpoch(e);
        CHECK_EQ(la, lb);
      }
      CHECK(std::memcmp(plain.ego.data(), clustered.ego.data(), plain.ego.size() * 4) == 0);
      CHECK_EQ(b.counters().splits, int64_t(0));
    }
}

TEST(cel_bad_budgets_and_schedules_are_rejected) {
  auto g = syntheticGraph(30, 20);
  auto m = rf::LightGcnModel::create(rftest::modelConfig(g, 4, 0, 0.1, 3));
  const auto full = side(rf::EmbeddingKind::kFull);
  CHECK_THROWS_CODE(rf::CelModel::create(g, m, full, side(rf::EmbeddingKind::kClustered, 0, 0), 1), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::CelModel::create(g, m, full, side(rf::EmbeddingKind::kHashed, 21), 1), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::CelModel::create(g, m, full, side(rf::EmbeddingKind::kFrequency, 0, 0.9), 1), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::CelModel::create(g, m, side(rf::EmbeddingKind::kFull, 0, 0, true), full, 1), rf::code::kInvalidArgument);
  auto cel = rf::CelModel::create(g, m, full, side(rf::EmbeddingKind::kClustered, 0, 4.0), 1);
  CHECK_EQ(cel.table[1].capacity, 5);
  rf::CelSchedule bad;
  bad.candidates = 0;
  CHECK_THROWS_CODE(rf::CelTrainer(g, m, cel, rf::TrainOptions{}, bad), rf::code::kInvalidArgument);
}

TEST(cel_clustered_training_is_deterministic_uses_its_budget_and_learns) {
  auto g = syntheticGraph(150, 100);
  // Both sides clustered (determinism), or items only (learning: with both sides in one cluster
  // at the start every gradient is rank one, and top-down growth needs many more steps).
  auto run = [&](int threads, uint64_t seed, rf::EmbeddingKind kind, bool residual, double* first, double* last,
                 int32_t* used) {
    auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 16, 0, 0.1, 2), threads);
    const auto users = first ? side(rf::EmbeddingKind::kFull) : side(kind, 12, 0, residual);
    auto cel = rf::CelModel::create(g, model, users, side(kind, 10, 0, residual), seed);
    rf::TrainOptions o;
    o.batchSize = 128;
    o.adam.lr = 0.01;
    o.threads = threads;
    o.seed = seed;
    rf::CelSchedule sc;
    sc.splitEvery = 2;
    sc.reassignEvery = 5;
    rf::CelTrainer t(g, model, cel, o, sc);
    for (int e = 0; e < 8; ++e) {
      const double l = t.trainEpoch(e);
      if (first && e == 0) *first = l;
      if (last) *last = l;
    }
    if (used) *used = cel.table[1].usedClusters();
    std::vector<float> out = model.ego;
    for (int s = 0; s < 2; ++s)
      for (int32_t a : cel.table[s].assign) out.push_back(static_cast<float>(a));
    return out;
  };
  for (bool residual : {false, true}) {
    rftest::checkSeedDeterminism([&](int threads, uint64_t seed) {
      return run(threads, seed, rf::EmbeddingKind::kClustered, residual, nullptr, nullptr, nullptr);
    });
  }
  for (auto kind : {rf::EmbeddingKind::kClustered, rf::EmbeddingKind::kHashed, rf::EmbeddingKind::kFrequency}) {
    double first = 0, last = 0;
    int32_t used = 0;
    run(2, 1, kind, false, &first, &last, &used);
    CHECK(last < first - 0.02);
    // Hashing and frequency use every row; CEL's reassignment may empty rows between split rounds.
    CHECK(kind == rf::EmbeddingKind::kClustered ? used >= 5 : used == 10);
  }
}

TEST(cel_hot_start_keeps_pinned_rows_is_deterministic_and_learns) {
  auto g = syntheticGraph(150, 100);
  auto run = [&](int threads, uint64_t seed, double* first, double* last, rf::CelModel* keep) {
    auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 16, 0, 0.1, 2), threads);
    auto items = side(rf::EmbeddingKind::kClustered, 20);
    items.hot = 0.5;
    auto cel = rf::CelModel::create(g, model, side(rf::EmbeddingKind::kFull), items, seed);
    CHECK_EQ(cel.table[1].pinned, 10);
    const auto start = cel.table[1].assign;
    rf::TrainOptions o;
    o.batchSize = 128;
    o.adam.lr = 0.01;
    o.threads = threads;
    o.seed = seed;
    rf::CelSchedule sc;
    sc.splitEvery = 2;
    sc.reassignEvery = 5;
    sc.reassignMinGain = 0.01;
    rf::CelTrainer t(g, model, cel, o, sc);
    for (int e = 0; e < 8; ++e) {
      const double l = t.trainEpoch(e);
      if (first && e == 0) *first = l;
      if (last) *last = l;
    }
    for (int32_t i = 0; i < 100; ++i)  // pinned entities stay, nobody joins them
      if (start[i] < 10 || cel.table[1].assign[i] < 10) CHECK_EQ(cel.table[1].assign[i], start[i]);
    cel.table[1].validate();
    if (keep) *keep = cel;
    std::vector<float> out = model.ego;
    for (int32_t a : cel.table[1].assign) out.push_back(static_cast<float>(a));
    return out;
  };
  rftest::checkSeedDeterminism([&](int threads, uint64_t seed) { return run(threads, seed, nullptr, nullptr, nullptr); });
  double first = 0, last = 0;
  rf::CelModel cel;
  run(2, 1, &first, &last, &cel);
  CHECK(last < first - 0.02);
  CHECK(cel.table[1].usedClusters() >= 15);  // the tail grew into the free rows
  // hot outside [0, 1] or on a non-clustered table, and minGain >= 1, are rejected.
  auto m = rf::LightGcnModel::create(rftest::modelConfig(g, 4, 0, 0.1, 3));
  auto bad = side(rf::EmbeddingKind::kClustered, 20);
  bad.hot = 1.5;
  CHECK_THROWS_CODE(rf::CelModel::create(g, m, side(rf::EmbeddingKind::kFull), bad, 1), rf::code::kInvalidArgument);
  bad = side(rf::EmbeddingKind::kFrequency, 20);
  bad.hot = 0.5;
  CHECK_THROWS_CODE(rf::CelModel::create(g, m, side(rf::EmbeddingKind::kFull), bad, 1), rf::code::kInvalidArgument);
  auto ok = rf::CelModel::create(g, m, side(rf::EmbeddingKind::kFull), side(rf::EmbeddingKind::kClustered, 20), 1);
  rf::CelSchedule sc;
  sc.reassignMinGain = 1.0;
  CHECK_THROWS_CODE(rf::CelTrainer(g, m, ok, rf::TrainOptions{}, sc), rf::code::kInvalidArgument);
}

TEST(cel_item_bias_scores_members_apart_holds_users_at_one_and_is_deterministic) {
  auto g = syntheticGraph(150, 100);
  const int32_t d = 16;
  auto run = [&](int threads, uint64_t seed, rf::EmbeddingKind kind, double* first, double* last, rf::CelModel* keep,
                 std::vector<float>* ego) {
    auto model = rf::LightGcnModel::create(rftest::modelConfig(g, d, 0, 0.1, 2), threads);
    auto items = side(kind, 20);
    items.bias = true;
    if (kind == rf::EmbeddingKind::kClustered) items.hot = 0.5;
    auto cel = rf::CelModel::create(g, model, side(rf::EmbeddingKind::kFull), items, seed);
    CHECK_EQ(cel.stateBytes(1), int64_t(20 * d * 4 + 100 * 4 + 100 * 4));  // rows + assignment + bias
    rf::TrainOptions o;
    o.batchSize = 128;
    o.adam.lr = 0.01;
    o.threads = threads;
    o.seed = seed;
    rf::CelSchedule sc;
    sc.splitEvery = 2;
    sc.reassignEvery = 5;
    rf::CelTrainer t(g, model, cel, o, sc);
    for (int e = 0; e < 8; ++e) {
      const double l = t.trainEpoch(e);
      if (first && e == 0) *first = l;
      if (last) *last = l;
    }
    // Users' last coordinate stays 1, cluster rows keep 0 there, items carry their own bias.
    for (int32_t u = 0; u < 150; ++u) CHECK_EQ(model.ego[static_cast<int64_t>(u) * d + d - 1], 1.0f);
    for (int32_t c = 0; c < 20; ++c) CHECK_EQ(cel.table[1].centers[c * d + d - 1], 0.0f);
    for (int32_t i = 0; i < 100; ++i) {
      const float* e = model.ego.data() + (150 + i) * d;
      CHECK_EQ(e[d - 1], cel.table[1].bias[i]);
      for (int32_t j = 0; j + 1 < d; ++j) CHECK_EQ(e[j], cel.table[1].centers[cel.table[1].assign[i] * d + j]);
    }
    if (keep) *keep = cel;
    if (ego) *ego = model.ego;
    std::vector<float> out = model.ego;
    out.insert(out.end(), cel.table[1].bias.begin(), cel.table[1].bias.end());
    for (int32_t a : cel.table[1].assign) out.push_back(static_cast<float>(a));
    return out;
  };
  rftest::checkSeedDeterminism([&](int threads, uint64_t seed) {
    return run(threads, seed, rf::EmbeddingKind::kClustered, nullptr, nullptr, nullptr, nullptr);
  });
  for (auto kind : {rf::EmbeddingKind::kClustered, rf::EmbeddingKind::kFrequency}) {
    double first = 0, last = 0;
    rf::CelModel cel;
    run(2, 1, kind, &first, &last, &cel, nullptr);
    CHECK(last < first - 0.02);
    // Members of one shared row now differ: the biases of the frequency tail are not all equal.
    const auto& b = cel.table[1].bias;
    float lo = b[0], hi = b[0];
    for (float x : b) lo = std::min(lo, x), hi = std::max(hi, x);
    CHECK(hi - lo > 1e-3f);
  }
  // Rejected: a bias with propagation layers, on a full table, on both sides.
  auto withBias = [](rf::SideEmbedding s) { s.bias = true; return s; };
  auto lg = rf::LightGcnModel::create(rftest::modelConfig(g, 8, 1, 0.1, 3));
  CHECK_THROWS_CODE(rf::CelModel::create(g, lg, side(rf::EmbeddingKind::kFull), withBias(side(rf::EmbeddingKind::kHashed, 20)), 1),
                    rf::code::kInvalidArgument);
  auto mf = rf::LightGcnModel::create(rftest::modelConfig(g, 8, 0, 0.1, 3));
  CHECK_THROWS_CODE(rf::CelModel::create(g, mf, side(rf::EmbeddingKind::kFull), withBias(side(rf::EmbeddingKind::kFull)), 1),
                    rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::CelModel::create(g, mf, withBias(side(rf::EmbeddingKind::kHashed, 20)),
                                         withBias(side(rf::EmbeddingKind::kHashed, 20)), 1),
                    rf::code::kInvalidArgument);
}

// Resume: 6 epochs straight equal 3 epochs, then a fresh model / CelModel / CelTrainer that gets
// the tables and the trainer state, then 3 more, bit for bit (ego, tables, every state vector,
// counters), for every shared kind with residuals, a hot start, a bias, online and per-epoch
// cluster steps, Adam / lazy Adam / SGD. splitEvery and reassignEvery do not divide the steps of
// an epoch, so the gradient window and the schedule position cross the cut.
TEST(cel_resume_from_tables_and_trainer_state_is_bitwise) {
  auto g = syntheticGraph(120, 90);
  struct Case {
    rf::EmbeddingKind kind;
    bool both, residual, bias, online;
    double hot;
    rf::OptimizerKind opt;
    int32_t layers;
  };
  const Case cases[] = {
      {rf::EmbeddingKind::kClustered, true, true, false, true, 0, rf::OptimizerKind::kAdam, 0},
      {rf::EmbeddingKind::kClustered, false, false, false, true, 0.5, rf::OptimizerKind::kLazyAdam, 2},
      {rf::EmbeddingKind::kClustered, false, false, true, false, 0.5, rf::OptimizerKind::kAdam, 0},
      {rf::EmbeddingKind::kClustered, true, false, false, true, 0, rf::OptimizerKind::kSgd, 1},
      {rf::EmbeddingKind::kHashed, true, true, false, true, 0, rf::OptimizerKind::kAdam, 1},
      {rf::EmbeddingKind::kFrequency, false, false, true, true, 0, rf::OptimizerKind::kAdam, 0},
  };
  for (const Case& k : cases) {
    // CEL: a budget that splits keep growing into after the cut (the window then matters).
    auto items = side(k.kind, k.kind == rf::EmbeddingKind::kClustered ? 80 : 15, 0, k.residual);
    items.hot = k.hot;
    items.bias = k.bias;
    const auto users = k.both ? side(k.kind, 20, 0, k.residual) : side(rf::EmbeddingKind::kFull);
    rf::TrainOptions o;
    o.batchSize = 100;
    o.adam.lr = 0.02;
    o.optimizer = k.opt;
    o.threads = 2;
    o.seed = 9;
    rf::CelSchedule sc;
    sc.online = k.online;
    sc.splitEvery = 7;  // 10 steps an epoch: the cut after 30 falls between rounds
    sc.reassignEvery = 4;
    auto fresh = [&](rf::LightGcnModel& model) {
      model = rf::LightGcnModel::create(rftest::modelConfig(g, 8, k.layers, 0.1, 4), 2);
      return rf::CelModel::create(g, model, users, items, 4);
    };
    rf::LightGcnModel straight, first, second;
    auto celA = fresh(straight);
    rf::CelTrainer a(g, straight, celA, o, sc);
    for (int e = 0; e < 6; ++e) a.trainEpoch(e);

    auto celB = fresh(first);
    rf::CelTrainerState saved;
    std::array<rf::ClusteredTable, 2> tables;
    {
      rf::CelTrainer b(g, first, celB, o, sc);
      for (int e = 0; e < 3; ++e) b.trainEpoch(e);
      saved = b.state();
      tables = celB.table;
    }
    auto celC = fresh(second);  // a new process: the configured run starts fresh, then restores
    rf::CelTrainer c(g, second, celC, o, sc);
    celC.table = tables;
    celC.materialize(second, 2);
    c.restore(saved);
    for (int e = 3; e < 6; ++e) c.trainEpoch(e);

    CHECK(rftest::sameBits(straight.ego.data(), second.ego.data(), straight.ego.size()));
    for (int s = 0; s < 2; ++s) {
      CHECK(celA.table[s].assign == celC.table[s].assign);
      CHECK(rftest::sameBits(celA.table[s].centers.data(), celC.table[s].centers.data(), celA.table[s].centers.size()));
      CHECK(celA.table[s].residual == celC.table[s].residual);
      CHECK(celA.table[s].bias == celC.table[s].bias);
    }
    const auto sa = a.state(), sc2 = c.state();
    CHECK_EQ(sa.steps, sc2.steps);
    CHECK_EQ(sa.counters.splits, sc2.counters.splits);
    CHECK_EQ(sa.counters.moves, sc2.counters.moves);
    CHECK_EQ(sa.counters.reassignRounds, sc2.counters.reassignRounds);
    for (int s = 0; s < 2; ++s) {
      CHECK(sa.sides[s].m == sc2.sides[s].m);
      CHECK(sa.sides[s].v == sc2.sides[s].v);
      CHECK(sa.sides[s].window == sc2.sides[s].window);
    }
    if (k.kind == rf::EmbeddingKind::kClustered) CHECK(sa.counters.splits > saved.counters.splits);
  }
}

// restore checks sizes, counts and values first and changes nothing when it refuses.
TEST(cel_restore_refuses_a_state_of_another_run) {
  auto g = syntheticGraph(60, 40);
  auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 4, 0, 0.1, 3));
  auto cel = rf::CelModel::create(g, model, side(rf::EmbeddingKind::kFull), side(rf::EmbeddingKind::kClustered, 8), 1);
  rf::TrainOptions o;
  o.batchSize = 50;
  rf::CelTrainer t(g, model, cel, o, rf::CelSchedule{});
  t.trainEpoch(0);
  const rf::CelTrainerState good = t.state();
  CHECK(!good.sides[1].window.empty() && good.sides[0].window.empty());
  auto bad = good;
  bad.sides[1].m.pop_back();
  CHECK_THROWS_CODE(t.restore(bad), rf::code::kShape);
  bad = good;
  bad.sides[0].window.assign(60 * 4, 0.0f);  // users are a full table: no window
  CHECK_THROWS_CODE(t.restore(bad), rf::code::kShape);
  bad = good;
  bad.sides[1].v[3] = NAN;
  CHECK_THROWS_CODE(t.restore(bad), rf::code::kNonFinite);
  bad = good;
  bad.counters.splitRounds = -1;
  CHECK_THROWS_CODE(t.restore(bad), rf::code::kInvalidArgument);
  bad = good;
  bad.steps += 5;
  bad.sides[1].m[0] += 1;
  t.restore(bad);
  CHECK_EQ(t.stepsDone(), good.steps + 5);
  CHECK(t.state().sides[1].m == bad.sides[1].m);
}

// The rule a new entity follows without data: hashed ids hash like the table's, frequency joins
// the shared last row, CEL has none; joinable rows are used and not pinned.
TEST(cel_rule_cluster_and_joinable_rows) {
  auto g = syntheticGraph(60, 40);
  auto model = rf::LightGcnModel::create(rftest::modelConfig(g, 4, 0, 0.1, 3));
  auto hashed = rf::CelModel::create(g, model, side(rf::EmbeddingKind::kHashed, 9), side(rf::EmbeddingKind::kFrequency, 6), 2);
  for (int32_t u = 0; u < 60; ++u) CHECK_EQ(hashed.ruleCluster(0, u), hashed.table[0].assign[u]);
  CHECK(hashed.ruleCluster(0, 60) >= 0 && hashed.ruleCluster(0, 60) < 9);
  CHECK_EQ(hashed.ruleCluster(1, 40), 5);
  auto items = side(rf::EmbeddingKind::kClustered, 10);
  items.hot = 0.5;
  auto cel = rf::CelModel::create(g, model, side(rf::EmbeddingKind::kFull), items, 2);
  CHECK_EQ(cel.ruleCluster(1, 40), -1);
  CHECK(cel.table[1].joinableClusters() == std::vector<int32_t>{5});
  CHECK_EQ(static_cast<int32_t>(hashed.table[1].joinableClusters().size()), 6);
}
