// CEL under LightGCN / MF-BPR training: full tables through the clustered path are the plain
// trainer bit for bit; clustered runs are deterministic for a seed and any thread count, use
// their budget, learn, and find planted item clusters.
#include <algorithm>
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
