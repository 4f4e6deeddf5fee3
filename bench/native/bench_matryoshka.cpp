// MRL4Rec training epochs with the authors' recipe (MF backbone unless --layers, d = 64, levels
// 4..64, B = 2048 dropping the last batch, lambda = 1e-4, dense Adam lr = 1e-3, Xavier init) and
// where the time of a step goes: candidate drawing + scoring, batch mapping, forward, nested loss,
// backward + Adam.
//   bench_matryoshka [train.txt] [--epochs N] [--threads T] [--layers K] [--candidates N]
//                    [--negatives mns|shared|dns]
// Default data: amazon-phone. Skips (exit 0) when the data file is absent.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench_util.hpp"
#include "recforge/cpu_info.hpp"
#include "recforge/lightgcn.hpp"
#include "recforge/parallel.hpp"

int main(int argc, char** argv) {
  const char* path = "/work/shared/datasets/amazon-phone/train.txt";
  int epochs = 5, threads = 0, layers = 0, candidates = 16;
  rf::MatryoshkaMode mode = rf::MatryoshkaMode::kMns;
  const char* modeName = "mns";
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--epochs") && a + 1 < argc) epochs = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--threads") && a + 1 < argc) threads = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--layers") && a + 1 < argc) layers = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--candidates") && a + 1 < argc) candidates = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--negatives") && a + 1 < argc) {
      modeName = argv[++a];
      mode = !std::strcmp(modeName, "shared") ? rf::MatryoshkaMode::kShared
             : !std::strcmp(modeName, "dns")  ? rf::MatryoshkaMode::kDns
                                              : rf::MatryoshkaMode::kMns;
    } else path = argv[a];
  }
  rf::Interactions train;
  if (!bench::loadLines(path, train)) {
    std::printf("bench_matryoshka: %s not found, skipping\n", path);
    return 0;
  }
  rf::BipartiteGraph g = rf::buildGraph(rf::EdgeView::of(train));
  const int usedThreads = threads > 0 ? threads : rf::defaultThreads();
  std::printf("data: %s  users %d items %d pairs %lld\n", path, g.nUsers(), g.nItems(), static_cast<long long>(g.nnz()));
  std::printf("cpu: %s, threads %d, d=64 levels 4..64, K=%d, N=%d, negatives %s\n", rf::simdLevel(), usedThreads, layers,
              candidates, modeName);
  rf::LightGcnConfig cfg;
  cfg.users = g.nUsers();
  cfg.items = g.nItems();
  cfg.dim = 64;
  cfg.layers = layers;
  cfg.init = rf::InitKind::kXavierUniform;
  cfg.seed = 2022;
  rf::LightGcnModel model = rf::LightGcnModel::create(cfg, threads);
  rf::TrainOptions o;
  o.sampler = rf::EpochKind::kShuffledPairs;
  o.dropLastPartial = true;
  o.batchSize = 2048;
  o.lambda = 1e-4;
  o.adam.lr = 1e-3;
  o.threads = threads;
  o.seed = 2022;
  o.matryoshka = rf::MatryoshkaObjective{};
  o.matryoshka->levels.dims = {4, 8, 16, 32, 64};
  o.matryoshka->levels.candidates = candidates;
  o.matryoshka->mode = mode;
  rf::LightGcnTrainer trainer(g, model, o);
  std::vector<double> times;
  for (int e = 0; e < epochs; ++e) {
    trainer.resetPhaseTimes();
    const auto a = bench::Clock::now();
    const double loss = trainer.trainEpoch(e);
    const double t = bench::seconds(a, bench::Clock::now());
    times.push_back(t);
    const rf::TrainPhaseTimes& ph = trainer.phaseTimes();
    const double per = 1e3 / static_cast<double>(std::max<int64_t>(1, ph.steps));
    std::printf("epoch %d: %.3f s  loss %.5f  steps %lld  | plan %.1f ms; per step: negatives %.2f ms, map %.2f ms, "
                "forward %.2f ms, loss %.2f ms, backward+Adam %.2f ms\n",
                e, t, loss, static_cast<long long>(ph.steps), ph.plan * 1e3, ph.sample * per, ph.map * per,
                ph.forward * per, ph.loss * per, ph.backward * per);
  }
  std::printf("median epoch: %.3f s\n", bench::median(times));
  return 0;
}
