// LightGCN on the GPU, gowalla-sized: the device's copy bandwidth (the ceiling), one propagation
// layer (time and achieved bandwidth, two byte models), a training step's phases, seconds per
// epoch, and full evaluation; or, with --epochs N, a training run printing one JSON line per epoch
// (the parity record).
//
//   bench_cuda_lightgcn TRAIN TEST [--epochs N] [--eval-every E] [--layers K] [--sampler tf|torch]
//                       [--seed S] [--threads T] [--bench-epochs N]
//
// Device times are CUDA-event or synchronized wall times; medians of repeated runs.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "../bench_util.hpp"
#include "recforge/cuda/lightgcn_trainer.hpp"
#include "recforge/cuda/propagation.hpp"
#include "recforge/cuda/runtime.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/parallel.hpp"
#include "eval_hook.hpp"

using bench::Clock;
using bench::median;
using bench::seconds;
using CudaTimes = rf::cuda::CudaTrainTimes;

namespace {

double copyBandwidth() {
  const size_t bytes = size_t{1} << 31;  // 2 GiB: far beyond L2
  rf::cuda::DeviceBuffer<unsigned char> a(bytes, "copy src"), b(bytes, "copy dst");
  a.zero();
  rf::cuda::DeviceTimer t;
  std::vector<double> s;
  for (int r = 0; r < 6; ++r) {
    t.start();
    rf::cuda::copyOnDevice(b.data(), a.data(), bytes);
    s.push_back(t.stop());
  }
  s.erase(s.begin());
  return 2.0 * bytes / median(s);  // bytes read + written
}

void benchPropagation(const rf::BipartiteGraph& g, int32_t dim, double ceiling) {
  rf::cuda::DeviceGraph dg = rf::cuda::DeviceGraph::upload(g);
  const int64_t rows = dg.rows(), edges = dg.edges();
  std::vector<float> host(rows * dim);
  rf::Rng rng(7, 1);
  for (auto& v : host) v = static_cast<float>(rng.normal() * 0.1);
  rf::cuda::DeviceBuffer<float> src(host, "src"), dst(host.size(), "dst");
  rf::cuda::DeviceTimer t;
  std::vector<double> s;
  for (int r = 0; r < 25; ++r) {
    t.start();
    rf::cuda::propagateLayer(dg, src.data(), dst.data(), dim);
    s.push_back(t.stop());
  }
  s.erase(s.begin(), s.begin() + 5);
  const double sec = median(s);
  const double structure = (rows + 1) * 8.0 + edges * 8.0;  // offsets, columns + weights
  const double table = rows * dim * 4.0;
  const double compulsory = structure + 2 * table;            // src once, dst once
  const double gathered = structure + edges * dim * 4.0 + table;  // every edge's source row
  std::printf(
      "propagation layer d=%d: %.1f us  compulsory bytes %.1f MB -> %.0f GB/s (%.0f%% of copy)  gathered bytes %.1f MB -> "
      "%.0f GB/s (source rows mostly L2 hits)\n",
      dim, sec * 1e6, compulsory / 1e6, compulsory / sec / 1e9, 100 * compulsory / sec / ceiling, gathered / 1e6,
      gathered / sec / 1e9);
  // Check against the CPU on a few rows, so the timed kernel is known to compute the product.
  std::vector<float> out = dst.toHost();
  double worst = 0;
  for (int64_t r = 0; r < rows; r += rows / 97 + 1) {
    const bool user = r < g.nUsers();
    const rf::Csr& c = user ? g.userItems : g.itemUsers;
    const std::vector<float>& w = user ? g.userNorm : g.itemNorm;
    const int64_t local = user ? r : r - g.nUsers();
    for (int32_t j = 0; j < dim; ++j) {
      double want = 0;
      for (int64_t e = c.indptr[local]; e < c.indptr[local + 1]; ++e)
        want += double(w[e]) * host[(user ? g.nUsers() + int64_t(c.indices[e]) : int64_t(c.indices[e])) * dim + j];
      worst = std::max(worst, std::fabs(want - out[r * dim + j]));
    }
  }
  std::printf("  spot check vs double reference: max abs diff %.2e\n", worst);
}

struct Data {
  rf::Interactions train, test;
  rf::BipartiteGraph graph;
  rf::Csr trainCsr, testCsr;
};

}  // namespace

int main(int argc, char** argv) {
  const char* trainPath = nullptr;
  const char* testPath = nullptr;
  int epochs = 0, evalEvery = 20, layers = 3, threads = 0, benchEpochs = 4;
  uint64_t seed = 2020;
  rf::EpochKind sampler = rf::EpochKind::kTorchUniformUsers;
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--epochs") && a + 1 < argc) epochs = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--eval-every") && a + 1 < argc) evalEvery = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--layers") && a + 1 < argc) layers = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--threads") && a + 1 < argc) threads = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--bench-epochs") && a + 1 < argc) benchEpochs = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--seed") && a + 1 < argc) seed = std::strtoull(argv[++a], nullptr, 10);
    else if (!std::strcmp(argv[a], "--sampler") && a + 1 < argc) {
      ++a;
      sampler = !std::strcmp(argv[a], "tf") ? rf::EpochKind::kTfDistinctUsers : rf::EpochKind::kTorchUniformUsers;
    } else if (!trainPath) trainPath = argv[a];
    else testPath = argv[a];
  }
  rf::cuda::DeviceInfo info = rf::cuda::probe();
  if (!info.usable) {
    std::printf("bench_cuda_lightgcn: no GPU (%s), skipping\n", info.why.c_str());
    return 0;
  }
  Data d;
  if (!trainPath || !testPath || !bench::loadLines(trainPath, d.train) || !bench::loadLines(testPath, d.test)) {
    std::printf("bench_cuda_lightgcn: TRAIN and TEST files needed\n");
    return 1;
  }
  const int32_t M = std::max(d.train.nUsers, d.test.nUsers), N = std::max(d.train.nItems, d.test.nItems);
  d.train.nUsers = M, d.train.nItems = N;
  d.graph = rf::buildGraph(rf::EdgeView::of(d.train));
  d.trainCsr = d.graph.userItems;
  d.testCsr = rf::buildCsr(d.test.users.data(), d.test.items.data(), d.test.size(), M, N);
  rf::EvalSpec spec;
  spec.truth = &d.testCsr;
  spec.mask = &d.trainCsr;
  spec.ks = {20};
  spec.threads = threads;

  rf::LightGcnConfig cfg;
  cfg.users = M, cfg.items = N, cfg.dim = 64, cfg.layers = layers, cfg.initStd = 0.1, cfg.seed = seed;
  rf::LightGcnModel model = rf::LightGcnModel::create(cfg, threads);
  rf::TrainOptions o;
  o.sampler = sampler;
  o.batchSize = 2048;
  o.lambda = 1e-4;
  o.adam.lr = 1e-3;
  o.threads = threads;
  o.seed = seed;
  rf::cuda::LightGcnTrainer trainer(d.graph, model, o);
  bench::EvalHook eval(spec);

  if (epochs > 0) {  // the parity record: JSON lines
    std::printf("{\"device\":\"%s\",\"users\":%d,\"items\":%d,\"train\":%lld,\"layers\":%d,\"seed\":%llu}\n",
                info.name.c_str(), M, N, static_cast<long long>(d.train.size()), layers,
                static_cast<unsigned long long>(seed));
    for (int e = 0; e < epochs; ++e) {
      auto t0 = Clock::now();
      const double loss = trainer.trainEpoch(e);
      const double trainS = seconds(t0, Clock::now());
      std::printf("{\"epoch\":%d,\"loss\":%.6f,\"train_s\":%.4f", e + 1, loss, trainS);
      if (evalEvery > 0 && (e + 1) % evalEvery == 0) {
        bench::EvalOutcome r = eval.run(trainer.finalEmbeddingsOnDevice(), M, N, cfg.dim);
        std::printf(",\"eval_s\":%.4f,\"recall@20\":%.6f,\"ndcg@20\":%.6f,\"precision@20\":%.6f", r.seconds, r.recall,
                    r.ndcg, r.precision);
      }
      std::printf("}\n");
      std::fflush(stdout);
    }
    return 0;
  }

  std::printf("device: %s, %d SMs, %.1f GiB, L2 %.0f MB, driver %d, runtime %d\n", info.name.c_str(),
              info.multiprocessors, info.totalMemory / 1073741824.0, info.l2Bytes / 1e6, info.driverVersion,
              info.runtimeVersion);
  std::printf("data: users %d items %d train pairs %lld test pairs %lld, d=64 K=%d B=2048, host threads %d\n", M, N,
              static_cast<long long>(d.train.size()), static_cast<long long>(d.test.size()), layers,
              threads > 0 ? threads : rf::defaultThreads());
  const double ceiling = copyBandwidth();
  std::printf("device-to-device copy: %.0f GB/s (read + write)\n", ceiling / 1e9);
  benchPropagation(d.graph, 64, ceiling);
  benchPropagation(d.graph, 256, ceiling);

  // Epochs: the first includes the cold start of the pipeline (first plan not overlapped).
  std::vector<double> epochS, planS;
  for (int e = 0; e < benchEpochs; ++e) {
    trainer.resetTimes();
    auto t0 = Clock::now();
    const double loss = trainer.trainEpoch(e);
    epochS.push_back(seconds(t0, Clock::now()));
    planS.push_back(trainer.times().plan);
    std::printf("epoch %d: %.4f s (host plan not hidden: %.4f s), loss %.5f, steps %lld\n", e + 1, epochS.back(),
                planS.back(), loss, static_cast<long long>(trainer.times().steps));
  }
  if (epochS.size() > 1) epochS.erase(epochS.begin());
  std::printf("seconds per epoch (median of %zu after the first): %.4f\n", epochS.size(), median(epochS));
  // Where a step's time goes: one more epoch with every phase bracketed by events.
  trainer.resetTimes();
  trainer.setProfiling(true);
  auto tp = Clock::now();
  trainer.trainEpoch(benchEpochs);
  const double profiled = seconds(tp, Clock::now());
  trainer.setProfiling(false);
  const CudaTimes& pt = trainer.times();
  const double st = static_cast<double>(pt.steps);
  std::printf("profiled epoch %.4f s, %lld steps; per step (us): forward %.1f  loss+grad %.1f  backward %.1f  "
              "adam %.1f\n",
              profiled, static_cast<long long>(pt.steps), pt.forward / st * 1e6, pt.loss / st * 1e6,
              pt.backward / st * 1e6, pt.update / st * 1e6);

  // Full evaluation of the trained model: propagation + ranking of every item for every test user.
  std::vector<double> evalS;
  bench::EvalOutcome r;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = Clock::now();
    const float* fin = trainer.finalEmbeddingsOnDevice();
    r = eval.run(fin, M, N, cfg.dim);
    evalS.push_back(seconds(t0, Clock::now()));
  }
  std::printf("full evaluation (%s, forward + rank %d items for each test user): %.4f s median of 5; recall@20 %.5f "
              "ndcg@20 %.5f\n",
              eval.backendName(), N, median(evalS), r.recall, r.ndcg);
  // The same ranking on the host CPU evaluator, for agreement.
  std::vector<float> fin = trainer.finalEmbeddings();
  auto t0 = Clock::now();
  rf::EvalResult cpu = rf::evaluateEmbeddings({fin.data(), M, cfg.dim}, {fin.data() + int64_t(M) * cfg.dim, N, cfg.dim},
                                              spec);
  std::printf("cpu evaluator on the same embeddings: %.4f s, recall@20 %.5f ndcg@20 %.5f\n",
              seconds(t0, Clock::now()), cpu.meanOf(rf::Metric::Recall, 0), cpu.meanOf(rf::Metric::Ndcg, 0));
  return 0;
}
