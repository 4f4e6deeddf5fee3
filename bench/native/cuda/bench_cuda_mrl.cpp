// MRL4Rec training on the GPU with the authors' recipe (bench_matryoshka's: MF backbone unless
// --layers, d = 64, levels 4..64, N = 16 candidates, B = 2048 over shuffled pairs dropping the last
// batch, lambda = 1e-4, dense Adam lr = 1e-3, Xavier init): seconds per epoch (the host's share,
// drawing candidates, reported apart), one profiled epoch's phases, and full evaluation at every
// level (GPU evaluator, evaluatePrefixes: each level ranks every item by its prefix).
//
//   bench_cuda_mrl TRAIN TEST [--epochs N] [--threads T] [--layers K] [--candidates N]
//                  [--negatives mns|shared|dns] [--seed S]
//
// Prints JSON-free text; exits 0 without a GPU (skipping) and 1 without data.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../bench_util.hpp"
#include "recforge/cuda/evaluate.hpp"
#include "recforge/cuda/lightgcn_trainer.hpp"
#include "recforge/cuda/runtime.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/parallel.hpp"

using bench::Clock;
using bench::median;
using bench::seconds;

int main(int argc, char** argv) {
  const char* trainPath = nullptr;
  const char* testPath = nullptr;
  int epochs = 5, threads = 0, layers = 0, candidates = 16;
  uint64_t seed = 2022;
  rf::MatryoshkaMode mode = rf::MatryoshkaMode::kMns;
  const char* modeName = "mns";
  for (int a = 1; a < argc; ++a) {
    const bool more = a + 1 < argc;
    if (!std::strcmp(argv[a], "--epochs") && more) epochs = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--threads") && more) threads = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--layers") && more) layers = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--candidates") && more) candidates = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--seed") && more) seed = std::strtoull(argv[++a], nullptr, 10);
    else if (!std::strcmp(argv[a], "--negatives") && more) {
      modeName = argv[++a];
      mode = !std::strcmp(modeName, "shared") ? rf::MatryoshkaMode::kShared
             : !std::strcmp(modeName, "dns")  ? rf::MatryoshkaMode::kDns
                                              : rf::MatryoshkaMode::kMns;
    } else if (!trainPath) trainPath = argv[a];
    else testPath = argv[a];
  }
  const rf::cuda::DeviceInfo info = rf::cuda::probe();
  if (!info.usable) {
    std::printf("bench_cuda_mrl: no GPU (%s), skipping\n", info.why.c_str());
    return 0;
  }
  rf::Interactions train, test;
  if (!trainPath || !testPath || !bench::loadLines(trainPath, train) || !bench::loadLines(testPath, test)) {
    std::printf("bench_cuda_mrl: TRAIN and TEST files needed\n");
    return 1;
  }
  const int32_t M = std::max(train.nUsers, test.nUsers), N = std::max(train.nItems, test.nItems);
  train.nUsers = M, train.nItems = N;
  const rf::BipartiteGraph graph = rf::buildGraph(rf::EdgeView::of(train));
  const rf::Csr testCsr = rf::buildCsr(test.users.data(), test.items.data(), test.size(), M, N);
  rf::EvalSpec spec;
  spec.truth = &testCsr;
  spec.mask = &graph.userItems;
  spec.ks = {20};
  spec.threads = threads;

  const std::vector<int32_t> levels = {4, 8, 16, 32, 64};
  rf::LightGcnConfig cfg;
  cfg.users = M, cfg.items = N, cfg.dim = 64, cfg.layers = layers, cfg.init = rf::InitKind::kXavierUniform;
  cfg.seed = seed;
  rf::LightGcnModel model = rf::LightGcnModel::create(cfg, threads);
  rf::TrainOptions o;
  o.sampler = rf::EpochKind::kShuffledPairs;
  o.dropLastPartial = true;
  o.batchSize = 2048;
  o.lambda = 1e-4;
  o.adam.lr = 1e-3;
  o.threads = threads;
  o.seed = seed;
  o.matryoshka = rf::MatryoshkaObjective{};
  o.matryoshka->levels.dims = levels;
  o.matryoshka->levels.candidates = candidates;
  o.matryoshka->mode = mode;
  rf::cuda::LightGcnTrainer trainer(graph, model, o);

  std::printf("device: %s, %d SMs, %.1f GiB, driver %d, runtime %d\n", info.name.c_str(), info.multiprocessors,
              info.totalMemory / 1073741824.0, info.driverVersion, info.runtimeVersion);
  std::printf("data: %s  users %d items %d train pairs %lld test pairs %lld; d=64 levels 4..64 K=%d N=%d B=2048 "
              "negatives %s, host threads %d\n",
              trainPath, M, N, static_cast<long long>(graph.nnz()), static_cast<long long>(test.size()), layers,
              candidates, modeName, threads > 0 ? threads : rf::defaultThreads());
  std::vector<double> epochS;
  for (int e = 0; e < epochs; ++e) {
    trainer.resetTimes();
    const auto t0 = Clock::now();
    const double loss = trainer.trainEpoch(e);
    epochS.push_back(seconds(t0, Clock::now()));
    const rf::cuda::CudaTrainTimes& t = trainer.times();
    std::printf("epoch %d: %.4f s  loss %.5f  steps %lld  host candidate draws %.4f s  plan not hidden %.4f s\n", e + 1,
                epochS.back(), loss, static_cast<long long>(t.steps), t.draw, t.plan);
    std::fflush(stdout);
  }
  if (epochS.size() > 1) epochS.erase(epochS.begin());
  std::printf("seconds per epoch (median of %zu after the first): %.4f\n", epochS.size(), median(epochS));

  // Where a step's time goes: one more epoch with every device phase bracketed by events.
  trainer.resetTimes();
  trainer.setProfiling(true);
  const auto tp = Clock::now();
  trainer.trainEpoch(epochs);
  const double profiled = seconds(tp, Clock::now());
  trainer.setProfiling(false);
  const rf::cuda::CudaTrainTimes& pt = trainer.times();
  const double st = static_cast<double>(std::max<int64_t>(1, pt.steps));
  std::printf("profiled epoch %.4f s, %lld steps; per step (us): host draws %.1f  full forward %.1f  upload+select "
              "%.1f  slots+loss %.1f  backward %.1f  adam %.1f\n",
              profiled, static_cast<long long>(pt.steps), pt.draw / st * 1e6, pt.forward / st * 1e6,
              pt.sample / st * 1e6, pt.loss / st * 1e6, pt.backward / st * 1e6, pt.update / st * 1e6);

  // Full evaluation at every level on the device-resident final embeddings.
  rf::cuda::DeviceEvaluator evaluator(spec);
  std::vector<double> evalS;
  std::vector<rf::EvalResult> r;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = Clock::now();
    const float* fin = trainer.finalEmbeddingsOnDevice();
    r = evaluator.evaluatePrefixes(fin, fin + static_cast<int64_t>(M) * cfg.dim, M, N, cfg.dim, levels);
    evalS.push_back(seconds(t0, Clock::now()));
  }
  std::printf("full evaluation at %zu levels (GPU evaluator, forward + rank %d items per test user per level): %.4f s "
              "median of 3\n",
              levels.size(), N, median(evalS));
  for (size_t l = 0; l < levels.size(); ++l)
    std::printf("  d=%-3d recall@20 %.5f  ndcg@20 %.5f\n", levels[l], r[l].meanOf(rf::Metric::Recall, 0),
                r[l].meanOf(rf::Metric::Ndcg, 0));
  return 0;
}
