// Interact2Vec on the GPU (batched deterministic SGNS, interact2vec_trainer.hpp): interactions per
// second and seconds per epoch on gowalla train (d = 64, K = 5, alpha = -0.5, lr 0.025 with
// linear decay over the planned epochs, as bench_interact2vec's CPU SGD defaults), medians after
// the first epoch; with TEST, Recall@20 / NDCG@20 of the trained tables (GPU evaluator).
//
//   bench_cuda_interact2vec TRAIN [TEST] [--epochs N] [--dim D] [--negatives K] [--alpha A]
//                           [--lr LR] [--batch B] [--seed S]
//
// Exits 0 without a GPU (skipping) and 1 without data.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../bench_util.hpp"
#include "recforge/cuda/evaluate.hpp"
#include "recforge/cuda/interact2vec_trainer.hpp"
#include "recforge/cuda/runtime.hpp"
#include "recforge/evaluate.hpp"

using bench::Clock;
using bench::median;
using bench::seconds;

int main(int argc, char** argv) {
  const char* trainPath = nullptr;
  const char* testPath = nullptr;
  int epochs = 5;
  int32_t dim = 64;
  uint64_t seed = 2020;
  rf::Interact2VecOptions o;
  o.alpha = -0.5;
  rf::cuda::CudaInteract2VecOptions g;
  for (int a = 1; a < argc; ++a) {
    const bool more = a + 1 < argc;
    if (!std::strcmp(argv[a], "--epochs") && more) epochs = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--dim") && more) dim = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--negatives") && more) o.negatives = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--alpha") && more) o.alpha = std::atof(argv[++a]);
    else if (!std::strcmp(argv[a], "--lr") && more) o.lr = std::atof(argv[++a]);
    else if (!std::strcmp(argv[a], "--batch") && more) g.batchSize = std::atoi(argv[++a]);
    else if (!std::strcmp(argv[a], "--seed") && more) seed = std::strtoull(argv[++a], nullptr, 10);
    else if (!trainPath) trainPath = argv[a];
    else testPath = argv[a];
  }
  o.epochs = epochs;
  o.seed = seed;
  const rf::cuda::DeviceInfo info = rf::cuda::probe();
  if (!info.usable) {
    std::printf("bench_cuda_interact2vec: no GPU (%s), skipping\n", info.why.c_str());
    return 0;
  }
  rf::Interactions train, test;
  if (!trainPath || !bench::loadLines(trainPath, train) || (testPath && !bench::loadLines(testPath, test))) {
    std::printf("bench_cuda_interact2vec: TRAIN file needed (TEST optional)\n");
    return 1;
  }
  if (testPath) {
    train.nUsers = std::max(train.nUsers, test.nUsers);
    train.nItems = std::max(train.nItems, test.nItems);
  }
  rf::Interact2VecConfig c;
  c.users = train.nUsers;
  c.items = train.nItems;
  c.dim = dim;
  c.seed = seed;
  rf::Interact2VecModel model = rf::Interact2VecModel::create(c);
  rf::cuda::Interact2VecTrainer trainer(rf::EdgeView::of(train), model, o, g);
  std::printf("device: %s, %d SMs, driver %d, runtime %d\n", info.name.c_str(), info.multiprocessors,
              info.driverVersion, info.runtimeVersion);
  std::printf("data: %s  users %d items %d pairs %lld; d=%d K=%d alpha=%g lr=%g batch %d (batched SGNS, tabulated "
              "sigmoid)\n",
              trainPath, c.users, c.items, static_cast<long long>(trainer.userItems().nnz()), dim, o.negatives, o.alpha,
              o.lr, g.batchSize);
  std::vector<double> secs, rates;
  for (int e = 0; e < epochs; ++e) {
    const auto t0 = Clock::now();
    const rf::I2vEpochStats s = trainer.trainEpoch();
    const double t = seconds(t0, Clock::now());
    secs.push_back(t);
    rates.push_back(static_cast<double>(s.kept) / t);
    std::printf("epoch %d: %.4f s, %.2f M interactions/s, loss %.4f, kept %lld, steps %lld, last lr %.5f\n", e + 1, t,
                rates.back() / 1e6, s.loss, static_cast<long long>(s.kept), static_cast<long long>(s.steps), s.lastLr);
    std::fflush(stdout);
  }
  if (secs.size() > 1) secs.erase(secs.begin()), rates.erase(rates.begin());
  const double rate = median(rates);
  std::printf("median after the first epoch: %.4f s/epoch, %.2f M interactions/s, %.1f M dot+update pairs/s\n",
              median(secs), rate / 1e6, rate * (1 + o.negatives) / 1e6);
  if (testPath) {
    const rf::Csr testCsr = rf::buildCsr(test.users.data(), test.items.data(), test.size(), c.users, c.items);
    rf::EvalSpec spec;
    spec.truth = &testCsr;
    spec.mask = &trainer.userItems();
    spec.ks = {20};
    rf::cuda::DeviceEvaluator evaluator(spec);
    const auto t0 = Clock::now();
    const rf::EvalResult r = evaluator.evaluate(trainer.usersOnDevice(), trainer.itemsOnDevice(), c.users, c.items, dim);
    std::printf("evaluation after %d epochs (%.3f s): recall@20 %.5f ndcg@20 %.5f\n", epochs, seconds(t0, Clock::now()),
                r.meanOf(rf::Metric::Recall, 0), r.meanOf(rf::Metric::Ndcg, 0));
  }
  return 0;
}
