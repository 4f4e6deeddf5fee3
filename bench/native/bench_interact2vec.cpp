// Interact2Vec training throughput on Gowalla train: word2vec-style Hogwild SGD (the fast path)
// and, with --optimizer adam, the reference's mini-batch Keras Adam. Reports interactions per
// second and seconds per epoch (medians over epochs), d=64, K=5 by default.
//   bench_interact2vec [train.txt] [--epochs N] [--threads T] [--dim D] [--negatives K]
//                      [--alpha A] [--subsample RHO] [--optimizer sgd|adam] [--item-item W]
//                      [--tables plain|identity|hashed|clustered] [--ratio R] [--reassign-every N]
// --tables: the plain tables (default), or clustered tables over both sides (docs/cel.md): one
// cluster per entity through the shared-row path (identity: its cost over plain), or items
// hashed / CEL-clustered at compression R (default 10) with the user table full.
// Skips (exit 0) when the data file is absent.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "recforge/cpu_info.hpp"
#include "recforge/interact2vec.hpp"
#include "recforge/interact2vec_cel.hpp"
#include "recforge/parallel.hpp"

int main(int argc, char** argv) {
  const char* path = "/work/shared/datasets/gowalla/train.txt";
  int epochs = 5;
  rf::Interact2VecOptions o;
  o.threads = 2;
  o.alpha = -0.5;
  int32_t dim = 64;
  std::string tables = "plain";
  double ratio = 10;
  int reassignEvery = 50;
  for (int a = 1; a < argc; ++a) {
    const bool more = a + 1 < argc;
    if (!std::strcmp(argv[a], "--epochs") && more) epochs = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--threads") && more) o.threads = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--dim") && more) dim = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--negatives") && more) o.negatives = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--alpha") && more) o.alpha = std::atof(argv[++a]);
    else if (!std::strcmp(argv[a], "--subsample") && more) o.subsample = std::atof(argv[++a]);
    else if (!std::strcmp(argv[a], "--item-item") && more) o.itemItemWeight = std::atof(argv[++a]);
    else if (!std::strcmp(argv[a], "--tables") && more) tables = argv[++a];
    else if (!std::strcmp(argv[a], "--ratio") && more) ratio = std::atof(argv[++a]);
    else if (!std::strcmp(argv[a], "--reassign-every") && more) reassignEvery = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--optimizer") && more)
      o.optimizer = !std::strcmp(argv[++a], "adam") ? rf::I2vOptimizer::kAdam : rf::I2vOptimizer::kSgd;
    else path = argv[a];
  }
  o.epochs = epochs;
  rf::Interactions train;
  if (!bench::loadLines(path, train)) {
    std::printf("bench_interact2vec: %s not found, skipping\n", path);
    return 0;
  }
  rf::Interact2VecConfig c;
  c.users = train.nUsers;
  c.items = train.nItems;
  c.dim = dim;
  c.seed = 2020;
  rf::Interact2VecModel model = rf::Interact2VecModel::create(c, o.threads);
  std::unique_ptr<rf::CelModel> cel;
  if (tables != "plain") {
    const rf::Csr ui = rf::buildCsr(train.users.data(), train.items.data(), train.size(), train.nUsers, train.nItems);
    rf::SideEmbedding users, items;
    if (tables == "identity") {
      users.kind = items.kind = rf::EmbeddingKind::kClustered;
      users.budget.clusters = c.users;
      items.budget.clusters = c.items;
    } else {
      items.kind = tables == "hashed" ? rf::EmbeddingKind::kHashed : rf::EmbeddingKind::kClustered;
      items.budget.ratio = ratio;
    }
    const std::vector<float> u0 = model.users, i0 = model.items;
    cel = std::make_unique<rf::CelModel>(rf::createInteract2VecCel(ui, model, users, items));
    if (tables == "identity") {  // one cluster per entity, rows as the plain table's
      for (auto& t : cel->table) std::iota(t.assign.begin(), t.assign.end(), 0);
      cel->table[0].centers = u0;
      cel->table[1].centers = i0;
    }
  }
  rf::CelSchedule schedule;
  schedule.reassignEvery = tables == "identity" ? 0 : reassignEvery;
  rf::Interact2VecTrainer trainer(rf::EdgeView::of(train), model, o, cel.get(), cel ? &schedule : nullptr);
  const int usedThreads = o.threads > 0 ? o.threads : rf::defaultThreads();
  std::printf("data: %s  users %d items %d pairs %lld\n", path, c.users, c.items,
              static_cast<long long>(trainer.userItems().nnz()));
  std::printf("cpu: %s, threads %d, d=%d K=%d alpha=%g subsample=%g optimizer=%s item-item=%g tables=%s\n",
              rf::simdLevel(), usedThreads, dim, o.negatives, o.alpha, o.subsample,
              o.optimizer == rf::I2vOptimizer::kSgd ? "sgd" : "adam", o.itemItemWeight, tables.c_str());
  std::vector<double> secs, rates;
  for (int e = 0; e < epochs; ++e) {
    const auto a = bench::Clock::now();
    const rf::I2vEpochStats s = trainer.trainEpoch();
    const double t = bench::seconds(a, bench::Clock::now());
    secs.push_back(t);
    rates.push_back(static_cast<double>(s.kept) / t);
    std::printf("epoch %d: %.3f s, %.2f M interactions/s, loss %.4f, kept %lld\n", e, t, rates.back() / 1e6, s.loss,
                static_cast<long long>(s.kept));
  }
  const double rate = bench::median(rates);
  std::printf("median: %.3f s/epoch, %.2f M interactions/s (%.2f M per thread), %.1f M dot+update pairs/s\n",
              bench::median(secs), rate / 1e6, rate / 1e6 / usedThreads, rate * (1 + o.negatives) / 1e6);
  return 0;
}
